"""`vpsbot check`: everything `vpsbot run` needs, checked without serving; a readable report.

A FAIL is something `run` would trip on: the exit code is 1. A WARN is something `run` accepts
but a team probably does not want (no policy file, no ops channel): reported, exit code still 0.
The check leaves nothing behind: it does not create the state file `run` would create.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clients import verify_slack, vps_client
from bot.config import Settings, StartupError
from bot.policy.summary import summarize
from bot.redact import redact_url
from bot.runner import load_catalog_for, load_policy_for
from bot.slack.web import slack_client
from bot.state import StateStoreError, StateStoreUnavailable, open_store
from bot.vps import VPSError
from bot.words import counted

OK, WARN, FAIL, SKIP = "ok", "WARN", "FAIL", "skip"

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>]+", re.IGNORECASE)
_SQLITE = "sqlite:///"
_MEMORY = ":memory:"
_POLICY_HELP = "write one as in the README's 'The policy file' (or set BOT_POLICY_FILE)"


def shown(text: str) -> str:
    """`text` with every URL in it redacted: a report line never shows a URL's credentials."""
    return _URL.sub(lambda match: redact_url(match.group()), text)


@dataclass
class Report:
    """Lines of a readable report; failed when any line failed (warnings do not fail it)."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, status: str, subject: str, text: str) -> None:
        """Record one checked thing."""
        self.lines.append((status, subject, text))

    @property
    def failed(self) -> bool:
        """True when any check failed."""
        return any(status == FAIL for status, _, _ in self.lines)

    @property
    def warnings(self) -> int:
        """How many lines are warnings."""
        return sum(status == WARN for status, _, _ in self.lines)

    def render(self) -> str:
        """The report as aligned text lines, URLs redacted."""
        width = max((len(subject) for _, subject, _ in self.lines), default=0)
        return "\n".join(
            shown(f"[{status:>4}] {subject:<{width}}  {text}")
            for status, subject, text in self.lines
        )

    def finish(self, out: Callable[[str], None]) -> int:
        """Print the report and its verdict through `out`; the exit code (1 on a FAIL line)."""
        out(self.render())
        out(self.verdict())
        return 1 if self.failed else 0

    def verdict(self) -> str:
        """The last line: all good, all good with warnings, or problems found."""
        if self.failed:
            return "vpsbot check: problems found"
        if self.warnings:
            plural = "s" if self.warnings > 1 else ""
            return f"vpsbot check: all good, {self.warnings} warning{plural} (exit code 0)"
        return "vpsbot check: all good"


async def check_settings(settings: Settings, report: Report) -> None:
    """What `run` requires in the mode these settings choose."""
    problems = settings.problems_for_run(simulator=False)
    for problem in problems:
        report.add(FAIL, "settings", problem)
    if not problems:
        mode = "Socket Mode" if settings.socket_mode else f"HTTP on {settings.host}:{settings.port}"
        report.add(OK, "settings", f"ready for vpsbot run ({mode})")
    zone = settings.bot_timezone
    offset = datetime.now(ZoneInfo(zone)).strftime("%z")
    report.add(
        OK,
        "time zone",
        f"BOT_TIMEZONE {zone} (UTC{offset[:3]}:{offset[3:]} now): times are shown in it beside "
        "UTC, and a schedule's time without a zone is read in it",
    )


async def check_ops_channel(settings: Settings, report: Report) -> None:
    """Where changes are reported; `run` works without, but nobody hears about changes."""
    if settings.bot_ops_channel is None:
        report.add(
            WARN,
            "ops channel",
            "BOT_OPS_CHANNEL is unset: changes made through the bot are reported nowhere "
            "but where they were asked (set it to a channel ID like C0123456789)",
        )
        return
    report.add(OK, "ops channel", f"changes are reported to {settings.bot_ops_channel}")


async def check_policy(settings: Settings, report: Report) -> None:
    """Load the policy file as `run` would; no file (or no rules) means every change is denied."""
    path = settings.bot_policy_file
    if not path.exists() and "bot_policy_file" not in settings.model_fields_set:
        report.add(
            WARN,
            "policy",
            f"no {path} here: every change is denied, only reads answer; {_POLICY_HELP}",
        )
        return
    try:
        policy = load_policy_for(settings)
    except StartupError as exc:
        for problem in str(exc).splitlines():  # every problem of the file, one a line
            report.add(FAIL, "policy", problem)
        return
    for warning in policy.warnings:
        report.add(WARN, "policy", warning)
    if not policy.rules:
        report.add(WARN, "policy", f"{path}: no rules, so every change is denied")
        return
    report.add(OK, "policy", f"{policy.source}: {summarize(policy)}")


async def check_catalog(settings: Settings, report: Report) -> None:
    """Load the create catalog as `run` would."""
    try:
        catalog = load_catalog_for(settings)
    except StartupError as exc:
        report.add(FAIL, "catalog", str(exc))
        return
    counts = (len(catalog.plans), len(catalog.operating_systems), len(catalog.locations))
    report.add(OK, "catalog", "{} plans, {} operating systems, {} locations".format(*counts))


async def check_state(settings: Settings, report: Report) -> None:
    """Open the state store as `run` would, but never create a SQLite file that is not there."""
    url = settings.bot_state_url
    missing = _missing_sqlite_file(url)
    if missing is not None:
        folder = missing.parent
        if not folder.is_dir():
            problem = f"directory {folder.absolute()} does not exist"
            report.add(FAIL, "state", f"BOT_STATE_URL: {problem}")
        elif not os.access(folder, os.W_OK | os.X_OK):
            report.add(FAIL, "state", f"BOT_STATE_URL: cannot write in {folder.absolute()}")
        else:
            report.add(OK, "state", f"{redact_url(url)}: vpsbot run will create {missing}")
        return
    try:
        store = await open_store(url)  # once: `run` would wait for a store down, not the check
    except StateStoreUnavailable as exc:
        report.add(FAIL, "state", f"BOT_STATE_URL: {exc} (vpsbot run waits for it, not ready)")
        return
    except (StateStoreError, ValueError) as exc:
        report.add(FAIL, "state", f"BOT_STATE_URL: {exc}")
        return
    await store.close()
    report.add(OK, "state", redact_url(url))


def _missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file a `sqlite:///…` URL names when it does not exist yet; else None."""
    if not url.lower().startswith(_SQLITE):
        return None
    path = url[len(_SQLITE) :]
    if not path or path == _MEMORY or Path(path).exists():
        return None
    return Path(path)


