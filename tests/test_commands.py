"""The `/vps` command line: what each line parses into, and what a bad line is told."""

import pytest

from bot.catalog import Catalog, load_catalog
from bot.commands.checks import CREATE_FIELDS, check_create_fields
from bot.commands.fields import FieldError
from bot.commands.parser import parse
from bot.commands.usage import commands
from bot.commands.values import (
    Audit,
    Command,
    Create,
    CreateModal,
    Help,
    ListServers,
    ParseError,
    Show,
    Whoami,
    Write,
)
from bot.console.forms import pick
from bot.policy import actions
from bot.slack import ids
from bot.slack.blocks.create import build_create_modal
from bot.slack.command_wording import form_errors, parse_error, usage
from bot.vps.models import ServerCreate, ServerUpdate

CATALOG = load_catalog()  # plans 1 "Standard VPS", 2 "Performance VPS"; os 5 Ubuntu, 3 Debian

NAME_RULE = (
    "A name is 1 to 63 letters (A-Z, a-z), digits and hyphens, not starting or ending with a "
    "hyphen, like `web-01`."
)
HOSTNAME_RULE = (
    "A hostname is a fully qualified domain name like `web-01.example.com`: two or more labels "
    "separated by dots, each 1 to 63 letters, digits and hyphens, not starting or ending with "
    "a hyphen."
)
PLAN_NAMES = "`Standard VPS` (id 1), `Performance VPS` (id 2)"


def refused(text: str, catalog: Catalog = CATALOG) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(text, catalog)
    return caught.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("   ", Help()),
        ("help", Help()),
        ("HELP Stop", Help(topic="stop")),
        ("list", ListServers()),
        ("list web", ListServers(text="web")),
        (
            "list status:active location:us-west web",
            ListServers(status="active", location="us-west", text="web"),
        ),
        ("list web Status=STOPPED", ListServers(status="stopped", text="web")),
        ("list location:eu-central", ListServers(location="eu-central")),
        ('list location:"US East"', ListServers(location="us-east")),
        ("show web-01", Show(server="web-01")),
        ("show #12345", Show(server="#12345")),
        ("show web-01.example.com", Show(server="web-01.example.com")),
        ("create", CreateModal()),
        (
            "create web-02 plan:1 os:5 location:us-west",
            Create(name="web-02", plan_id=1, os_id=5, location="us-west"),
        ),
        (
            'create web-02 PLAN="performance vps" os:"Debian 12" location:US-EAST '
            "hostname:web-02.example.com. ssh_key:42 backups:yes",
            Create(
                name="web-02",
                plan_id=2,
                os_id=3,
                location="us-east",
                hostname="web-02.example.com",
                ssh_key_id=42,
                backups_enabled=True,
            ),
        ),
        (
            "create location:eu-central os:77 plan:99 name:db-1 ssh-key:7 backups:off",
            Create(
                name="db-1",
                plan_id=99,
                os_id=77,
                location="eu-central",
                ssh_key_id=7,
                backups_enabled=False,
            ),
        ),
        ("rename web-01 web-01-old", Write("rename", "web-01", {"name": "web-01-old"})),
        ("set #7 backups:on", Write("set", "#7", {"backups_enabled": True})),
        (
            "set web-01 name=web-02 hostname:web-02.example.com backups:false",
            Write(
                "set",
                "web-01",
                {"name": "web-02", "hostname": "web-02.example.com", "backups_enabled": False},
            ),
        ),
        (
            "update web-01 backups:no hostname:a.example.com name:a",
            Write(
                "update",
                "web-01",
                {"name": "a", "hostname": "a.example.com", "backups_enabled": False},
            ),
        ),
        ("start web-01", Write("start", "web-01")),
        ("Stop web-01", Write("stop", "web-01")),
        ("reboot #12345", Write("reboot", "#12345")),
        ("delete 12345", Write("delete", "12345")),
        ("whoami", Whoami()),
        ("audit", Audit()),
        ("audit web-01", Audit(server="web-01")),
    ],
)
def test_lines_parse_into_typed_commands(text: str, expected: Command) -> None:
    assert parse(text, CATALOG) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Slack escapes &, < and > in slash-command text.
        ("list &lt;b&gt;", ListServers(text="<b>")),
        ("show web&amp;co", Show(server="web&co")),
        ("show a&amp;lt;b", Show(server="a&lt;b")),
        # ...and may send a typed domain as a link.
        ("show <http://web-01.example.com|web-01.example.com>", Show(server="web-01.example.com")),
        # Messages from older versions (and other tools) hid word joiners in names and
        # hostnames; people copy them back.
        ("show web-01.\u2060example.com", Show(server="web-01.example.com")),
        ("show #\u206012", Show(server="#12")),
        # Phones turn quotes curly; non-breaking spaces separate words like spaces.
        ("list \u201cweb\u201d", ListServers(text="web")),
        ("stop\u00a0web-01", Write("stop", "web-01")),
        ("  stop   web-01  ", Write("stop", "web-01")),
        ('show "web-01"', Show(server="web-01")),
    ],
)
def test_slack_escaping_links_and_invisibles_are_undone(text: str, expected: Command) -> None:
    assert parse(text, CATALOG) == expected


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("help", None),
        ("list", "list"),
        ("show web", "show"),
        ("create web plan:1 os:5 location:us-west", "create"),
        ("create", "create"),
        ("rename web new", "update"),
        ("set web backups:on", "update"),
        ("update web name:a hostname:a.example.com backups:on", "update"),
        ("start web", "start"),
        ("stop web", "stop"),
        ("reboot web", "reboot"),
        ("delete web", "delete"),
        ("whoami", None),
        ("audit", "audit"),
        ("audit web", "audit"),  # a read, restricted once the policy has audit rules
    ],
)
def test_every_command_names_its_policy_action(text: str, action: str | None) -> None:
    command = parse(text, CATALOG)
    assert command.word == text.split()[0]
    assert command.action == action
    assert action is None or action in actions()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stpo web-01", "Unknown command `stpo`. Did you mean `stop`?"),
        ("lsit", "Unknown command `lsit`. Did you mean `list`?"),
        ("shwo web-01", "Unknown command `shwo`. Did you mean `show`?"),
        ("creat web", "Unknown command `creat`. Did you mean `create`?"),
        (
            "web-01",
            "Unknown command `web-01`. The commands are `help`, `list`, `show`, `create`, "
            "`rename`, `set`, `update`, `start`, `stop`, `reboot`, `delete`, `whoami`, "
            "`audit`, `approvals`, `plans`, `schedule` and `schedules`.",
        ),
    ],
)
def test_unknown_commands_get_a_did_you_mean(text: str, message: str) -> None:
    error = refused(text)
    assert parse_error(error) == message
    assert error.command is None


