"""Slack text made readable in a terminal: mrkdwn formatting, mentions, entities and emoji.

Whatever a message holds, the output carries no escape sequence but ours: control, bidi and
private-use characters from the message are dropped first. Formatting is marked with private-use
characters while the text is parsed, and only at the end turned into ANSI codes (or nothing).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Names", "Style", "emojize", "mrkdwn", "plain", "width"]

BOLD, DIM, ITALIC, STRIKE = "1", "2", "3", "9"
RED, GREEN, YELLOW, BLUE, CYAN = "31", "32", "33", "34", "36"

EMOJI = {
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "red_circle": "🔴",
    "white_circle": "⚪",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "hourglass_flowing_sand": "⏳",
    "hourglass": "⌛",
    "grey_question": "❔",
    "question": "❓",
    "warning": "⚠️",
    "rotating_light": "🚨",
    "mag": "🔍",
    "lock": "🔒",
    "bulb": "💡",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "ballot_box_with_check": "☑️",
    "x": "❌",
    "scroll": "📜",
    "zero": "0️⃣",
    "wastebasket": "🗑️",
    "speech_balloon": "💬",
    "new": "🆕",
    "keyboard": "⌨️",
    "information_source": "\u2139\ufe0f",
    "ghost": "👻",
    "bust_in_silhouette": "👤",
    "busts_in_silhouette": "👥",
    "arrows_counterclockwise": "🔄",
    "raised_hand": "✋",
    "snowflake": "❄️",
    "stopwatch": "⏱️",
    "leftwards_arrow_with_hook": "↩️",
    "arrow_right": "→",
    "arrow_left": "←",
    "bell": "🔔",
    "gear": "⚙️",
    "clipboard": "📋",
    "rocket": "🚀",
    "tada": "🎉",
    "eyes": "👀",
    "+1": "👍",
    "thumbsup": "👍",
    "double_vertical_bar": "⏸️",
    "octagonal_sign": "🛑",
    "checkered_flag": "🏁",
    "arrow_forward": "▶️",
    "fast_forward": "⏩",
    "repeat": "🔁",
    "alarm_clock": "⏰",
    "calendar": "📆",
    "bar_chart": "📊",
    "heavy_plus_sign": "\u2795",
    "thinking_face": "🤔",
}

# Markers for formatting while parsing; the input never holds them (private use is dropped).
_ON = {"b": "\ue000", "i": "\ue001", "s": "\ue002", "c": "\ue003", "m": "\ue004", "q": "\ue005"}
_OFF = {k: chr(ord(v) + 0x10) for k, v in _ON.items()}
_CODES = {"b": BOLD, "i": ITALIC, "s": STRIKE, "c": CYAN, "m": BLUE, "q": DIM}
_KEY = {v: (k, True) for k, v in _ON.items()} | {v: (k, False) for k, v in _OFF.items()}
_MARKER = re.compile("[" + "".join(_ON.values()) + "".join(_OFF.values()) + "]")

_DROP = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ue000-\uf8ff]"
)
_SHORTCODE = re.compile(r":([a-z0-9_+\-]{1,60}):")
_SEQUENCE = re.compile(r"<([^<>\n]*)>")
_QUOTE = re.compile(r"^(?:&gt;|>) ?", re.MULTILINE)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _span(marker: str) -> re.Pattern[str]:
    m = re.escape(marker)
    return re.compile(rf"(?<![\w{m}]){m}(?!\s)([^{m}\n]+?)(?<!\s){m}(?![\w{m}])")


_SPANS = (("b", _span("*")), ("i", _span("_")), ("s", _span("~")))


class Names(Protocol):
    """Who and what the ids in mentions are."""

    def user_name(self, user_id: str) -> str | None:
        """A person's name, or None when unknown."""
        ...

    def channel_name(self, channel_id: str) -> str | None:
        """A channel's name, or None when unknown."""
        ...


