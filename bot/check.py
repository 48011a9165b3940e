"""`vpsbot check`: validate the settings, then call each outside system once and report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.config import Settings
from bot.vps import VPSClient, VPSError

OK, FAIL = "ok", "FAIL"


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


async def check_vps(settings: Settings, report: Report) -> None:
    """List the servers once: proves the URL, the token and the response shape."""
    if settings.vps_api_token is None:
        report.add(FAIL, "VPS.org API", "VPS_API_TOKEN is not set")
        return
    async with VPSClient(
        settings.vps_api_url, settings.vps_api_token, timeout=settings.vps_api_timeout_seconds
    ) as client:
        try:
            servers = await client.list_servers()
        except VPSError as exc:
            report.add(FAIL, "VPS.org API", f"{settings.vps_api_url}: {exc}")
            return
    report.add(OK, "VPS.org API", f"{settings.vps_api_url}: {len(servers)} servers listed")


CheckStep = Callable[[Settings, Report], Awaitable[None]]


async def check_policy(settings: Settings, report: Report) -> None:
    """Load the policy file as `run` would."""
    from bot.runner import StartupError, load_policy_for

    try:
        policy = load_policy_for(settings)
    except StartupError as exc:
        report.add(FAIL, "policy", str(exc))
        return
    if not policy.rules:
        report.add(OK, "policy", f"{settings.bot_policy_file}: no rules; list and show only")
        return
    report.add(OK, "policy", f"{policy.source}: {len(policy.rules)} rules")


async def check_slack(settings: Settings, report: Report) -> None:
    """Call auth.test with the bot token."""
    from slack_sdk.errors import SlackApiError

    from bot.runner import slack_client

    if settings.slack_bot_token is None:
        report.add(FAIL, "Slack", "SLACK_BOT_TOKEN is not set")
        return
    client = slack_client(settings)
    try:
        auth = await client.auth_test()
    except SlackApiError as exc:
        report.add(FAIL, "Slack", f"auth.test refused the bot token: {exc.response.get('error')}")
        return
    except Exception as exc:  # network errors of every kind end up here
        report.add(
            FAIL, "Slack", f"could not reach {settings.slack_api_url} ({type(exc).__name__})"
        )
        return
    report.add(OK, "Slack", f"bot {auth.get('user')} in team {auth.get('team')}")


async def run_check(
    settings: Settings, out: Callable[[str], None], *, extra: list[CheckStep] | None = None
) -> int:
    """Run every check, print the report through `out`, return the exit code."""
    report = Report()
    report.add(OK, "settings", "all variables valid")
    for step in [check_policy, check_vps, check_slack, *(extra or [])]:
        await step(settings, report)
    out(report.render())
    out("vpsbot check: " + ("problems found" if report.failed else "all good"))
    return 1 if report.failed else 0
