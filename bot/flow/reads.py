"""Requests that change nothing: the server list, a card, help, whoami, and the create form
(which only opens a modal); the audit log is `bot.flow.audit_log`. Each is a read's path —
(resolve →) authorize → answer — through the pipeline's steps; none asks the policy itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase

from bot.commands.usage import commands
from bot.commands.values import policy_action
from bot.flow.context import RequestContext
from bot.flow.directory import ListPage
from bot.flow.fleet_index import FleetRow
from bot.flow.forms import CreateFormState
from bot.flow.gate import Gate
from bot.flow.pipeline import authorize, labelled, resolve
from bot.operations import operations
from bot.policy import Weekly, WriteLimit, write_actions
from bot.resolve import filter_servers, parse_reference
from bot.slack.blocks import (
    LIST_PAGE_SIZE,
    ListFilters,
    build_create_modal,
    build_error,
    build_help,
    build_server_card,
    build_server_list,
    build_whoami,
)
from bot.slack.blocks.guardrails import approval_line, freeze_line, limit_line
from bot.slack.command_wording import usage
from bot.slack.wording import reason, rules_text
from bot.vps import ServerStatus

FREEZE_HORIZON = timedelta(days=7)
"""How far ahead whoami shows freeze windows."""


async def list_page(
    ctx: RequestContext, gate: Gate, filters: ListFilters, page: int = 1, *, replace: bool = False
) -> None:
    """A page of the server list, filtered; `replace` edits the list a paging button was on."""
    access = await authorize(ctx, gate, "list")
    if access is None:
        return
    start = (max(page, 1) - 1) * LIST_PAGE_SIZE
    if access.only_servers:  # only some names may be listed: filter the whole fleet
        rows = [
            r
            for r in _visible(await ctx.servers.fleet(), access.only_servers)
            if (not filters.status or r.status == filters.status)
            and (not filters.location or r.location == filters.location)
        ]
        rows = filter_servers(rows, filters.text) if filters.text else rows
        shown = [row.server() for row in rows[start : start + LIST_PAGE_SIZE]]
        found = ListPage(shown, len(rows))
    else:
        found = await ctx.servers.page(
            start=start,
            size=LIST_PAGE_SIZE,
            status=filters.status,
            location=filters.location,
            text=filters.text,
        )
    message = build_server_list(
        found.servers,
        page=max(page, 1),
        page_size=LIST_PAGE_SIZE,
        total=found.total,
        filters=filters,
        command=ctx.command,
        index_age=found.index_age,
    )
    await (ctx.reply.replace(message) if replace else ctx.reply.ephemeral(message))


async def server_status(ctx: RequestContext, gate: Gate, reference: str) -> None:
    """A server's status for a workflow step (`server_status`): found and allowed as `show`
    finds and allows it; `ctx.tally.server` then holds it, else the person was told why not."""
    ref = parse_reference(reference)
    label = labelled(ref)
    server = await resolve(ctx, gate, "show", ref, label=label)
    ctx.tally.server = None
    if server is not None and await authorize(ctx, gate, "show", server, label=label):
        ctx.tally.server = server


async def card(ctx: RequestContext, gate: Gate, reference: str, *, replace: bool) -> None:
    """A server's card with the buttons this caller may use here; `replace` edits the card a
    Refresh button was on."""
    ref = parse_reference(reference)
    label = labelled(ref)
    server = await resolve(ctx, gate, "show", ref, label=label)
    if server is None:
        return
    if await authorize(ctx, gate, "show", server, server, label=label) is None:
        return
    actions = await gate.permitted(ctx.caller, _sensible_actions(server.status), server)
    message = build_server_card(server, actions=actions, command=ctx.command)
    await (ctx.reply.replace(message) if replace else ctx.reply.ephemeral(message))


async def help_for(ctx: RequestContext, gate: Gate, topic: str | None) -> None:
    """Usage lines: of `topic`, or of every command the caller may run here."""
    allowed = {d.action for d in await gate.overview(ctx.caller) if d.allowed}
    words = [topic] if topic else commands()
    lines = [
        (usage(word, ctx.command), "")
        for word in words
        if topic or policy_action(word) is None or policy_action(word) in allowed
    ]
    await ctx.reply.ephemeral(build_help(ctx.command, lines))


async def whoami(ctx: RequestContext, gate: Gate, zone: str = "UTC") -> None:
    """Which actions the caller may take in this channel, and why; what needs approval (and
    whose, never the caller's own), each freeze window once, and the write limit left. Times
    are shown in a weekly window's own time zone, else `zone` (BOT_TIMEZONE), beside UTC."""
    caller = ctx.caller
    decisions = await gate.overview(caller)
    lines = [(d.action, d.allowed, reason(d)) for d in decisions]
    notes = []
    for decision in decisions:
        for rule in gate.approval_rules(decision.action) if decision.allowed else ():
            approvers = rules_text(rule.by, without=caller.user_id)
            notes.append(approval_line(decision.action, rule.servers, approvers))
    now = datetime.fromtimestamp(ctx.clock(), UTC)
    for hit in gate.freezes(FREEZE_HORIZON):
        shown = hit.window.when.timezone if isinstance(hit.window.when, Weekly) else zone
        exempt = await gate.exempt(caller, hit)
        notes.append(freeze_line(hit, now, exempt=exempt, zone=shown))
    limit = gate.write_limit
    if limit is not None and any(d.allowed and d.action in write_actions() for d in decisions):
        notes.append(await _limit_note(ctx, limit, now, zone))
    await ctx.reply.ephemeral(build_whoami(caller.user_id, caller.channel_id, lines, notes))


async def _limit_note(ctx: RequestContext, limit: WriteLimit, now: datetime, zone: str) -> str:
    """The caller's write limit and what is left of it, as the state store counts it."""
    user = ctx.caller.user_id
    made = await ctx.store.count_writes(user, window=limit.window)
    retry = await ctx.store.peek_write_slot(user, limit=limit.per_user, window=limit.window)
    retry_at = datetime.fromtimestamp(retry, UTC) if retry is not None else None
    return limit_line(limit.per_user, limit.window, made, retry_at, now, zone)


async def open_create_form(ctx: RequestContext, gate: Gate) -> None:
    """The create modal, to a member who may create somewhere; the name it gets is checked
    against the policy when it is submitted."""
    if await authorize(ctx, gate, "create") is None:
        return
    state = CreateFormState.of(ctx.caller)
    view = build_create_modal(ctx.catalog, private_metadata=state.dump())
    failed = build_error(
        "Slack would not open the create form in time.",
        hint=f"Run `{ctx.command} create` again, or give the values on the line.",
    )
    await ctx.open_form(view, "create", failed)


def _sensible_actions(status: str) -> tuple[str, ...]:
    """The card's operations that can succeed on a server in `status` (all of them for a
    status we don't know)."""
    known = {s.value for s in ServerStatus}
    return tuple(
        op.name
        for op in operations()
        if op.on_card and (status not in known or op.can_run_from(status))
    )


def _visible(servers: list[FleetRow], only: Sequence[str]) -> list[FleetRow]:
    if not only:
        return servers
    return [s for s in servers if any(fnmatchcase(s.name, glob) for glob in only)]
