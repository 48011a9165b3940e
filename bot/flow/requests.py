"""Every kind of Slack request, taken down its one path under the pipeline's net.

Listeners ack and call one function here per request kind. A write is a `Request` — this member
asks for this operation on this target with these values — taken down `writes.ask`: resolve →
authorize → confirm | approve | execute. A read is parsed, authorized and answered (`reads`,
`audit_log`). Each step asks the gate itself; nothing reaches a handler around it.
"""

from __future__ import annotations

import dataclasses

from bot.commands import values as cmd
from bot.commands.parser import parse
from bot.flow import approval_notices, approvals, audit_log, confirmations, plain, reads
from bot.flow.asked import create_request, typed_request
from bot.flow.caller import Caller
from bot.flow.context import RequestContext
from bot.flow.forms import AuditPageState, CreateFormState, DeleteFormState, RejectFormState
from bot.flow.pipeline import Kind, Step, guarded
from bot.flow.services import Services
from bot.flow.steps import STATUS_STEP, StepCall, StepReply, outputs, step_operation
from bot.flow.writes import ask
from bot.operations.change import Request
from bot.plans.confirm import cancel_plan, confirm_plan
from bot.plans.listing import plan_list
from bot.plans.preview import ask_plan
from bot.schedules.controls import schedule_list
from bot.schedules.front import ask_schedule
from bot.slack.blocks import ListFilters
from bot.slack.blocks.notes import build_note
from bot.slack.command_wording import parse_error, usage

WORKING_AFTER = 1.0
"""Seconds without an answer after which the caller sees that the bot is working on it."""
EVENT_RETRIES_SECONDS = 3600.0
"""How long an event's id is remembered: Slack retries an event for about an hour at most."""
WORKING = "Working on it… VPS.org is taking a moment; the answer follows."


async def run_command(services: Services, caller: Caller, text: str) -> None:
    """A `/vps …` line: parsed, then down its path."""
    ctx = services.context(caller)
    try:
        command = parse(text, services.catalog)
    except cmd.ParseError as exc:
        services.metrics.command(exc.command or "other", "invalid")
        hint = usage(exc.command, services.command) if exc.command else None
        await ctx.reply.ephemeral(build_note(parse_error(exc), hint=hint))
        return
    ctx.reply.hold_on(WORKING_AFTER, build_note(WORKING, icon=":hourglass_flowing_sand:"))
    try:
        kind, step = _path(services, ctx, command)
        await guarded(ctx, command.word, kind, step)
    finally:
        await ctx.reply.settle()
        services.metrics.command(command.word, ctx.tally.outcome)
    if kind == "write":
        services.home.touch()  # a request may wait for someone now


def _path(services: Services, ctx: RequestContext, command: cmd.Command) -> tuple[Kind, Step]:
    """What a command does, and the path it takes."""
    gate, caller = services.gate, ctx.caller
    match command:
        case cmd.Help():
            return "other", reads.help_for(ctx, gate, command.topic)
        case cmd.Whoami():
            return "other", reads.whoami(ctx, gate, services.settings.bot_timezone)
        case cmd.ListServers():
            filters = ListFilters(command.status, command.location, command.text)
            return "read", reads.list_page(ctx, gate, filters)
        case cmd.Show():
            return "read", reads.card(ctx, gate, command.server, replace=False)
        case cmd.Audit():
            about = command.server[:500] if command.server is not None else None
            return "read", audit_log.audit_log(ctx, gate, AuditPageState(about=about))
        case cmd.Approvals():
            return "other", approval_notices.pending_list(ctx, gate)
        case cmd.CreateModal():
            return "write", reads.open_create_form(ctx, gate)
        case cmd.Create():
            return "write", ask(ctx, gate, create_request(services.catalog, caller, command))
        case cmd.Write():
            return "write", ask(ctx, gate, typed_request(caller, command))
        case cmd.PlanWrite():
            return "write", ask_plan(ctx, gate, typed_request(caller, command))
        case cmd.Plans():
            return "other", plan_list(ctx, gate)
        case cmd.Schedule():
            asked = typed_request(caller, command.command)
            zone = services.settings.bot_timezone
            return "write", ask_schedule(ctx, gate, command, asked, zone)
        case cmd.Schedules():
            return "other", schedule_list(ctx, gate, services.settings.bot_timezone)


