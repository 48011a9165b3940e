"""The policy file: what it allows, what it refuses to load, and what a denied user reads."""

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from bot.policy import (
    GroupLookupError,
    Policy,
    PolicyError,
    Request,
    actions,
    allowed_actions,
    decide,
    load_policy,
    parse_policy,
)
from bot.policy.model import Decision
from bot.slack.wording import denial, reason, rule_text

# The example from the contract (spec/bot-interface.md), line for line.
CONTRACT_POLICY = """\
# Actions: list, show, create, update, start, stop, reboot, delete; "*" = every action.
# A request is allowed when at least one rule for its action (or for "*") matches.
# A rule matches when ALL the conditions it lists hold; a condition it omits matches anyone.
# With no matching rule: list and show are allowed, every other action is denied.
rules:
  "*":
    - users: [U0ADMIN01]                 # Slack user IDs
  stop:
    - channels: [C0OPS0001]              # channel IDs (or "#name")
    - usergroups: [S0ONCALL1]            # Slack user-group IDs (membership looked up, cached)
  reboot:
    - channels: [C0OPS0001]
  delete:
    - users: [U0ALICE01]
      channels: [C0OPS0001]              # both must hold
  start:
    - servers: ["web-*"]                 # server-name globs
confirm: [stop, delete]                  # actions that need a confirmation step
"""

ADMIN, ALICE, ONCALL_USER, STRANGER = "U0ADMIN01", "U0ALICE01", "U0BOB0001", "U0EVE0001"
OPS, GENERAL = "C0OPS0001", "C0GEN0001"
ONCALL = "S0ONCALL1"


class FakeGroups:
    """GroupMembers that knows a few groups and counts every lookup."""

    def __init__(
        self, groups: Mapping[str, Iterable[str]] | None = None, failing: Iterable[str] = ()
    ) -> None:
        self.groups = {g: frozenset(m) for g, m in (groups or {}).items()}
        self.failing = set(failing)
        self.calls: list[str] = []

    async def members(self, usergroup_id: str) -> frozenset[str]:
        self.calls.append(usergroup_id)
        if usergroup_id in self.failing:
            raise GroupLookupError(usergroup_id)
        return self.groups.get(usergroup_id, frozenset())


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    path = tmp_path / "policy.yml"
    path.write_text(CONTRACT_POLICY, encoding="utf-8")
    return load_policy(path)


@pytest.fixture
def groups() -> FakeGroups:
    return FakeGroups({ONCALL: [ONCALL_USER]})


def request(
    action: str,
    user: str = STRANGER,
    channel: str = GENERAL,
    server: str | None = "web-server-01",
    channel_name: str | None = "general",
) -> Request:
    return Request(user, channel, channel_name, action, server)


def policy_from(text: str) -> Policy:
    return parse_policy(text, "policy.yml")


