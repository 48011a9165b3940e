"""Untrusted text in Slack messages: never a ping, a link or broken formatting, and values
an operator copies (IPs, hostnames, ids, names) byte for byte."""

import re
import unicodedata

import pytest

from bot.slack.text import code, escape, plain, truncate, unlinked

HOSTILE = [
    pytest.param("<!channel>", id="channel-ping"),
    pytest.param("<!here> <!everyone>", id="here-and-everyone-pings"),
    pytest.param("<@U0ADMIN01> hi", id="user-mention"),
    pytest.param("<!subteam^S0ONCALL1>", id="group-mention"),
    pytest.param("<#C0OPS0001>", id="channel-link"),
    pytest.param("<https://evil.example|click me>", id="masked-link"),
    pytest.param("<!date^1392734382^{date}|x>", id="date-sequence"),
    pytest.param("*bold* _italic_ ~strike~", id="formatting"),
    pytest.param("`x` ```block```", id="backticks"),
    pytest.param(
        "\uff0abold\uff0a \uff3fit\uff3f \uff40x\uff40 \uff5es\uff5e", id="full-width-formatting"
    ),
    pytest.param("evil.com", id="bare-domain"),
    pytest.param("web-01.evil.example.com", id="hostname"),
    pytest.param("https://evil.com/login?x=1&y=2", id="url"),
    pytest.param("www.evil.com", id="www"),
    pytest.param("mailto:a@evil.com", id="mail"),
    pytest.param("evil\u3002com evil\uff0ecom", id="ideographic-dots"),
    pytest.param("&lt;!here&gt;", id="pre-escaped-ping"),
    pytest.param("&amp;lt;!channel&amp;gt;", id="double-escaped-ping"),
    pytest.param("@here @channel @everyone \uff20here", id="plain-at-pings"),
    pytest.param("#general", id="channel-name"),
    pytest.param("> quoted", id="leading-quote"),
    pytest.param("   >quoted", id="indented-quote"),
    pytest.param("\uff1equoted", id="full-width-quote"),
    pytest.param("web\n> <!channel>\r\n*x*", id="newlines"),
    pytest.param("a\u2028b\u2029c\x85d\te", id="unicode-line-breaks"),
    pytest.param("\u202emoc.live\u202c", id="bidi-override"),
    pytest.param("*\u200bbold\u200b* @\u200bhere", id="smuggled-zero-width"),
    pytest.param("x" * 10_000 + " <!channel> evil.com", id="10k-chars"),
]

PINGS = ("@here", "@channel", "@everyone", "\uff20here")
LINKABLE = re.compile(r"[\w-][.\uff0e\u3002\uff61][\w]|://|\w:\w")
RAW_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt);)")
CODE_SPAN = re.compile(r"`[^`]*`")

# What an operator copies into ssh or a search box: it must come out exactly as it went in.
ORDINARY = [
    "203.0.113.10",
    "2001:db8::1",
    "2001:0db8:85a3::8a2e:0370:7334",
    "web-01.example.com",
    "WEB-01.Example.COM.",
    "web-server-01",
    "12345",
    "#12345",
    "db_primary-2",
    "VPS_API_TOKEN",
]


def assert_inert(out: str) -> None:
    """Assert nothing in `out` can ping, link or quote in a verbatim mrkdwn object (where
    Slack parses no bare URL, domain, #channel or @here), or run onto another line."""
    assert "<" not in out, "a < could open a control sequence"
    assert not RAW_AMPERSAND.search(out), "a raw & is not an entity"
    assert not re.search(r"[\n\r\x85\u2028\u2029]", out)
    assert not [ch for ch in out if unicodedata.category(ch) == "Cf"], "an invisible character"
    assert not out.lstrip(" ").startswith(("&gt;", "\uff1e")), "a line-start quote"


def assert_unlinked(out: str) -> None:
    """Assert nothing in `out` can ping or link even where Slack auto-parses (a top-level
    message text): what it would act on is inside code spans only."""
    assert_inert(out)
    assert out.count("`") % 2 == 0, "a code span cut open"
    outside = CODE_SPAN.sub("", out)
    assert not any(ping in outside for ping in PINGS)
    assert not LINKABLE.search(outside), "a domain or URL Slack would link"
    # `#12` is how we write an id; a #name with a letter in it could be a channel.
    assert not re.search(r"#(?!\d+\b)\w", outside), "a #channel Slack would link"


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_leaves_nothing_slack_would_act_on(text: str) -> None:
    out = escape(text)
    assert_inert(out)
    assert not re.search(r"[*_~`\uff0a\uff3f\uff40\uff5e]", out), "a formatting marker"


@pytest.mark.parametrize("text", HOSTILE)
def test_unlinked_escaped_text_is_inert_even_where_slack_auto_parses(text: str) -> None:
    assert_unlinked(unlinked(escape(text)))
    assert_unlinked(unlinked(f"Couldn't stop {escape(text)} (#12): {code(text)}"))


@pytest.mark.parametrize("value", ORDINARY)
def test_ordinary_values_come_out_byte_for_byte(value: str) -> None:
    assert escape(value) == value
    assert code(value) == f"`{value}`"
    assert unlinked(escape(value)) in (value, f"`{value}`")
    assert value in unlinked(f"{escape(value)} (#7) is active at {escape(value)}.")