def test_help_for_an_unknown_command_suggests_one() -> None:
    error = refused("help stpo")
    assert parse_error(error) == "Unknown command `stpo`. Did you mean `stop`?"
    assert error.command == "help"


@pytest.mark.parametrize(
    ("text", "command", "fields", "message"),
    [
        (
            "list stauts:active",
            "list",
            (),
            "`list` has no option `stauts`. Did you mean `status`? "
            "Its options are `status` and `location`.",
        ),
        (
            "create web plan:1 os:5 locaton:us-west",
            "create",
            (),
            "`create` has no option `locaton`. Did you mean `location`? Its options are "
            "`name`, `plan`, `os`, `location`, `hostname`, `ssh-key` and `backups`.",
        ),
        (
            "list name:web",
            "list",
            (),
            "`list` has no option `name`. Its options are `status` and `location`.",
        ),
        ("show web-01 status:x", "show", (), "`show` has no option `status`; it takes one server."),
        (
            "set web-01 backups:on backups=off",
            "set",
            ("backups",),
            "`backups` is given twice; give each option once.",
        ),
        (
            "create web plan:1 ssh_key:1 ssh-key:2 os:5 location:us-west",
            "create",
            ("ssh-key",),
            "`ssh-key` is given twice; give each option once.",
        ),
        (
            "create web-01 plan: 1 os:5 location:us-west",
            "create",
            ("plan",),
            "`plan` has no value; put it right after the colon, like `plan:1`.",
        ),
        ("show", "show", (), "`show` needs a server: its id (like `#12345`), name or hostname."),
        ("stop", "stop", (), "`stop` needs a server: its id (like `#12345`), name or hostname."),
        (
            "show web-01 extra",
            "show",
            (),
            "Too many words for `show`: `extra`. It takes one server.",
        ),
        (
            "delete web 01",
            "delete",
            (),
            "Too many words for `delete`: `01`. It takes one server.",
        ),
        (
            "rename web-01",
            "rename",
            (),
            "`rename` needs a server and the new name, like `rename web-01 web-02`.",
        ),
        (
            "rename web-01 web 02",
            "rename",
            (),
            "Too many words for `rename`: `02`. It takes a server and one new name.",
        ),
        (
            "list web server",
            "list",
            (),
            "Too many words for `list`: `server`. It takes at most one word to look for in "
            "names and hostnames.",
        ),
        ("whoami now", "whoami", (), "Too many words for `whoami`: `now`. It takes no arguments."),
        (
            "audit web-01 web-02",
            "audit",
            (),
            "Too many words for `audit`: `web-02`. It takes at most one server.",
        ),
        (
            "create web-02",
            "create",
            (),
            "`create` needs `plan`, `os` and `location`. Or type `create` alone to fill in a form.",
        ),
        (
            "create plan:1 os:5",
            "create",
            (),
            "`create` needs a name and `location`. Or type `create` alone to fill in a form.",
        ),
        (
            "create web-02 plan:1 os:Ubuntu 22.04 LTS location:us-west",
            "create",
            (),
            "Too many words for `create`: `22.04 LTS`. It takes only the name before the "
            'options. A value with spaces goes in quotes, like `os:"Debian 12"`.',
        ),
        (
            "create web-01 name:web-01 plan:1 os:5 location:us-west",
            "create",
            (),
            "The name is given twice: give it as the first word or as `name:`, not both.",
        ),
        (
            "set web-01",
            "set",
            (),
            "`set` needs at least one of `name`, `hostname` or `backups`, like "
            "`set web-01 backups:on`.",
        ),
        (
            "update web-01 name:a hostname:a.example.com",
            "update",
            (),
            "`update` needs all of `name`, `hostname` and `backups`; missing: `backups`. "
            "To change only some of them, use `set`.",
        ),
    ],
)
def test_badly_shaped_lines_say_what_the_command_takes(
    text: str, command: str, fields: tuple[str, ...], message: str
) -> None:
    error = refused(text)
    assert parse_error(error) == message
    assert error.command == command
    assert error.fields == fields


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("rename web-01 web_01", "name", f"Invalid `name`: `web_01` contains `_`. {NAME_RULE}"),
        (
            'create name:"web 01" plan:1 os:5 location:us-west',
            "name",
            f"Invalid `name`: `web 01` contains a space. {NAME_RULE}",
        ),
        ("rename a -web", "name", f"Invalid `name`: `-web` starts with a hyphen. {NAME_RULE}"),
        ("set a name:web-", "name", f"Invalid `name`: `web-` ends with a hyphen. {NAME_RULE}"),
        (
            "rename a " + "x" * 64,
            "name",
            f"Invalid `name`: `{'x' * 64}` is 64 characters long; the most is 63. {NAME_RULE}",
        ),
        (
            "rename a wéb",
            "name",
            f"Invalid `name`: `wéb` contains `é`. {NAME_RULE}",
        ),
        (
            "set a hostname:web",
            "hostname",
            f"Invalid `hostname`: `web` is a single label; it needs a domain too. {HOSTNAME_RULE}",
        ),
        (
            "set a hostname:a..example.com",
            "hostname",
            "Invalid `hostname`: `a..example.com` has an empty label (two dots in a row, or a "
            f"dot at the start). {HOSTNAME_RULE}",
        ),
        (
            "set a hostname:-a.example.com",
            "hostname",
            "Invalid `hostname`: `-a.example.com` has a label that starts or ends with a "
            f"hyphen. {HOSTNAME_RULE}",
        ),
        (
            "set a hostname:web_01.example.com",
            "hostname",
            f"Invalid `hostname`: `web_01.example.com` contains `_`. {HOSTNAME_RULE}",
        ),
        (
            "set a hostname:10.0.0.1",
            "hostname",
            "Invalid `hostname`: `10.0.0.1` looks like an IP address, not a domain name. "
            f"{HOSTNAME_RULE}",
        ),
        (
            f"set a hostname:{'a' * 64}.com",
            "hostname",
            f"Invalid `hostname`: `{'a' * 64}.com` has a label longer than 63 characters. "
            f"{HOSTNAME_RULE}",
        ),
        (
            "set a backups:maybe",
            "backups",
            "Invalid `backups`: `maybe`. Use `on` or `off` (`yes`/`no` and `true`/`false` work "
            "too).",
        ),
        (
            "list status:stoped",
            "status",
            "Invalid `status`: `stoped`. Did you mean `stopped`? Use `active`, `stopped` or "
            "`suspended`.",
        ),
        (
            "list status:running",
            "status",
            "Invalid `status`: `running`. Use `active`, `stopped` or `suspended`.",
        ),
        (
            "list location:us_west",
            "location",
            "Invalid `location`: `us_west` is not a location code. A location is a code of "
            "lowercase letters, digits and hyphens, like `us-west`. Known locations: "
            "`us-west` or `us-east`.",
        ),
        (
            "create web plan:1 os:5 location:us-west ssh-key:abc",
            "ssh-key",
            "Invalid `ssh-key`: `abc` is not an id. An id is a positive whole number, like `42`.",
        ),
        (
            "create web plan:1 os:5 location:us-west ssh-key:0",
            "ssh-key",
            "Invalid `ssh-key`: `0` is not an id. An id is a positive whole number, like `42`.",
        ),
        (
            "create web plan:1 os:5 location:us-west ssh-key:\uff11\uff12",
            "ssh-key",
            "Invalid `ssh-key`: `\uff11\uff12` is not an id. An id is a positive whole number, "
            "like `42`.",
        ),
        (
            "create web plan:huge os:5 location:us-west",
            "plan",
            "Invalid `plan`: there is no plan named `huge`. Give a plan id (a positive whole "
            f"number) or one of these names: {PLAN_NAMES}. A name with spaces goes in quotes, "
            'like `plan:"Standard VPS"`.',
        ),
        (
            'create web plan:"Standrd VPS" os:5 location:us-west',
            "plan",
            "Invalid `plan`: there is no plan named `Standrd VPS`. Did you mean `Standard VPS`? "
            f"Give a plan id (a positive whole number) or one of these names: {PLAN_NAMES}. "
            'A name with spaces goes in quotes, like `plan:"Standard VPS"`.',
        ),
        (
            "create web plan:-1 os:5 location:us-west",
            "plan",
            "Invalid `plan`: `-1` is not a plan id. Give a plan id (a positive whole number) or "
            f"one of these names: {PLAN_NAMES}. A name with spaces goes in quotes, like "
            '`plan:"Standard VPS"`.',
        ),
        (
            "create web plan:1 os:windows location:us-west",
            "os",
            "Invalid `os`: there is no operating system named `windows`. Give an operating "
            "system id (a positive whole number) or one of these names: `Ubuntu 22.04 LTS` "
            '(id 5), `Debian 12` (id 3). A name with spaces goes in quotes, like `os:"Ubuntu '
            '22.04 LTS"`.',
        ),
    ],
)
def test_refused_values_name_the_field_and_what_is_allowed(
    text: str, field: str, message: str
) -> None:
    error = refused(text)
    assert parse_error(error) == message
    assert error.fields == (field,)