def load_error(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        policy_from(text)
    return str(caught.value)


# -- what the contract's example allows ---------------------------------------------------


@pytest.mark.parametrize(
    ("req", "allowed"),
    [
        pytest.param(request("create", user=ADMIN), True, id="admin-may-do-anything"),
        pytest.param(request("delete", user=ADMIN), True, id="admin-may-delete-anywhere"),
        pytest.param(request("list"), True, id="anyone-may-list"),
        pytest.param(request("show"), True, id="anyone-may-show"),
        pytest.param(request("create"), False, id="create-needs-a-rule"),
        pytest.param(request("update"), False, id="update-needs-a-rule"),
        pytest.param(request("stop", channel=OPS), True, id="anyone-may-stop-in-ops"),
        pytest.param(request("stop", user=ONCALL_USER), True, id="on-call-may-stop-anywhere"),
        pytest.param(request("stop"), False, id="stranger-may-not-stop-elsewhere"),
        pytest.param(request("reboot", channel=OPS), True, id="reboot-in-ops"),
        pytest.param(request("reboot", user=ONCALL_USER), False, id="reboot-is-not-on-call"),
        pytest.param(request("delete", user=ALICE, channel=OPS), True, id="alice-in-ops"),
        pytest.param(request("delete", user=ALICE), False, id="alice-elsewhere"),
        pytest.param(request("delete", channel=OPS), False, id="others-in-ops"),
        pytest.param(request("start", server="web-server-01"), True, id="start-web"),
        pytest.param(request("start", server="db-01"), False, id="start-db"),
        pytest.param(request("start", server="WEB-01"), False, id="globs-are-case-sensitive"),
        pytest.param(request("start", server=None), False, id="servers-need-a-server"),
    ],
)
async def test_contract_example_allows_exactly_what_it_says(
    policy: Policy, groups: FakeGroups, req: Request, allowed: bool
) -> None:
    assert (await decide(policy, req, groups)).allowed is allowed


async def test_contract_example_loads_with_lines_and_confirmations(policy: Policy) -> None:
    assert [(r.action, r.index, r.line) for r in policy.rules] == [
        ("*", 1, 7),
        ("stop", 1, 9),
        ("stop", 2, 10),
        ("reboot", 1, 12),
        ("delete", 1, 14),
        ("start", 1, 17),
    ]
    assert [a for a in actions() if a in policy.confirm] == ["stop", "delete"]


async def test_allowed_reason_names_the_rule_file_line_and_what_matched(
    policy: Policy, groups: FakeGroups
) -> None:
    in_ops = await decide(policy, request("stop", channel=OPS), groups)
    on_call = await decide(policy, request("stop", user=ONCALL_USER), groups)
    admin = await decide(policy, request("delete", user=ADMIN), groups)
    web = await decide(policy, request("start"), groups)
    assert reason(in_ops) == 'rule 1 for "stop" (policy.yml:9): channel <#C0OPS0001>'
    assert reason(on_call) == 'rule 2 for "stop" (policy.yml:10): member of <!subteam^S0ONCALL1>'
    assert reason(admin) == 'rule 1 for "*" (policy.yml:7): user <@U0ADMIN01>'
    assert reason(web) == 'rule 1 for "start" (policy.yml:17): server matches `web-*`'


async def test_read_actions_are_open_without_any_lookup(policy: Policy, groups: FakeGroups) -> None:
    decision = await decide(policy, request("list", server=None), groups)
    assert reason(decision) == "read-only actions are open to everyone"
    assert groups.calls == []


async def test_any_matching_rule_allows_not_just_the_first() -> None:
    policy = policy_from(
        'rules:\n  stop:\n    - channels: [C0OPS0001]\n    - servers: ["db-*"]\n'
        '  "*":\n    - users: [U0EVE0001]\n'
    )
    by_second = await decide(policy, request("stop", server="db-01"), FakeGroups())
    by_star = await decide(policy, request("stop", server="web-01"), FakeGroups())
    assert by_second.allowed
    assert by_star.allowed
    assert reason(by_star).startswith('rule 1 for "*"')


@pytest.mark.parametrize(
    ("channel_name", "allowed"),
    [("ops", True), ("OPS", True), ("#ops", True), ("ops-team", False), (None, False)],
)
async def test_channel_names_match_case_insensitively(
    channel_name: str | None, allowed: bool
) -> None:
    policy = policy_from('rules:\n  reboot:\n    - channels: ["#ops"]\n')
    req = request("reboot", channel="C0OTHER01", channel_name=channel_name)
    assert (await decide(policy, req, FakeGroups())).allowed is allowed


# -- group lookups: only when needed, once per group ------------------------------------


async def test_no_group_lookup_when_a_plain_rule_already_allows(
    policy: Policy, groups: FakeGroups
) -> None:
    assert (await decide(policy, request("stop", channel=OPS), groups)).allowed
    assert groups.calls == []


async def test_a_group_rule_listed_first_waits_for_the_plain_rules(groups: FakeGroups) -> None:
    policy = policy_from(
        "rules:\n  stop:\n    - usergroups: [S0ONCALL1]\n    - channels: [C0OPS0001]\n"
    )
    decision = await decide(policy, request("stop", channel=OPS), groups)
    assert reason(decision) == 'rule 2 for "stop" (policy.yml:4): channel <#C0OPS0001>'
    assert groups.calls == []


async def test_no_group_lookup_when_the_rules_other_conditions_fail() -> None:
    policy = policy_from(
        "rules:\n  stop:\n    - usergroups: [S0ONCALL1]\n      channels: [C0OPS0001]\n"
    )
    groups = FakeGroups({ONCALL: [ONCALL_USER]})
    assert not (await decide(policy, request("stop", user=ONCALL_USER), groups)).allowed
    assert groups.calls == []


async def test_each_group_is_looked_up_once_per_decision() -> None:
    policy = policy_from(
        "rules:\n  stop:\n    - usergroups: [S0ONCALL1]\n      servers: [db-*]\n"
        "    - usergroups: [S0ONCALL1, S0SRE0001]\n"
        '  "*":\n    - usergroups: [S0SRE0001]\n    - usergroups: [S0ONCALL1]\n'
    )
    groups = FakeGroups({"S0SRE0001": [ALICE]})
    assert not (await decide(policy, request("stop"), groups)).allowed
    assert groups.calls == [ONCALL, "S0SRE0001"]


async def test_whoami_looks_each_group_up_once_for_all_actions(groups: FakeGroups) -> None:
    policy = policy_from('rules:\n  "*":\n    - usergroups: [S0ONCALL1]\n      servers: [web-*]\n')
    decisions = await allowed_actions(policy, STRANGER, GENERAL, "general", groups)
    assert groups.calls == [ONCALL]
    assert [d.action for d in decisions] == list(actions())


async def test_a_failed_group_lookup_denies_and_says_so(policy: Policy) -> None:
    groups = FakeGroups(failing=[ONCALL])
    decision = await decide(policy, request("stop", user=ONCALL_USER), groups)
    assert not decision.allowed
    assert decision.unchecked_groups == (ONCALL,)
    assert denial(decision, "web-server-01").endswith(
        " (The members of <!subteam^S0ONCALL1> could not be checked just now; try again shortly.)"
    )


# -- what a denied user reads -----------------------------------------------------------


def alternatives(decision: Decision) -> tuple[str, ...]:
    return tuple(rule_text(rule) for rule in decision.alternatives)


async def test_denial_names_every_rule_that_would_allow_it(
    policy: Policy, groups: FakeGroups
) -> None:
    decision = await decide(policy, request("stop"), groups)
    assert alternatives(decision) == (
        "in <#C0OPS0001>",
        "by members of <!subteam^S0ONCALL1>",
        "by <@U0ADMIN01>",
    )
    assert denial(decision, "web-server-01") == (
        "You may not *stop* web-server-01 here. It is allowed: in <#C0OPS0001>; "
        "by members of <!subteam^S0ONCALL1>; by <@U0ADMIN01>."
    )


async def test_denial_describes_combined_conditions(policy: Policy, groups: FakeGroups) -> None:
    delete = await decide(policy, request("delete"), groups)
    start = await decide(policy, request("start", server="db-01"), groups)
    assert alternatives(delete) == ("by <@U0ALICE01> in <#C0OPS0001>", "by <@U0ADMIN01>")
    assert alternatives(start) == ("on servers matching `web-*`", "by <@U0ADMIN01>")


async def test_denial_with_several_values_and_both_users_and_groups() -> None:
    policy = policy_from(
        "rules:\n  reboot:\n"
        "    - users: [U0ALICE01, U0BOB0001]\n      usergroups: [S0ONCALL1]\n"
        '      channels: [C0OPS0001, "#ops-2", C0OPS0003]\n'
    )
    decision = await decide(policy, request("reboot"), FakeGroups())
    assert alternatives(decision) == (
        "by <@U0ALICE01> or <@U0BOB0001> as a member of <!subteam^S0ONCALL1> "
        "in <#C0OPS0001>, #ops-2 or <#C0OPS0003>",
    )


async def test_denial_without_any_rule_says_to_ask_an_admin(groups: FakeGroups) -> None:
    from_file = await decide(policy_from("confirm: [stop]\n"), request("delete"), groups)
    built_in = await decide(Policy.default(), request("delete"), groups)
    assert denial(from_file, "web-01") == (
        "No rule in policy.yml allows *delete*; ask an admin to add one."
    )
    assert denial(built_in) == ("No rule in the policy allows *delete*; ask an admin to add one.")


async def test_denial_escapes_the_server_label(policy: Policy, groups: FakeGroups) -> None:
    decision = await decide(policy, request("stop", server="<!channel>"), groups)
    text = denial(decision, "<!channel> *x*")
    assert text.startswith("You may not *stop* &lt;!channel&gt; \u2217x\u2217 here.")
    assert "<!channel>" not in text


async def test_denial_without_a_server_label(policy: Policy, groups: FakeGroups) -> None:
    decision = await decide(policy, request("create", server="new-01"), groups)
    assert denial(decision) == "You may not *create* servers here. It is allowed: by <@U0ADMIN01>."


async def test_denial_refuses_an_allowed_decision(policy: Policy, groups: FakeGroups) -> None:
    with pytest.raises(ValueError, match="denied"):
        denial(await decide(policy, request("list"), groups))


# -- whoami and help ------------------------------------------------------------------------


async def test_allowed_actions_for_whoami(policy: Policy, groups: FakeGroups) -> None:
    decisions = {
        d.action: d for d in await allowed_actions(policy, ONCALL_USER, OPS, "ops", groups)
    }
    assert {a for a, d in decisions.items() if d.allowed} == {
        "list",
        "show",
        "audit",
        "start",
        "stop",
        "reboot",
    }
    assert decisions["start"].servers == ("web-*",)
    assert reason(decisions["start"]) == (
        'rule 1 for "start" (policy.yml:17): only on servers matching `web-*`'
    )
    assert decisions["stop"].servers == ()
    assert alternatives(decisions["delete"]) == (
        "by <@U0ALICE01> in <#C0OPS0001>",
        "by <@U0ADMIN01>",
    )


async def test_allowed_actions_prefer_an_unrestricted_rule(groups: FakeGroups) -> None:
    policy = policy_from("rules:\n  start:\n    - servers: [web-*]\n    - channels: [C0OPS0001]\n")
    decisions = await allowed_actions(policy, STRANGER, OPS, "ops", groups)
    start = next(d for d in decisions if d.action == "start")
    assert start.servers == ()
    assert reason(start) == 'rule 2 for "start" (policy.yml:4): channel <#C0OPS0001>'


# -- files that load, and what they mean ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "# nothing here yet\n", "rules:\n", "rules: {}\n", "rules:\n  stop:\n", "---\n"],
)
async def test_a_file_without_rules_is_a_read_only_bot(text: str, groups: FakeGroups) -> None:
    policy = policy_from(text)
    assert policy.rules == ()
    assert policy.confirm == {"stop", "delete"}
    assert [a for a in actions() if (await decide(policy, request(a), groups)).allowed] == [
        "list",
        "show",
        "audit",
    ]


