"""What a console runs with: the policy (a real one, or the demo's), settings pointing `run`'s
code at the emulator, and the banner saying which API, rules and state those are."""

from __future__ import annotations

import tempfile
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.config import Settings, StartupError
from bot.console.mrkdwn import BOLD, DIM, RED, YELLOW
from bot.console.terminal import Terminal
from bot.policy import Policy, parse_policy
from bot.redact import redact_url
from bot.runner import DEMO_BANNER, load_policy_for
from slackemu import SlackEmulator
from vpssim.simulator import Durations

__all__ = [
    "DEMO_DURATIONS",
    "HERE",
    "OPS_LOG",
    "YOU",
    "banner",
    "console_policy",
    "demo_policy",
    "emulated_settings",
    "policy_people",
    "policy_text",
]

DEMO_DURATIONS = Durations(provisioning=6.0, starting=2.0, stopping=2.0, rebooting=3.0)
"""Transitions fast enough to watch: seconds, not minutes."""
YOU, HERE, OPS_LOG = "you", "#general", "#ops-log"
NO_POLICY_FOR_REAL_API = """\
no {path} here: with VPS_API_URL or VPS_API_TOKEN set the console acts on that real API, so it
uses your policy file, never the demo policy ("you may do everything"). Write {path} (or set
BOT_POLICY_FILE), as in the README's "The policy file", for example:
  rules:
    "*": [{{users: [U0ADMIN01]}}]      # this member ID may do everything
    stop: [{{channels: [C0OPS0001]}}]  # anyone may stop servers in this channel
  confirm: [stop, delete]
then `:as U0ADMIN01` and `:in C0OPS0001` in the console act as that member, in that channel.
To try the bot without a real API, unset VPS_API_URL and VPS_API_TOKEN (the built-in simulator)."""


def policy_people(policy: Policy) -> list[str]:
    """The member IDs the policy names: in its rules, its approvers, its freezes' exceptions."""
    rules = [
        *policy.rules,
        *(rule for approval in policy.approvals for rule in approval.by),
        *(rule for freeze in policy.freezes for rule in freeze.except_rules),
    ]
    return sorted({user for rule in rules for user in rule.users})


def console_policy(settings: Settings, user_id: str, *, real_api: bool) -> tuple[Policy, str]:
    """The policy file as `run` finds it; without one, the demo policy letting `user_id` do
    everything — with the simulator only: against a real API the console refuses to start."""
    path = settings.bot_policy_file
    if "bot_policy_file" in settings.model_fields_set or path.exists():
        return load_policy_for(settings), f"{path} (as `vpsbot run` would use it)"
    if real_api:
        raise StartupError(NO_POLICY_FOR_REAL_API.format(path=path))
    note = (
        f"the demo policy: @{YOU} may do everything (a {path} here or BOT_POLICY_FILE replaces "
        "it; :policy shows it)"
    )
    return parse_policy(demo_policy(user_id), "the console's demo policy"), note


def demo_policy(user_id: str) -> str:
    """The demo policy's text: `user_id` may do everything; the guardrails, commented out."""
    return f"""\
rules:
  "*":
    - users: [{user_id}]
confirm: [stop, delete]
# The guardrails, to try them: save this as policy.yml without the leading "# ", then run
# the console again. Deletes then wait for bob's approval (`:as bob`, then click Approve).
# approve:
#   delete:
#     by: [{{users: [U0BOB0001]}}]
#     ttl: 30m
# freeze:
#   - weekly: {{days: [sat, sun], start: "00:00", end: "24:00", timezone: "Europe/Rome"}}
#     actions: [stop, reboot, delete]
#     reason: "no changes at the weekend"
#     except: [{{users: [U0BOB0001]}}]
# limits:
#   writes: {{per_user: 10, window: 10m}}
"""


def policy_text(settings: Settings, policy: Policy, user_id: str) -> str:
    """What `:policy` shows: the file in force, or the demo policy."""
    if policy.source == "the console's demo policy":
        return demo_policy(user_id)
    try:
        return settings.bot_policy_file.read_text(encoding="utf-8")
    except OSError as exc:
        return f"(cannot read {settings.bot_policy_file}: {exc.strerror or exc})"


def emulated_settings(
    settings: Settings,
    emu: SlackEmulator,
    ops_channel: str,
    stack: AsyncExitStack,
    watch_interval: float,
    *,
    real_api: bool,
) -> tuple[dict[str, Any], str]:
    """The settings `run` would use, pointed at the emulator; and where the state lives."""
    changes: dict[str, Any] = {
        "slack_bot_token": SecretStr(emu.bot_token),
        "slack_signing_secret": SecretStr(emu.signing_secret),
        "slack_app_token": None,  # signed HTTP to the app, as Slack does in HTTP mode
        "slack_api_url": emu.api_url,
        "bot_ops_channel": ops_channel,
        "host": "127.0.0.1",
        "port": 0,
        "bot_metrics_port": 0,  # nothing to scrape in a terminal session
    }
    state_note = redact_url(settings.bot_state_url)
    if "bot_state_url" not in settings.model_fields_set:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="vpsbot-console-"))
        changes["bot_state_url"] = f"sqlite:///{Path(folder) / 'console.db'}"
        state_note = "a temporary file, deleted when the console exits"
    if not real_api and "bot_watch_interval_seconds" not in settings.model_fields_set:
        changes["bot_watch_interval_seconds"] = watch_interval
    return changes, state_note


def banner(
    terminal: Terminal,
    real_api: str | None,
    policy_note: str,
    state_note: str,
    *,
    command: str,
    who: str,
) -> None:
    """Say what this console is talking to, with which rules, as whom and where."""
    paint = terminal.style.paint
    if real_api is None:
        lines = [paint(DEMO_BANNER, BOLD, YELLOW)]
    else:
        lines = [paint(f"vpsbot console on the REAL VPS.org API at {real_api}.", BOLD, RED)]
    lines += [
        f"  policy  {policy_note}",
        f"  state   {state_note}",
        f"  you     @{YOU} ({who}) in {HERE}; notifications go to {OPS_LOG}",
        paint(
            f"Type {command} help or {command} list; a button's number clicks it; "
            ":as bob and :in #ops switch who and where; :help for more.",
            DIM,
        ),
    ]
    terminal.write("\n".join(lines))