def test_every_refused_value_of_a_create_is_named_at_once() -> None:
    error = refused("create web_02 plan:huge os:5 location:us-west hostname:web backups:maybe")
    assert error.command == "create"
    assert error.fields == ("name", "plan", "hostname", "backups")
    lines = parse_error(error).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Invalid `name`",
        "Invalid `plan`",
        "Invalid `hostname`",
        "Invalid `backups`",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "list it's",
            "There is an unclosed quote (`'`) in `it's`: quotes come in pairs, like "
            '`name:"web 01"`. To type an apostrophe, put the word in double quotes, like '
            '`"it\'s"`.',
        ),
        (
            'create web plan:"Standard VPS os:5',
            'There is an unclosed quote (`"`) in `plan:"Standard VPS os:5`: quotes come in '
            'pairs, like `name:"web 01"`. To type an apostrophe, put the word in double '
            'quotes, like `"it\'s"`.',
        ),
        ("show web\\", "The line ends with a lone backslash (`\\`); remove it."),
    ],
)
def test_unclosed_quotes_are_explained_not_crashed_on(text: str, message: str) -> None:
    error = refused(text)
    assert parse_error(error) == message
    assert error.command == text.split()[0]


def test_an_unclosed_quote_before_any_command_word_names_no_command() -> None:
    assert refused("'stop web").command is None