@pytest.mark.parametrize(
    ("text", "confirmed"),
    [
        ("confirm: []\n", set()),
        ("confirm: [reboot]\n", {"reboot"}),
        ('confirm: ["*"]\n', {"create", "update", "start", "stop", "reboot", "delete"}),
    ],
)
def test_confirm_lists_the_actions_to_confirm(text: str, confirmed: set[str]) -> None:
    policy = policy_from(text)
    assert {a for a in actions() if a in policy.confirm} == confirmed


def test_audit_is_a_read_action_that_rules_may_name() -> None:
    policy = policy_from("rules:\n  audit:\n    - channels: [C0OPS0001]\n")
    assert [(r.action, r.line) for r in policy.rules] == [("audit", 3)]
    assert "audit" in actions()
    assert "audit" not in policy.confirm
    assert policy.approval_for("audit", ["web-01"]) is None


def test_the_default_policy_is_read_only_and_confirms_stop_and_delete() -> None:
    policy = Policy.default()
    assert policy.rules == ()
    assert [a for a in actions() if a in policy.confirm] == ["stop", "delete"]


async def test_deciding_an_unknown_action_is_a_bug(policy: Policy, groups: FakeGroups) -> None:
    with pytest.raises(ValueError, match="restart"):
        await decide(policy, request("restart"), groups)


