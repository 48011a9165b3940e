"""The public evaluation set (tests/data/plain_words.yml), read in full."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.catalog import load_catalog
from bot.plainwords import FleetNames, read
from bot.plainwords.evaluation import Case, judged, same_command

SET = Path(__file__).resolve().parent.parent / "data" / "plain_words.yml"
DATA = yaml.safe_load(SET.read_text("utf-8"))
CASES = [Case.of(raw) for raw in DATA["cases"]]


def _readings() -> list[tuple[Case, object]]:
    fleet, catalog = FleetNames(DATA["fleet"]), load_catalog()
    return [(case, read(case.words, fleet, catalog)) for case in CASES]


def test_the_set_is_as_large_and_as_varied_as_promised() -> None:
    kinds = {case.kind for case in CASES}
    assert len(CASES) >= 150
    assert sum(case.lang == "it" for case in CASES) >= 50
    assert {"read", "write", "plan", "typo", "ambiguous", "out-of-scope", "refuse"} <= kinds
    assert len({case.words for case in CASES}) == len(CASES)  # no phrasing counted twice


def test_at_least_95_percent_give_exactly_the_expected_answer() -> None:
    fleet, catalog = FleetNames(DATA["fleet"]), load_catalog()
    misses = [c.words for c in CASES if not judged(c, read(c.words, fleet, catalog))]
    assert len(misses) <= len(CASES) * 0.05, misses


def test_every_ambiguous_or_out_of_scope_phrasing_is_asked_or_refused() -> None:
    fleet, catalog = FleetNames(DATA["fleet"]), load_catalog()
    unsure = [c for c in CASES if c.expect in ("ask", "refuse")]
    assert unsure
    wrong = [c.words for c in unsure if not judged(c, read(c.words, fleet, catalog))]
    assert wrong == []


def test_no_phrasing_expected_as_a_question_becomes_a_write() -> None:
    fleet, catalog = FleetNames(DATA["fleet"]), load_catalog()
    for case in CASES:
        reading = read(case.words, fleet, catalog)
        if case.expect in ("ask", "refuse"):
            assert not reading.command, case.words  # candidates are offered, never run


def test_options_compare_in_any_order_and_words_in_order() -> None:
    assert same_command(
        "/vps reboot web-* batch:2 location:us-west", "reboot web-* location:us-west batch:2"
    )
    assert not same_command("/vps rename a b", "/vps rename b a")
    assert not same_command("/vps reboot web-*", "/vps reboot web-* batch:2")


def test_the_readme_examples_read_as_the_readme_says() -> None:
    readme = (SET.parents[2] / "README.md").read_text("utf-8")
    section = readme[readme.index("## Talking to the bot") :]
    section = section[: section.index("\n## ", 1)]
    rows = [r.split(" | ") for r in section.splitlines() if r.startswith("| ") and "`/vps" in r]
    fleet, catalog = FleetNames(DATA["fleet"]), load_catalog()
    assert len(rows) >= 15
    for words, shown in rows:
        words = words.removeprefix("| ")
        command = shown.split("`")[1]
        reading = read(words, fleet, catalog)
        if shown.startswith("offers"):
            assert reading.candidates == (command.removeprefix("/vps "),), words
        else:
            assert same_command(command, reading.command), words