@dataclass(frozen=True)
class Style:
    """ANSI colour on or off; `paint` wraps text in codes and restores `base` after it."""

    colour: bool

    def paint(self, text: str, *codes: str, base: tuple[str, ...] = ()) -> str:
        """`text` in the given SGR codes (nothing changes when colour is off)."""
        if not self.colour or not text or not codes:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" + self.sgr(base)

    def sgr(self, codes: tuple[str, ...]) -> str:
        """The escape that switches `codes` on (empty when colour is off or none are given)."""
        return f"\x1b[{';'.join(codes)}m" if self.colour and codes else ""


def width(text: str) -> int:
    """How many terminal cells `text` takes (ANSI codes take none, wide emoji two)."""
    cells = 0
    for ch in _ANSI.sub("", text):
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Cf", "Me", "Mn"):
            continue
        cells += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return cells


def clean(text: str) -> str:
    """Outside text without anything that could drive the terminal (tabs become spaces)."""
    return _DROP.sub("", text.replace("\t", " ").replace("\r\n", "\n"))


def emojize(text: str) -> str:
    """`:shortcode:` → emoji for the ones Slack apps use; unknown shortcodes stay as they are."""
    return _SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def plain(text: object, *, emoji: bool = True) -> str:
    """A plain_text string as Slack shows it: literal, with emoji when the object allows them."""
    shown = clean(text if isinstance(text, str) else str(text or ""))
    return emojize(shown) if emoji else shown


def mrkdwn(text: object, style: Style, names: Names, *, base: tuple[str, ...] = ()) -> str:
    """A mrkdwn string as a person reads it in Slack, styled for the terminal."""
    raw = clean(text if isinstance(text, str) else str(text or ""))
    raw = _SEQUENCE.sub(lambda m: _sequence(m.group(1), names), raw)
    raw = _QUOTE.sub(_ON["q"] + "▎" + _OFF["q"] + " ", raw)
    pieces = []
    last = 0
    for match in _CODE_SPAN.finditer(raw):
        pieces.append(_format(raw[last : match.start()]))
        pieces.append(_ON["c"] + _finish(match.group(1)) + _OFF["c"])
        last = match.end()
    pieces.append(_format(raw[last:]))
    return _to_ansi("".join(pieces), style, base)


def _format(text: str) -> str:
    text = emojize(text)
    for key, pattern in _SPANS:
        text = pattern.sub(_marked(key), text)
    return _finish(text)


def _marked(key: str) -> Callable[[re.Match[str]], str]:
    return lambda match: _ON[key] + match.group(1) + _OFF[key]


def _finish(text: str) -> str:
    """Decode the entities."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def _sequence(inner: str, names: Names) -> str:
    """One <…> control sequence: a mention, a channel, a special mention, a date or a link."""
    target, _, label = inner.partition("|")
    mention = _ON["m"] + "{}" + _OFF["m"]
    lookups: dict[str, tuple[str, Callable[[str], str | None]]] = {
        "@": ("@", names.user_name),
        "#": ("#", names.channel_name),
    }
    if target[:1] in lookups:
        sign, lookup = lookups[target[:1]]
        ident = target[1:]
        return mention.format(sign + (lookup(ident) or label.lstrip(sign) or ident))
    if target.startswith("!"):
        word, _, _rest = target[1:].partition("^")
        if word in ("here", "channel", "everyone"):
            return mention.format("@" + word)
        if word == "subteam":
            return mention.format(label or "@" + _rest)
        return label or word
    if label:
        return f"{label} ({target})"
    return target


def _to_ansi(text: str, style: Style, base: tuple[str, ...]) -> str:
    """Turn the markers into ANSI codes, keeping nested styles and `base` (e.g. dim) on."""
    if not style.colour:
        return _MARKER.sub("", text)
    active: list[str] = []
    out: list[str] = []
    last = 0
    for match in _MARKER.finditer(text):
        out.append(text[last : match.start()])
        last = match.end()
        key, on = _KEY[match.group(0)]
        if on:
            active.append(key)
        elif key in active:
            active.remove(key)
        out.append("\x1b[0m" + style.sgr((*base, *(_CODES[k] for k in active))))
    out.append(text[last:])
    return "".join(out)