@pytest.mark.parametrize(
    "text",
    [
        "delete web <!here>",  # not what Slack sends, but never trust the sender
        "rename web &lt;!channel&gt;",
        "rename web *bold*`x`",
        "list status:&lt;@U0ADMIN01&gt;",
        "&lt;!everyone&gt;",
        "create web plan:&lt;https://evil.example|x&gt; os:5 location:us-west",
        "set web hostname:evil.com@x",
        "show web name:`<!here>`",
    ],
)
def test_echoed_input_never_pings_links_or_breaks_formatting(text: str) -> None:
    message = parse_error(refused(text))
    assert "<" not in message  # no mention, no link: they start with "<"
    assert "`x`" not in message  # the input's backticks can't close our code spans
    assert message.count("`") % 2 == 0


def test_an_empty_catalog_still_accepts_ids() -> None:
    empty = Catalog(plans=(), operating_systems=(), locations=())
    assert parse("create web plan:1 os:2 location:x", empty) == Create(
        name="web", plan_id=1, os_id=2, location="x"
    )
    assert parse_error(refused("create web plan:big os:2 location:x", empty)) == (
        "Invalid `plan`: there is no plan named `big`. Give a plan id (a positive whole number)."
    )


def test_create_builds_the_api_request() -> None:
    command = parse(
        "create web-02 plan:1 os:5 location:us-west hostname:w.example.com backups:on", CATALOG
    )
    assert isinstance(command, Create)
    assert command.to_request() == ServerCreate(
        name="web-02",
        plan_id=1,
        os_id=5,
        location="us-west",
        hostname="w.example.com",
        backups_enabled=True,
    )