async def home_opened(services: Services, user_id: str) -> None:
    """The viewer opened the bot's Home tab: theirs, as they may see it now."""
    await services.home.opened(user_id)


async def step_executed(services: Services, call: StepCall) -> None:
    """A workflow reached one of the bot's steps: the same request as the command, for the
    step's person in its channel; completed or failed once it is decided (`bot.flow.steps`)."""
    caller = Caller(user_id=call.user_id, channel_id=call.channel_id)
    reply = StepReply(services.slack, call.user_id)
    # The step's person is whoever the workflow's builder named: a change waits for their click.
    ctx = dataclasses.replace(services.context(caller), reply=reply, confirm_every_write=True)
    steps, op = services.steps, step_operation(call.callback_id)
    seen_for = services.clock() + EVENT_RETRIES_SECONDS
    if not await services.store.remember_request(f"step:{call.execution_id}", expires_at=seen_for):
        return  # Slack sent the same execution again: it is under way already
    if call.callback_id == STATUS_STEP:
        await guarded(ctx, "step", "read", reads.server_status(ctx, services.gate, call.server))
        found = ctx.tally.server
        if found is None:
            await steps.fail(call, reply.told.text if reply.told else "Not found.")
        else:
            await steps.complete(call, outputs(found, ip=True))
        return
    if op is None or not call.user_id:
        await steps.fail(call, f"This bot has no step {call.callback_id} for that person.")
        return
    request = Request(operation=op.name, target=call.server, member=caller.member)
    waiting = steps.expect(call, op.name)
    await guarded(ctx, op.name, "write", ask(ctx, services.gate, request))
    services.home.touch()
    outcome = ctx.tally.outcome
    if outcome in {"executed", "prompted", "requested"} or waiting.done.done():
        approval = max((r.ttl for r in services.gate.approval_rules(op.policy_action)), default=0)
        patience = services.settings.bot_confirm_ttl_seconds + approval + 60
        found = ctx.tally.server
        server_id, before = (found.id, found.status) if found is not None else (None, None)
        steps.wait(waiting, reply.confirmation_id, server_id, patience=patience, before=before)
        return
    steps.forget(waiting)
    await steps.fail(call, reply.told.text if reply.told else "Not done.")


# -- buttons and forms ------------------------------------------------------------------------


async def card_clicked(services: Services, caller: Caller, request: Request) -> None:
    """Start / Stop / Reboot / Delete on a card: the same request as the typed command, asked
    by whoever clicked."""
    ctx, mine = services.context(caller), request.model_copy(update={"member": caller.member})
    await guarded(ctx, request.operation, "write", ask(ctx, services.gate, mine))


async def show_card(services: Services, caller: Caller, target: str, *, replace: bool) -> None:
    """Show (on a list row: a new card) / Refresh (on a card: in place)."""
    ctx = services.context(caller)
    await guarded(ctx, "card", "read", reads.card(ctx, services.gate, target, replace=replace))


async def show_list_page(services: Services, caller: Caller, value: str) -> None:
    """Next / Previous on a server list: the same list, another page, in place."""
    try:
        filters, page = ListFilters.from_value(value)
    except ValueError:
        return  # not a value we made
    ctx = services.context(caller)
    answer = reads.list_page(ctx, services.gate, filters, page, replace=True)
    await guarded(ctx, "list page", "read", answer)


async def show_audit_page(services: Services, caller: Caller, value: str) -> None:
    """Older / Newest on an audit page: the same question, another page, in place."""
    page = AuditPageState.load(value)
    if page is None:
        return  # not a value we made
    ctx = services.context(caller)
    answer = audit_log.audit_log(ctx, services.gate, page, replace_page=True)
    await guarded(ctx, "audit", "read", answer)