# -- files that stop the bot --------------------------------------------------------------

KNOWN = 'list, show, audit, create, update, start, stop, reboot, delete, "*"'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "rules:\n  stop:\n    - channels: [C0OPS0001]\n  restart:\n    - users: [U0ADMIN01]\n",
            f'policy.yml:4: unknown action "restart" (known: {KNOWN})',
            id="unknown-action",
        ),
        pytest.param(
            "rules:\n  stop:\n    - users: [U0ADMIN01, alice]\n",
            'policy.yml:3: "alice" is not a Slack user ID (like U0ADMIN01)',
            id="user-name-instead-of-id",
        ),
        pytest.param(
            "rules:\n  stop:\n    - users:\n        - U0ADMIN01\n        - u0alice01\n",
            'policy.yml:5: "u0alice01" is not a Slack user ID (like U0ADMIN01)',
            id="lowercase-user-id",
        ),
        pytest.param(
            'rules:\n  stop:\n    - users: ["@alice"]\n',
            'policy.yml:3: "@alice" is not a Slack user ID (like U0ADMIN01); use the member ID'
            " from their profile (⋮ → Copy member ID), not the @name",
            id="at-name-gets-a-hint",
        ),
        pytest.param(
            "rules:\n  stop:\n    - users: [C0OPS0001]\n",
            'policy.yml:3: "C0OPS0001" is not a Slack user ID (like U0ADMIN01)',
            id="channel-id-as-user",
        ),
        pytest.param(
            "rules:\n  stop:\n    - usergroups: [oncall]\n",
            'policy.yml:3: "oncall" is not a Slack user-group ID (like S0ONCALL1)',
            id="bad-group-id",
        ),
        pytest.param(
            "rules:\n  stop:\n    - channels: [ops]\n",
            'policy.yml:3: "ops" is not a channel ID (like C0OPS0001) or a #channel-name'
            " (lowercase)",
            id="channel-name-without-hash",
        ),
        pytest.param(
            'rules:\n  stop:\n    - channels: ["#Ops"]\n',
            'policy.yml:3: "#Ops" is not a channel ID (like C0OPS0001) or a #channel-name'
            " (lowercase)",
            id="uppercase-channel-name",
        ),
        pytest.param(
            'rules:\n  stop:\n    - users: ["U0ADMIN01\\u00a0"]\n',
            'policy.yml:3: "U0ADMIN01\\u00a0" is not a Slack user ID (like U0ADMIN01)',
            id="invisible-characters-are-shown",
        ),
        pytest.param(
            'rules:\n  start:\n    - servers: ["web-*", " "]\n',
            'policy.yml:3: " " is not a server-name pattern (like web-*)',
            id="blank-server-glob",
        ),
        pytest.param(
            "rules:\n  stop:\n    - user: [U0ADMIN01]\n",
            'policy.yml:3: unknown condition "user" (known: users, usergroups, channels, servers)',
            id="unknown-condition",
        ),
        pytest.param(
            "rule:\n  stop:\n    - users: [U0ADMIN01]\n",
            'policy.yml:1: unknown key "rule" (known: rules, confirm, approve, freeze, limits)',
            id="unknown-top-level-key",
        ),
        pytest.param(
            "rules:\n  stop:\n    - U0ADMIN01\n",
            'policy.yml:3: rule 1 for "stop" must be a mapping of conditions'
            " (users, usergroups, channels, servers)",
            id="rule-not-a-mapping",
        ),
        pytest.param(
            "rules:\n  stop:\n    users: [U0ADMIN01]\n",
            'policy.yml:3: the rules for "stop" must be a list ("- channels: [...]")',
            id="rules-not-a-list",
        ),
        pytest.param(
            "rules:\n  stop:\n    - users: U0ADMIN01\n",
            'policy.yml:3: "users" must be a list, like users: [...]',
            id="condition-not-a-list",
        ),
        pytest.param(
            "rules:\n  stop:\n    - users:\n",
            'policy.yml:3: "users" must be a list, like users: [...]',
            id="condition-without-values-fails-closed",
        ),
        pytest.param(
            "rules:\n  stop:\n    - users: []\n",
            'policy.yml:3: "users" is empty; leave it out to match everyone/everywhere',
            id="empty-condition-fails-closed",
        ),
        pytest.param(
            "rules:\n  stop:\n    - servers: [web-*, 42]\n",
            'policy.yml:3: "servers" entries must be text, not 42',
            id="condition-entry-not-text",
        ),
        pytest.param(
            "rules:\n  stop:\n    - users: [[U0ADMIN01]]\n",
            'policy.yml:3: "users" entries must be text, not a list or mapping',
            id="condition-entry-nested",
        ),
        pytest.param(
            "rules:\n  - stop\n",
            'policy.yml:2: "rules" must be a mapping (key: value)',
            id="rules-is-a-list",
        ),
        pytest.param(
            "- stop\n",
            "policy.yml:1: the policy file must be a mapping (key: value)",
            id="file-is-a-list",
        ),
        pytest.param(
            "rules:\n  stop:\n    - channels: [C0OPS0001]\n  stop:\n    - users: [U0ADMIN01]\n",
            'policy.yml:4: duplicate key "stop" (first at line 2)',
            id="duplicate-action",
        ),
        pytest.param(
            "confirm: [stop, restart]\n",
            'policy.yml:1: unknown action "restart" in confirm'
            ' (known: create, update, start, stop, reboot, delete, "*")',
            id="unknown-action-in-confirm",
        ),
        pytest.param(
            "confirm:\n  - stop\n  - list\n",
            'policy.yml:3: "list" changes nothing and is never confirmed',
            id="read-action-in-confirm",
        ),
        pytest.param(
            "confirm: [stop, audit]\n",
            'policy.yml:1: "audit" changes nothing and is never confirmed',
            id="audit-is-a-read",
        ),
        pytest.param(
            "confirm: stop\n",
            "policy.yml:1: confirm must be a list of actions, like confirm: [stop, delete]",
            id="confirm-not-a-list",
        ),
        pytest.param(
            "confirm:\n",
            "policy.yml:1: confirm must be a list of actions, like confirm: [stop, delete]",
            id="empty-confirm-is-ambiguous",
        ),
    ],
)
def test_a_wrong_file_is_refused_with_file_line_and_problem(text: str, message: str) -> None:
    assert load_error(text) == message