def test_rename_and_set_build_partial_updates() -> None:
    rename = parse("rename web-01 web-02", CATALOG)
    assert isinstance(rename, Write)
    assert rename.values == {"name": "web-02"}
    changes = parse("set web-01 backups:off", CATALOG)
    assert isinstance(changes, Write)
    assert ServerUpdate.model_validate(changes.values) == ServerUpdate(backups_enabled=False)
    assert changes.values == {"backups_enabled": False}


def test_usage_has_a_line_with_an_example_for_every_command() -> None:
    for word in commands():
        line = usage(word)
        assert line.startswith(f"`/vps {word}")
        assert ", e.g. `/vps " in line
        assert "<" not in line  # placeholders are escaped: Slack would read <server> as a link
    assert usage("delete") == (
        "`/vps delete &lt;server&gt;` — delete it for good, e.g. `/vps delete web-01`"
    )
    assert usage("delete", "/ops") == (
        "`/ops delete &lt;server&gt;` — delete it for good, e.g. `/ops delete web-01`"
    )
    assert usage("stop").startswith("`/vps stop &lt;servers&gt; [status:")  # several at once
    assert "e.g. `/vps stop web-* batch:2`" in usage("stop")


def test_usage_examples_parse() -> None:
    for word in commands():
        example = usage(word).rsplit("e.g. `/vps ", 1)[1].rstrip("`")
        example = example.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        assert parse(example, CATALOG).word == word


# -- the create form ----------------------------------------------------------------------------


def checked(values: dict[str, str | None]) -> dict[str, FieldError]:
    result = check_create_fields(values, CATALOG)
    assert isinstance(result, dict)
    return result


def test_create_form_values_become_a_request() -> None:
    values = {
        "name": "web-02",
        "plan": "2",
        "os": "Debian 12",
        "location": "us-east",
        "hostname": "",
        "ssh_key": None,
        "backups": "on",
    }
    assert check_create_fields(values, CATALOG) == Create(
        name="web-02", plan_id=2, os_id=3, location="us-east", backups_enabled=True
    )


def test_create_form_errors_are_plain_text_keyed_as_given() -> None:
    values = {
        "name": "web 02",
        "plan": "",
        "os": "Windows",
        "location": "us-west",
        "hostname": "web",
        "ssh_key": "x",
        "backups": "",
    }
    assert form_errors(checked(values)) == {
        "name": "Invalid “name”: “web 02” contains a space. A name is 1 to 63 letters "
        "(A-Z, a-z), digits and hyphens, not starting or ending with a hyphen, like “web-01”.",
        "plan": "“plan” is required.",
        "os": "Invalid “os”: there is no operating system named “Windows”. Give an operating "
        "system id (a positive whole number) or one of these names: “Ubuntu 22.04 LTS” (id 5), "
        "“Debian 12” (id 3).",
        "hostname": "Invalid “hostname”: “web” is a single label; it needs a domain too. "
        "A hostname is a fully qualified domain name like “web-01.example.com”: two or more "
        "labels separated by dots, each 1 to 63 letters, digits and hyphens, not starting or "
        "ending with a hyphen.",
        "ssh_key": "Invalid “ssh-key”: “x” is not an id. An id is a positive whole number, "
        "like “42”.",
    }


