"""The reader itself: its words are the command line's, its readings never guess a server."""

from __future__ import annotations

import random

import pytest

from bot.catalog import load_catalog
from bot.commands.parser import parse
from bot.commands.usage import READS
from bot.operations import names
from bot.plainwords import FleetNames, read
from bot.plainwords.lexicon import lexicon, words_of

FLEET = FleetNames(["web-server-01", "web-server-03", "db-server-01", "api-server-01"])
CATALOG = load_catalog()


def test_every_verb_names_a_command_the_command_line_takes() -> None:
    known = set(READS) | set(names())
    assert lexicon().verbs.meanings() <= known
    split = {verb for particles in lexicon().split_verbs.values() for verb in particles.values()}
    assert split <= known


@pytest.mark.parametrize(
    ("words", "command"),
    [
        ("reboot web-server-01", "reboot web-server-01"),
        ("show db-server-01", "show db-server-01"),
        ("which servers are stopped?", "list status:stopped"),
        ("rename web-server-01 to web-legacy", "rename web-server-01 web-legacy"),
        ("turn on backups for db-server-01", "set db-server-01 backups:on"),
        ("create web-09 standard debian us-east", "create web-09 plan:1 os:3 location:us-east"),
    ],
)
def test_a_single_server_reading_is_a_command_the_parser_takes(words: str, command: str) -> None:
    reading = read(words, FLEET, CATALOG)
    assert reading.outcome == "understood"
    assert reading.command == command
    parse(reading.command, CATALOG)  # raises if the command line would refuse it


def test_a_name_not_in_the_fleet_is_offered_never_substituted() -> None:
    reading = read("reboot web-server-1", FLEET, CATALOG)
    assert reading.outcome == "ambiguous"
    assert reading.command == ""
    assert reading.candidates == ("reboot web-server-01",)


def test_a_name_near_nothing_is_kept_as_typed_for_the_command_to_answer() -> None:
    assert read("reboot mail-07", FLEET, CATALOG).command == "reboot mail-07"


def test_the_same_words_always_give_the_same_reading() -> None:
    words = "riavvia i server web in us-west, due alla volta"
    assert len({read(words, FLEET, CATALOG) for _ in range(5)}) == 1


def test_mentions_links_and_accents_are_not_words() -> None:
    assert words_of("<@U0BOT> mostra <http://x.example|web-01>, perché?") == [
        "mostra",
        "web-01",
        "perche",
    ]


@pytest.mark.parametrize(
    "words",
    [
        "delete everything",
        "delete web-*",
        "elimina tutti i server",
        "delete web-server-01 db-server-01",
    ],
)
def test_a_delete_that_names_no_one_server_is_refused(words: str) -> None:
    assert read(words, FLEET, CATALOG).outcome == "refused"


def test_near_misses_are_found_in_a_large_fleet() -> None:
    fleet = FleetNames([f"web-server-{n:05d}" for n in range(20_000)])
    reading = read("reboot web-server-0001", fleet, CATALOG)
    assert reading.outcome == "ambiguous"
    assert "reboot web-server-00001" in reading.candidates


def test_an_operation_declared_later_is_a_verb_by_its_own_name() -> None:
    from bot.operations import Operation, Syntax, Wording, declare, get, withdraw

    reboot = get("reboot")
    declare(
        Operation(
            name="recycle",
            call=reboot.call,
            runs_from=frozenset({"active"}),
            leads_to="active",
            syntax=Syntax(usage="/vps recycle <server>", what="recycle", example="/vps recycle x"),
            wording=Wording(label="Recycle", done="is recycling"),
        )
    )
    try:
        reading = read("please recycle web-server-01", FLEET, CATALOG)
        assert reading.command == "recycle web-server-01"
        assert reading.is_write
    finally:
        withdraw("recycle")


VOCABULARY = (
    "reboot stop start delete rename to come backups on off all tutti i server web-* "
    "web-server-01 db-server-01 web-sever-01 us-west spenti two at a time due alla volta "
    "stop if 2 fail in 10 minutes alle 22:30 except <@U1> #12345 please the"
)


def test_any_jumble_of_known_words_reads_without_error_and_never_deletes_more_than_one() -> None:
    vocabulary = VOCABULARY.split()
    rng = random.Random(20)
    for _ in range(2000):
        words = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 25)))
        reading = read(words, FLEET, CATALOG)
        for command in (reading.command, *reading.candidates):
            if command.startswith("delete"):
                assert len(command.split()) == 2, (words, command)
