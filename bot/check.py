"""`vpsbot check`: everything `vpsbot run` needs, checked without serving; a readable report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.config import Settings, StartupError
from bot.redact import redact_url
from bot.runner import (
    load_catalog_for,
    load_policy_for,
    slack_client,
    verify_slack,
    vps_client,
)
from bot.state import StateStoreError, open_store
from bot.vps import VPSError

OK, FAIL, SKIP = "ok", "FAIL", "skip"


@dataclass
class Report:
    """Lines of a readable report; failed when any line failed."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, status: str, subject: str, text: str) -> None:
        """Record one checked thing."""
        self.lines.append((status, subject, text))

    @property
    def failed(self) -> bool:
        """True when any check failed."""
        return any(status == FAIL for status, _, _ in self.lines)

    def render(self) -> str:
        """The report as aligned text lines."""
        width = max((len(subject) for _, subject, _ in self.lines), default=0)
        return "\n".join(
            f"[{status:>4}] {subject:<{width}}  {text}" for status, subject, text in self.lines
        )


CheckStep = Callable[[Settings, Report], Awaitable[None]]


async def check_settings(settings: Settings, report: Report) -> None:
    """What `run` requires in the mode these settings choose."""
    problems = settings.problems_for_run(simulator=False)
    for problem in problems:
        report.add(FAIL, "settings", problem)
    if not problems:
        mode = "Socket Mode" if settings.socket_mode else f"HTTP on {settings.host}:{settings.port}"
        report.add(OK, "settings", f"ready for vpsbot run ({mode})")


async def check_policy(settings: Settings, report: Report) -> None:
    """Load the policy file as `run` would."""
    try:
        policy = load_policy_for(settings)
    except StartupError as exc:
        report.add(FAIL, "policy", str(exc))
        return
    if not policy.rules:
        report.add(OK, "policy", f"{settings.bot_policy_file}: no rules; list and show only")
        return
    report.add(OK, "policy", f"{policy.source}: {len(policy.rules)} rules")


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
    """Open the state store as `run` would (this creates the SQLite file if it is missing)."""
    try:
        store = await open_store(settings.bot_state_url)
    except (StateStoreError, ValueError) as exc:
        report.add(FAIL, "state", f"BOT_STATE_URL: {exc}")
        return
    await store.close()
    report.add(OK, "state", settings.bot_state_url)


async def check_vps(settings: Settings, report: Report) -> None:
    """List the servers once: proves the URL, the token and the response shape."""
    if settings.vps_api_token is None:
        report.add(SKIP, "VPS.org API", "no VPS_API_TOKEN to try")
        return
    async with vps_client(settings) as client:
        try:
            servers = await client.list_servers()
        except VPSError as exc:
            report.add(FAIL, "VPS.org API", f"{redact_url(settings.vps_api_url)}: {exc}")
            return
    shown = redact_url(settings.vps_api_url)
    report.add(OK, "VPS.org API", f"{shown}: {len(servers)} servers listed")


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
    report.add(OK, "Slack", f"{settings.slack_api_url} accepts SLACK_BOT_TOKEN{socket}")


async def run_check(settings: Settings, out: Callable[[str], None]) -> int:
    """Run every check, print the report through `out`, return the exit code."""
    report = Report()
    steps: list[CheckStep] = [
        check_settings,
        check_policy,
        check_catalog,
        check_state,
        check_vps,
        check_slack,
    ]
    for step in steps:
        await step(settings, report)
    out(report.render())
    out("vpsbot check: " + ("problems found" if report.failed else "all good"))
    return 1 if report.failed else 0