async def check_vps(settings: Settings, report: Report) -> None:
    """List the servers once: proves the URL, the token and the response shape."""
    where = redact_url(settings.vps_api_url)
    if settings.vps_api_token is None:
        report.add(SKIP, "VPS.org API", "no VPS_API_TOKEN to try")
        return
    async with vps_client(settings) as client:
        try:
            servers = await client.list_servers()
        except VPSError as exc:
            report.add(FAIL, "VPS.org API", f"{where}: {exc}")
            return
    report.add(OK, "VPS.org API", f"{where}: {counted(len(servers), 'server')} listed")


async def check_slack(settings: Settings, report: Report) -> None:
    """The same token checks `run` makes at start: auth.test, and Socket Mode's app token."""
    if settings.slack_bot_token is None:
        report.add(SKIP, "Slack", "no SLACK_BOT_TOKEN to try")
        return
    try:
        await verify_slack(settings, slack_client(settings))
    except StartupError as exc:
        report.add(FAIL, "Slack", str(exc))
        return
    socket = " and SLACK_APP_TOKEN" if settings.slack_app_token else ""
    where = redact_url(settings.slack_api_url)
    report.add(OK, "Slack", f"{where} accepts SLACK_BOT_TOKEN{socket}")


def report_bad_settings(problems: list[str], out: Callable[[str], None]) -> int:
    """The report when the settings cannot be read: a FAIL line per bad variable (exit code 1);
    the checks that need the settings are not tried."""
    report = Report()
    for problem in problems:
        report.add(FAIL, "settings", problem)
    report.add(
        SKIP, "the rest", "policy, catalog, state, VPS.org and Slack: fix the settings first"
    )
    return report.finish(out)


async def run_check(settings: Settings, out: Callable[[str], None]) -> int:
    """Run every check, print the report through `out`, return the exit code (warnings: 0)."""
    report = Report()
    for step in (
        check_settings,
        check_ops_channel,
        check_policy,
        check_catalog,
        check_state,
        check_vps,
        check_slack,
    ):
        await step(settings, report)
    return report.finish(out)