async def confirm_clicked(
    services: Services, caller: Caller, confirmation_id: str, *, typed: str | None = None
) -> None:
    """The prompt's danger button, or the delete form with the name `typed`."""
    ctx = services.context(caller)
    step = confirmations.confirm(ctx, services.gate, confirmation_id, typed=typed)
    await guarded(ctx, "confirm", "write", step)
    services.home.touch()


async def cancel_clicked(services: Services, caller: Caller, confirmation_id: str) -> None:
    """The prompt's Cancel button."""
    ctx = services.context(caller)
    await guarded(ctx, "cancel", "other", confirmations.cancel(ctx, confirmation_id))


async def plan_confirm_clicked(
    services: Services, caller: Caller, plan_id: str, *, typed: str | None = None
) -> None:
    """A plan preview's danger button, or its typed-count form with the number `typed`."""
    ctx = services.context(caller)
    step = confirm_plan(ctx, services.gate, plan_id, typed=typed)
    await guarded(ctx, "confirm plan", "write", step)


async def plan_cancel_clicked(services: Services, caller: Caller, plan_id: str) -> None:
    """A plan preview's Cancel button."""
    ctx = services.context(caller)
    await guarded(ctx, "cancel plan", "other", cancel_plan(ctx, plan_id))


async def approval_clicked(
    services: Services, caller: Caller, approval_id: str, *, approve: bool
) -> None:
    """Approve or Reject on an approval request (in the ops channel or /vps approvals):
    Approve decides at once; Reject first asks for an optional reason (a form)."""
    ctx, choice = services.context(caller), approvals.Choice(approve, ask_reason=not approve)
    step = approvals.decide(ctx, services.gate, approval_id, choice)
    await guarded(ctx, "approve" if approve else "reject", "write", step)
    services.home.touch()


async def reject_submitted(
    services: Services, user_id: str, state: RejectFormState, reason: str
) -> None:
    """The reject form: the rejection, with its reason, decided as a click would be."""
    ctx = services.context(state.caller(user_id))
    choice = approvals.Choice(False, reason=reason.strip())
    await guarded(
        ctx, "reject", "write", approvals.decide(ctx, services.gate, state.approval, choice)
    )
    services.home.touch()


async def delete_submitted(
    services: Services, user_id: str, state: DeleteFormState, typed: str
) -> None:
    """A delete form whose typed name matched: authorize again, claim, delete once."""
    await confirm_clicked(services, state.caller(user_id), state.confirmation, typed=typed)


async def create_submitted(
    services: Services, user_id: str, state: CreateFormState, command: cmd.Create
) -> None:
    """A valid create form: the same request as `/vps create …` typed where it was opened."""
    caller = state.caller(user_id)
    ctx, request = services.context(caller), create_request(services.catalog, caller, command)
    await guarded(ctx, "create", "write", ask(ctx, services.gate, request))


# -- plain words --------------------------------------------------------------------------------


async def words_written(
    services: Services, caller: Caller, text: str, event_id: str | None = None
) -> None:
    """A direct message or a mention: read as a command and answered where it was written; a
    read it became then runs as if typed there. An event Slack sends again (its retry after a
    slow ack, another replica) is answered once."""
    ctx, found = services.context(caller), []

    async def answer() -> None:
        seen_for = services.clock() + EVENT_RETRIES_SECONDS
        if event_id and not await services.store.remember_request(event_id, expires_at=seen_for):
            return
        found.append(await plain.answer(ctx, services, text))

    await guarded(ctx, "words", "other", answer())
    if found and found[0] is not None:
        await run_command(services, caller, found[0])


async def words_clicked(
    services: Services, caller: Caller, value: str, choice: plain.Choice
) -> None:
    """Do it / Cancel / a candidate on an answer to words: the requester's click runs the
    command as they asked it, where they asked it, the usual way."""
    said = plain.Said.load(value)
    if said is None:
        return  # not a value we made
    ctx, found = services.context(caller), []

    async def choose() -> None:
        found.append(await plain.clicked(ctx, services, said, choice))

    await guarded(ctx, "words", "write" if choice == "do" else "other", choose())
    if found and found[0] is not None:
        await run_command(services, said.requester(caller), found[0])