@pytest.mark.parametrize(
    ("text", "start", "hint"),
    [
        ("rules:\n  stop:\n    - users: [U0ADMIN01\n", "policy.yml:4: not valid YAML: ", ""),
        ("rules:\n\tstop: []\n", "policy.yml:2: not valid YAML: ", ""),
        ("rules: {}\n---\nconfirm: []\n", "policy.yml:2: not valid YAML: ", ""),
        (
            "rules:\n  *:\n    - users: [U0ADMIN01]\n",
            "policy.yml:2: not valid YAML: ",
            '(write "*" in quotes)',
        ),
    ],
)
def test_broken_yaml_is_refused_with_its_line(text: str, start: str, hint: str) -> None:
    message = load_error(text)
    assert message.startswith(start)
    assert message.endswith(hint)


def test_load_policy_names_the_path_it_was_given(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("rules:\n  stop:\n    - users: [nobody]\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value).startswith(f"{path}:3: ")


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yml"
    with pytest.raises(PolicyError, match=r"nowhere\.yml: cannot read the policy file"):
        load_policy(path)


def test_users_see_the_file_name_not_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "secret-dir" / "policy.yml"
    path.parent.mkdir()
    path.write_text("", encoding="utf-8")
    assert load_policy(path).name == "policy.yml"


@pytest.mark.parametrize(
    "channel_name",
    ["\u212a8s", "\u212a8S", "#\u212a8s", "k8s\u0307", "\uff4b8s"],
    ids=["kelvin", "kelvin-upper", "kelvin-hash", "combining-dot", "fullwidth"],
)
async def test_a_channel_name_that_only_lowercases_into_the_rule_does_not_match(
    channel_name: str,
) -> None:
    # The Kelvin sign lowercases to an ASCII "k": "\u212a8s".lower() == "k8s".
    policy = policy_from('rules:\n  reboot:\n    - channels: ["#k8s"]\n')
    req = request("reboot", channel="C0OTHER01", channel_name=channel_name)
    assert not (await decide(policy, req, FakeGroups())).allowed
    by_name = request("reboot", channel="C0OTHER01", channel_name="k8s")
    assert (await decide(policy, by_name, FakeGroups())).allowed


@pytest.mark.parametrize("entry", ["#\u212a8s", "#k8s\u0307", "#K8S", "#ops\u200b"])
def test_a_channel_name_rule_with_anything_but_lowercase_ascii_is_refused(entry: str) -> None:
    message = load_error(f'rules:\n  reboot:\n    - channels: ["{entry}"]\n')
    assert message.startswith("policy.yml:3: ")
    assert "#channel-name (lowercase)" in message


# -- globs that can never match, and every problem at once ----------------------------------


@pytest.mark.parametrize(
    ("glob", "why"),
    [
        ("dev-[0-9", 'the "[" at character 5 opens a class that is never closed'),
        ("dev-.*", "looks like a regular expression"),
        ("[]dev", 'the "[" at character 1 opens a class that is never closed'),
        ("[]", 'the "[" at character 1 opens a class that is never closed'),
        ("web_*", '"_" is in no server name'),
        ("web.example.*", "looks like a regular expression"),
        ("web-[._]", "the class [._] holds no letter, digit or hyphen"),
        ("web-[!a-zA-Z0-9-]*", "the class [!a-zA-Z0-9-] holds no letter, digit or hyphen"),
        ("web 01", "U+0020 is in no server name"),
    ],
)
def test_a_glob_that_can_never_match_loads_with_a_warning(glob: str, why: str) -> None:
    policy = policy_from(f'rules:\n  start:\n    - servers: ["web-*", "{glob}"]\n')
    assert [r.servers for r in policy.rules] == [("web-*", glob)]  # it still loads
    (warning,) = policy.warnings
    assert warning.startswith(f"policy.yml:3: servers glob {json.dumps(glob)} can never match: ")
    assert why in warning
    assert warning.endswith("(a server name holds only letters, digits and hyphens)")


@pytest.mark.parametrize(
    "glob", ["*", "web-*", "db-0?", "[a-z]*-[0-9][0-9]", "[!-]*", "[]a]*", "*-critical", "Web-01"]
)
def test_a_glob_that_can_match_is_no_warning(glob: str) -> None:
    assert policy_from(f'rules:\n  start:\n    - servers: ["{glob}"]\n').warnings == ()


def test_globs_everywhere_in_the_file_are_checked() -> None:
    policy = policy_from(
        "approve:\n"
        '  delete: {by: [{servers: ["a.*"]}], servers: ["b_*"]}\n'
        "freeze:\n"
        '  - {weekly: {days: [sat], start: "00:00", end: "24:00", timezone: UTC},'
        ' except: [{servers: ["[c"]}]}\n'
    )
    assert [w.split(" can never")[0] for w in policy.warnings] == [
        'policy.yml:2: servers glob "a.*"',
        'policy.yml:2: servers glob "b_*"',
        'policy.yml:4: servers glob "[c"',
    ]


def test_every_problem_of_a_file_is_reported_with_its_line() -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from(
            "rules:\n"
            "  stop:\n"
            "    - users: [alice, U0ADMIN01, '@bob']\n"  # 3
            "  restart: [{}]\n"  # 4
            "  start:\n"
            "    - {servers: [web-*], colour: red}\n"  # 6
            "confirm: [stop, list]\n"  # 7
            "approve:\n"
            "  delete: {servers: [db-*]}\n"  # 9
            "limits: {writes: {per_user: 0, window: 10m}}\n"  # 10
            "colour: blue\n"  # 11
        )
    problems = caught.value.problems
    assert str(caught.value) == "\n".join(problems)
    assert [p.split(":")[1] for p in problems] == ["3", "3", "4", "6", "7", "9", "10", "11"]
    assert '"alice" is not a Slack user ID' in problems[0]
    assert '"@bob" is not a Slack user ID' in problems[1]
    assert 'unknown action "restart"' in problems[2]
    assert 'unknown condition "colour"' in problems[3]
    assert '"list" changes nothing' in problems[4]
    assert "needs by:" in problems[5]
    assert "per_user must be a whole number more than zero, not 0" in problems[6]
    assert 'unknown key "colour"' in problems[7]
