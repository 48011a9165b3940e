"""`<server>` references: one server, or a clear answer when there is none or several."""

import re

import pytest

from bot.resolve import (
    Ambiguous,
    BadReference,
    NotFound,
    filter_servers,
    parse_reference,
    resolve_server,
)
from bot.slack.wording import unresolved
from bot.vps.models import Server


def server(id_: int, name: str, hostname: str | None = None) -> Server:
    return Server(id=id_, name=name, hostname=hostname, status="active")


FLEET = [
    server(12345, "web-server-01", "web-01.example.com"),
    server(12346, "web-server-02", "web-02.example.com."),
    server(200, "db", "db.example.com"),
    server(301, "web", "web-a.example.com"),
    server(302, "web", "web-b.example.com"),
    server(400, "12345", "numbers.example.com"),  # a name that is another server's id
    server(500, "mail", "db"),  # a (bad) hostname equal to another server's name
    server(600, "Cache", None),
    server(601, "cache-2", "CACHE.example.com"),
    server(700, "Edge", None),
    server(701, "edge", None),
]


@pytest.mark.parametrize(
    ("reference", "server_id"),
    [
        ("#12345", 12345),  # '#' means the id, even though a server is named "12345"
        ("#200", 200),
        ("200", 200),
        ("web-server-01", 12345),
        ("  web-server-01  ", 12345),
        ("WEB-SERVER-02", 12346),  # no exact-case name: any case
        ("web-01.example.com", 12345),
        ("WEB-01.Example.COM.", 12345),  # hostnames: any case, trailing dot ignored
        ("web-02.example.com", 12346),  # the server's own hostname has the trailing dot
        ("cache", 600),
        ("cache.example.com", 601),
        ("Edge", 700),  # exact case wins over a different-case name
        ("edge", 701),
        ("web-01.\u2060example.com", 12345),  # copied out of an old message: invisible joiner
        ("#400", 400),
    ],
)
def test_references_find_one_server(reference: str, server_id: int) -> None:
    found = resolve_server(reference, FLEET)
    assert isinstance(found, Server)
    assert found.id == server_id


@pytest.mark.parametrize(
    ("reference", "candidates"),
    [
        ("web", (301, 302)),  # two servers share a name
        ("12345", (400, 12345)),  # a number that is an id and another server's name
        ("db", (200, 500)),  # a name and another server's hostname
        ("EDGE", (700, 701)),  # no exact-case name, two in any case
    ],
)
def test_references_matching_several_servers_are_ambiguous(
    reference: str, candidates: tuple[int, ...]
) -> None:
    found = resolve_server(reference, FLEET)
    assert isinstance(found, Ambiguous)
    assert tuple(s.id for s in found.candidates) == candidates


def test_the_ambiguous_message_lists_each_candidate_to_pick_by_id() -> None:
    found = resolve_server("web", FLEET)
    assert isinstance(found, Ambiguous)
    assert unresolved(found) == (
        "`web` could mean 2 servers; use the id instead, like `#301`:\n"
        "• `#301` `web` (`web-a.example.com`)\n"
        "• `#302` `web` (`web-b.example.com`)"
    )
    found = resolve_server("12345", FLEET)
    assert isinstance(found, Ambiguous)
    assert unresolved(found) == (
        "`12345` could mean 2 servers; use the id instead, like `#400`:\n"
        "• `#400` `12345` (`numbers.example.com`)\n"
        "• `#12345` `web-server-01` (`web-01.example.com`)"
    )


def test_a_long_list_of_candidates_is_cut() -> None:
    fleet = [server(i, "same") for i in range(1, 14)]
    found = resolve_server("same", fleet)
    assert isinstance(found, Ambiguous)
    lines = unresolved(found).splitlines()
    assert len(lines) == 1 + 10 + 1
    assert lines[-1] == "…and 3 more."
    assert "• `#6` `same` (no hostname)" in lines


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (
            "web-server-03",
            "No server `web-server-03` — try `/vps list web-server-03`. "
            "Did you mean `web-server-01` or `web-server-02`?",
        ),
        ("nginx", "No server `nginx` — try `/vps list nginx`."),
        ("#999", "No server has the id `#999` — try `/vps list`."),
        ("999", "No server has the id `999` — try `/vps list`."),
        ("#web", "No server `#web` — try `/vps list web`. Did you mean `web`?"),
        ("", "Which server? Give its id (like `#12345`), name or hostname."),
        ("edg", "No server `edg` — try `/vps list edg`. Did you mean `Edge` or `edge`?"),
    ],
)
def test_unknown_references_suggest_a_search_and_close_names(reference: str, message: str) -> None:
    found = resolve_server(reference, FLEET)
    assert isinstance(found, NotFound)
    assert unresolved(found) == message


def test_not_found_suggestions_and_slash_command() -> None:
    found = resolve_server("dbb", FLEET, slash_command="/ops")
    assert found == NotFound(reference="dbb", suggestions=("db",), slash_command="/ops")
    assert unresolved(found) == "No server `dbb` — try `/ops list dbb`. Did you mean `db`?"


@pytest.mark.parametrize(
    "reference", ["<!channel>", "`x` *y*", "<https://evil.example|click>", "@here"]
)
def test_messages_never_ping_or_link_with_what_was_typed(reference: str) -> None:
    fleet = [server(1, reference), server(2, reference, reference)]
    for found in (resolve_server(reference, FLEET), resolve_server(reference, fleet)):
        assert isinstance(found, NotFound | Ambiguous)
        assert "<" not in unresolved(found)
        assert "`x`" not in unresolved(found)
        # Only inside code spans, which Slack never parses (the message is verbatim mrkdwn too).
        assert "@here" not in re.sub(r"`[^`]*`", "", unresolved(found))


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("web", [12345, 12346, 301, 302]),
        ("WEB-0", [12345, 12346]),  # hostname, any case
        ("example.com", [12345, 12346, 200, 301, 302, 400, 601]),
        ("cache", [600, 601]),
        ("", [s.id for s in FLEET]),
        ("nothing", []),
    ],
)
def test_filter_servers_matches_name_or_hostname_substrings(text: str, ids: list[int]) -> None:
    assert [s.id for s in filter_servers(FLEET, text)] == ids


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        (" \u2060", "it is empty"),
        ("x" * 256, "it is longer than 255 characters"),
        ("#\u0663", "ids are made of the digits 0-9 only"),
        ("9" * 20, "no server id is that large"),
        ("web\u00a001", "a name or hostname has no spaces"),
    ],
)
def test_a_reference_that_names_no_server_says_why(typed: str, problem: str) -> None:
    bad = parse_reference(typed)
    assert isinstance(bad, BadReference)
    assert unresolved(bad).endswith(
        f" is not a server id or name: {problem}. Give an id like `#12345`, a name or a hostname."
    )
