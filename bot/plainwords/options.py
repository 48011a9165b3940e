"""A rolling change's options said in words: "two at a time" → `batch:2`, and the like.

Each phrase is found in the folded text and taken out of it, so its words ("stop", "wait")
are not read again as a verb. Typed `key:value` options are taken as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from bot.plainwords.lexicon import lexicon

__all__ = ["PLAN_OPTIONS", "take_options", "take_when"]

PLAN_OPTIONS = ("batch", "max-fail", "pause", "wait")
_TYPED = re.compile(r"\b(batch|max-fail|maxfail|pause|wait)[:=](\S+)")


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(option, pattern) in the order they are tried: a pause before a wait."""
    words = lexicon()
    num = "(?P<n>\\d+|" + "|".join(sorted(map(re.escape, words.numbers), key=len)[::-1]) + ")"
    unit = "(?P<u>" + "|".join(sorted(map(re.escape, words.units), key=len)[::-1]) + ")"
    pct = f"{num}(?P<pct>%| ?percent| ?per ?cento)?"
    fail = r"(?:fail\w*|errors?|errori|errore|falliscono|fallisce|fallimenti|guasti)"
    between = r"(?:between|in between|tra|fra)(?: \w+){0,4}"
    table = [
        (
            "batch",
            r"\b(?:one by one|one after (?:the )?other|uno per uno|uno dopo l'?altro|"
            r"uno alla volta|uno per volta|one at a time|sequentially|in sequenza)\b",
        ),
        (
            "batch",
            rf"\b{pct} (?:at a time|alla volta|per volta|at once|insieme|together|"
            rf"in parallel|in parallelo|per (?:batch|gruppo|giro))\b",
        ),
        (
            "batch",
            rf"\b(?:in )?(?:batch(?:es)?|groups?|gruppi|lotti|blocchi|chunks?|"
            rf"waves?|ondate) (?:of |da |di )?{pct}",
        ),
        ("batch", rf"\b(?:a|in) {num} a (?:\d+|\w+)\b"),
        (
            "max-fail",
            rf"\b(?:stop|abort|halt|fermati|fermarti|interrompi|ferma tutto|give up)"
            rf"(?: (?:everything|all|the plan|il piano|tutto))? (?:if|when|after|se|"
            rf"dopo|quando|once)(?: \w+){{0,2}} (?:more than |piu di )?{pct} {fail}",
        ),
        (
            "max-fail",
            rf"\b(?:stop|abort|halt|fermati|fermarti|interrompi|give up) (?:if|se|"
            rf"when|quando)(?: \w+){{0,2}} {fail} (?:piu di |more than )?{pct}",
        ),
        (
            "max-fail",
            rf"\b(?:allow|tolerate|accept|at most|max(?:imum)?|up to|tollera|"
            rf"tollerando|accetta|al massimo|massimo|fino a|with) {pct} {fail}",
        ),
        ("max-fail", r"\b(?P<zero>no failures|zero failures|nessun errore|senza errori)\b"),
        (
            "pause",
            rf"\b(?:pause|wait|sleep|pausa(?: di)?|aspetta|attendi|aspettando)"
            rf"(?: for)? {num} ?{unit}\b (?:{between})",
        ),
        (
            "pause",
            rf"\b(?:with |con )?(?:a |una )?{num} ?{unit}\b (?:pause|break|gap|"
            rf"di pausa)(?: {between})?",
        ),
        ("pause", rf"\b(?:con )?(?:una )?pausa di {num} ?{unit}\b(?: {between})?"),
        (
            "wait",
            rf"\b(?:wait|give (?:each|them|it)|allow|aspetta|attendi|concedi|dai)"
            rf"(?: (?:up to|at most|fino a|massimo|al massimo))? {num} ?{unit}\b"
            rf"(?: (?:for each|each|per server|a server|per ciascuno|ciascuno|"
            rf"for each server|to come (?:back|up)|per tornare su|di attesa))?",
        ),
        ("wait", rf"\b(?:timeout|time-out)(?: of| di)? {num} ?{unit}\b"),
    ]
    return tuple((option, re.compile(pattern)) for option, pattern in table)


def take_options(text: str) -> tuple[str, dict[str, str]]:
    """`text` without its option phrases, and the options they say."""
    found: dict[str, str] = {}
    for typed in _TYPED.finditer(text):
        key = "max-fail" if typed.group(1) == "maxfail" else typed.group(1)
        found.setdefault(key, typed.group(2))
    text = _TYPED.sub(" ", text)
    for option, pattern in _patterns():
        match = pattern.search(text)
        if match is None or option in found:
            continue
        found[option] = _value(option, match.groupdict())
        text = text[: match.start()] + " " + text[match.end() :]
    return text, found


def _value(option: str, groups: Mapping[str, str | None]) -> str:
    if groups.get("zero"):
        return "0"
    number = groups.get("n")
    if number is None:  # "one by one"
        return "1"
    count = int(number) if number.isdigit() else lexicon().numbers[number]
    if option in ("pause", "wait"):
        return f"{count}{lexicon().units[groups['u'] or 's']}"
    return f"{count}%" if groups.get("pct") else str(count)


_VAGUE = re.compile(
    r"\b(?:tonight|tomorrow|later|this (?:evening|afternoon|morning|weekend)|next week|"
    r"(?:every|each) (?:day|night|week|morning|evening|hour)|daily|weekly|nightly|hourly|"
    r"stasera|stanotte|domani|piu tardi|ogni (?:giorno|notte|settimana|mattina|sera|ora)|"
    r"questa sera|weekend|on (?:mon|tue|wed|thu|fri|sat|sun)\w*|"
    r"(?:lunedi|martedi|mercoledi|giovedi|venerdi|sabato|domenica))\b"
)


def take_when(text: str) -> tuple[str, str | None, bool]:
    """`text` without a time it names: "in 10 minutes" → `in 10m`, "at 22:00" → `at 22:00`;
    and whether another time is named that the bot will not guess ("tonight", "domani")."""
    words = lexicon()
    num = "(?P<n>\\d+|" + "|".join(sorted(map(re.escape, words.numbers), key=len)[::-1]) + ")"
    unit = "(?P<u>" + "|".join(sorted(map(re.escape, words.units), key=len)[::-1]) + ")"
    when = None
    later = re.search(rf"\b(?:in|tra|fra|entro) {num} ?{unit}\b", text)
    clock = re.search(r"\b(?:at|alle|all'|a) (?P<h>[01]?\d|2[0-3])[:.](?P<m>[0-5]\d)\b", text)
    if later is not None:
        number = later.group("n")
        count = int(number) if number.isdigit() else words.numbers[number]
        when = f"in {count}{words.units[later.group('u')]}"
        text = text[: later.start()] + " " + text[later.end() :]
    elif clock is not None:
        when = f"at {int(clock.group('h')):02d}:{clock.group('m')}"
        text = text[: clock.start()] + " " + text[clock.end() :]
    return text, when, _VAGUE.search(text) is not None