def test_create_form_errors_are_keyed_by_the_modals_block_ids() -> None:
    values = {
        ids.CREATE_NAME: "web-02",
        ids.CREATE_PLAN: "1",
        ids.CREATE_OS: "5",
        ids.CREATE_LOCATION: "us-west",
        ids.CREATE_HOSTNAME: "",
        ids.CREATE_SSH_KEY: "0",
        ids.CREATE_BACKUPS: None,
    }
    assert form_errors(checked(values)) == {
        ids.CREATE_SSH_KEY: "Invalid “ssh-key”: “0” is not an id. An id is a positive whole "
        "number, like “42”."
    }
    values[ids.CREATE_SSH_KEY] = "42"
    assert check_create_fields(values, CATALOG) == Create(
        name="web-02", plan_id=1, os_id=5, location="us-west", ssh_key_id=42
    )


def test_create_form_missing_fields_are_required() -> None:
    assert form_errors(checked({})) == {
        "name": "“name” is required.",
        "plan": "“plan” is required.",
        "os": "“os” is required.",
        "location": "“location” is required.",
    }


def test_create_form_refuses_fields_it_does_not_have() -> None:
    assert CREATE_FIELDS == ("name", "plan", "os", "location", "hostname", "ssh-key", "backups")
    with pytest.raises(ValueError, match="not a create field: 'region'"):
        check_create_fields({"region": "x"}, CATALOG)


def test_every_command_word_names_its_policy_action() -> None:
    from bot.commands.values import policy_action

    assert {policy_action(word) for word in commands()} - {None} <= set(actions())
    assert policy_action("rename") == policy_action("set") == "update"


# --- one rule for naming a plan, an OS or a location: the command line and the form ----------

TWO_UBUNTUS = Catalog.model_validate(
    {
        "plans": [{"id": 1, "name": "Standard VPS"}, {"id": 2, "name": "Performance VPS"}],
        "operating_systems": [
            {"id": 5, "name": "Ubuntu 22.04 LTS"},
            {"id": 7, "name": "Ubuntu 24.04 LTS"},
            {"id": 3, "name": "Debian 12"},
        ],
        "locations": [
            {"code": "us-west", "name": "US West"},
            {"code": "us-east", "name": "US East"},
        ],
    }
)


def form_options(catalog: Catalog, block_id: str) -> list[tuple[str, str]]:
    """What the create form offers in one select, as the console shows it."""
    view = build_create_modal(catalog, private_metadata="{}").to_dict()
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return [(o["value"], o["text"]["text"]) for o in block["element"]["options"]]


@pytest.mark.parametrize(
    ("field", "typed", "expected"),
    [
        ("os", "Debian", 3),
        ("os", "debian 12", 3),
        ("os", "deb", 3),
        ("os", "3", 3),
        ("os", "Ubuntu 24", 7),
        ("os", "Ubuntu", None),  # two of them: which one is for the person to say
        ("os", "Windows", None),
        ("plan", "Standard", 1),
        ("plan", "performance vps", 2),
        ("plan", "VPS", None),
        ("location", "US West", "us-west"),
        ("location", "us-e", "us-east"),
        ("location", "US", None),
    ],
)
def test_the_form_and_the_command_line_read_a_plan_os_or_location_alike(
    field: str, typed: str, expected: int | str | None
) -> None:
    given = {"plan": "1", "os": "5", "location": "us-west", field: typed}
    line = "create web-09 " + " ".join(f'{key}:"{value}"' for key, value in given.items())
    block = {"plan": ids.CREATE_PLAN, "os": ids.CREATE_OS, "location": ids.CREATE_LOCATION}
    try:
        picked: str | None = pick(form_options(TWO_UBUNTUS, block[field]), typed)
    except ValueError:
        picked = None
    if expected is None:
        assert refused(line, TWO_UBUNTUS).fields == (field,)
        assert picked is None
        return
    command = parse(line, TWO_UBUNTUS)
    assert isinstance(command, Create)
    got = {"plan": command.plan_id, "os": command.os_id, "location": command.location}[field]
    assert got == expected
    assert picked == str(expected)


def test_a_start_that_fits_several_names_says_which() -> None:
    error = refused("create web-09 plan:1 os:Ubuntu location:us-west", TWO_UBUNTUS)
    assert parse_error(error) == (
        "Invalid `os`: `Ubuntu` could be `Ubuntu 22.04 LTS` or `Ubuntu 24.04 LTS`; give more of "
        "the name, or the id."
    )