@pytest.mark.parametrize("text", HOSTILE)
def test_code_is_one_span_nothing_can_break_out_of(text: str) -> None:
    out = code(text)
    assert out.startswith("`")
    assert out.endswith("`")
    assert out.count("`") == 2
    assert "\uff40" not in out
    assert_inert(out)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("web-server-01", "web-server-01"),
        ("a & b", "a &amp; b"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("&lt;!here&gt;", "&amp;lt;!here&amp;gt;"),
        ("*bold*", "\u2217bold\u2217"),
        ("_x_ ~y~ `z`", "\u02cdx\u02cd \u223cy\u223c \u02cbz\u02cb"),
        ("evil.com", "evil.com"),  # verbatim text objects: Slack links nothing
        ("@here", "@here"),
        ("203.0.113.10", "203.0.113.10"),
        ("> hi", "\u02c3 hi"),
        ("  \uff1ehi", "  \u02c3hi"),
        ("a > b", "a &gt; b"),
        ("two\nlines", "two lines"),
        ("\r\n\r\n", " "),
        ("\u202eabc\x00", "abc"),
        ("", ""),
    ],
)
def test_escape_shows_the_text_as_written(text: str, shown: str) -> None:
    assert escape(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("web-01", "`web-01`"),
        ("*a*_b_~c~", "`*a*_b_~c~`"),
        ("`x`", "`\u02cbx\u02cb`"),
        ("<@U1> & web.example", "`&lt;@U1&gt; &amp; web.example`"),
        ("2001:db8::1", "`2001:db8::1`"),
        ("  padded \n", "`padded`"),
        ("", ""),
        (" \n ", ""),
    ],
)
def test_code_keeps_formatting_characters_literal(text: str, shown: str) -> None:
    assert code(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("web-01 (#12) is stopping", "web-01 (#12) is stopping"),  # an id links nowhere
        ("#12a #1.5 #x", "`#12a` `#1.5` `#x`"),
        (
            "web-01.example.com is active at 203.0.113.10 after 2m41s",
            "`web-01.example.com` is active at `203.0.113.10` after 2m41s",
        ),
        ("2001:db8::1, then “evil.com”.", "`2001:db8::1`, then “`evil.com`”."),
        ("@here and (#general) see a@b.co", "`@here` and (`#general`) see `a@b.co`"),
        ("mailto:x https://evil.com/x?y=1", "`mailto:x` `https://evil.com/x?y=1`"),
        ("evil\u3002com x\uff20here", "`evil\u3002com` `x\uff20here`"),
        # Our mentions, code spans and entities stay as they are.
        ("Ask <@U0ADMIN01> in <#C0OPS0001>.", "Ask <@U0ADMIN01> in <#C0OPS0001>."),
        ("No server `evil.com` — try `/vps list`.", "No server `evil.com` — try `/vps list`."),
        ("&lt;@U1&gt; &amp; x", "`&lt;@U1&gt;` &amp; x"),
        ("Refresh in a moment. Done!", "Refresh in a moment. Done!"),
        ("", ""),
    ],
)
def test_unlinked_puts_what_slack_would_link_in_code_spans(text: str, shown: str) -> None:
    assert unlinked(text) == shown


@pytest.mark.parametrize(
    ("text", "limit", "shown"),
    [
        ("Stop web-01", 75, "Stop web-01"),
        ("<b>*literal*</b> & @here", 75, "<b>*literal*</b> & @here"),
        ("a\nb\r\nc", 75, "a b c"),
        ("x" * 76, 75, "x" * 74 + "…"),
        ("x" * 75, 75, "x" * 75),
        ("word " * 40, 150, ("word " * 30).rstrip() + "…"),
        ("abc", 1, "…"),
    ],
)
def test_plain_is_single_line_and_fits_the_limit(text: str, limit: int, shown: str) -> None:
    out = plain(text, limit)
    assert out == shown
    assert len(out) <= limit


@pytest.mark.parametrize("limit", [0, -1])
def test_limits_must_leave_room(limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        plain("x", limit)
    with pytest.raises(ValueError, match="limit"):
        truncate("x", limit)


@pytest.mark.parametrize(
    ("text", "limit", "shown"),
    [
        ("short", 3000, "short"),
        ("a" * 10 + "&amp;b", 12, "a" * 10 + "…"),
        ("a" * 10 + "&amp;b", 16, "a" * 10 + "&amp;b"),
        ("a" * 10 + "&amp;bc", 16, "a" * 10 + "&amp;…"),
        ("a" * 8 + "&lt;", 10, "a" * 8 + "…"),
        ("stop <@U0ADMIN01> now", 12, "stop…"),
        ("in <#C0OPS0001> now", 16, "in <#C0OPS0001>…"),
        ("at `203.0.113.10` now", 10, "at…"),
        ("at `203.0.113.10` now", 19, "at `203.0.113.10`…"),
    ],
)
def test_truncate_never_cuts_an_entity_or_sequence(text: str, limit: int, shown: str) -> None:
    assert truncate(text, limit) == shown


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("limit", [1, 2, 5, 10, 75, 3000])
def test_escaped_text_truncates_safely(text: str, limit: int) -> None:
    out = truncate(escape(text), limit)
    assert len(out) <= limit
    assert_inert(out)
    unlinked_out = truncate(unlinked(escape(text)), limit)
    assert len(unlinked_out) <= limit
    assert_unlinked(unlinked_out)


def test_a_10k_name_fits_a_section() -> None:
    out = truncate(escape("&" * 10_000), 3000)
    assert len(out) <= 3000
    assert out.endswith("&amp;…")
    assert not RAW_AMPERSAND.search(out)


@pytest.mark.parametrize(
    ("raw", "kept", "gone"),
    [
        ("check VPS_API_TOKEN", "VPS_API_TOKEN", None),
        ("_italic_ here", None, "_italic_"),
        ("a _b_ c", None, "_b_"),
        ("snake_ _case", None, "_ _"),
    ],
)
def test_underscores_inside_words_stay_while_italics_are_disarmed(
    raw: str, kept: str | None, gone: str | None
) -> None:
    shown = escape(raw)
    if kept:
        assert kept in shown
    if gone:
        assert gone not in shown
