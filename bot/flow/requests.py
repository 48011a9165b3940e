"""Every kind of Slack request, turned into an `Intent` and taken through the pipeline.

Listeners ack and call one function here per request kind. Each builds the intent — which
action, which server, what it will become, which handler — and hands it to `perform`, the only
path to a handler. A new subcommand needs an intent here; it cannot skip the gate.
"""

from __future__ import annotations

from functools import partial

from bot.commands.parser import parse
from bot.commands.values import (
    Approvals,
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
from bot.flow import approval_notices, approvals, audit_log, confirmations, reads
from bot.flow.caller import Caller
from bot.flow.context import RequestContext
from bot.flow.forms import AuditPageState, CreateFormState, DeleteFormState, RejectFormState
from bot.flow.pipeline import STOP, Intent, Stop, perform, perform_step
from bot.flow.services import Services
from bot.operations.change import Request
from bot.resolve import BadReference, ServerRef, parse_reference
from bot.slack.blocks import ListFilters
from bot.slack.blocks.notes import build_note
from bot.slack.wording import parse_error, unresolved, usage
from bot.vps import Server, VPSNotFound

WORKING_AFTER = 1.0
"""Seconds without an answer after which the caller sees that the bot is working on it."""
WORKING = "Working on it… VPS.org is taking a moment; the answer follows."


async def run_command(services: Services, caller: Caller, text: str) -> None:
    """A `/vps …` line."""
    ctx = services.context(caller)
    try:
        command = parse(text, services.catalog)
    except ParseError as exc:
        services.metrics.command(exc.command or "other", "invalid")
        hint = usage(exc.command, services.command) if exc.command else None
        await ctx.reply.ephemeral(build_note(parse_error(exc), hint=hint))
        return
    ctx.reply.hold_on(WORKING_AFTER, build_note(WORKING, icon=":hourglass_flowing_sand:"))
    try:
        await perform(ctx, services.gate, command_intent(services, command))
    finally:
        await ctx.reply.settle()
        services.metrics.command(command.word, ctx.tally.outcome)


def command_intent(services: Services, command: Command) -> Intent:
    """The intent of a parsed command."""
    gate = services.gate
    match command:
        case Help():
            return Intent(
                None, partial(reads.help_for, gate=gate, topic=command.topic), what="help"
            )
        case Whoami():
            zone = services.settings.bot_timezone
            return Intent(None, partial(reads.whoami, gate=gate, zone=zone), what="whoami")
        case ListServers():
            filters = ListFilters(command.status, command.location, command.text)
            return Intent(
                "list",
                partial(reads.list_page, filters=filters, page=1, replace=False),
                what="list",
            )
        case Show():
            target = parse_reference(command.server)
            return Intent(
                "show", partial(reads.card, gate=gate, replace=False), target=target, what="show"
            )
        case Audit():
            return _audit_intent(command.server)
        case Approvals():
            return Intent(None, partial(approval_notices.pending_list, gate=gate), what="approvals")
        case CreateModal():
            return Intent("create", reads.open_create_form, what="create form")
        case Create():
            return create_intent(services, command)
        case Write():
            return _server_write(command)


def create_intent(services: Services, command: Create) -> Intent:
    """A create, typed or from the form: checked on the name the new server will have."""
    body = command.to_request().model_dump(exclude_none=True)
    planned = planned_server(services, command)
    request = Request(operation="create", values=body, planned=planned)
    return Intent("create", request=request, what="create")


def _server_write(command: Write) -> Intent:
    """A declared operation on the server the member named."""
    request = Request(operation=command.operation, target=command.server, values=command.values)
    target = parse_reference(command.server)
    return Intent(command.action, request=request, target=target, what=command.word)


def planned_server(services: Services, command: Create) -> Server:
    """The server a create will make, to show in a prompt before it exists."""
    plan = next((p for p in services.catalog.plans if p.id == command.plan_id), None)
    system = next((o for o in services.catalog.operating_systems if o.id == command.os_id), None)
    return Server(
        id=0,
        name=command.name,
        hostname=command.hostname,
        status="planned",
        location=command.location,
        plan=plan.model_dump()
        if plan
        else {"id": command.plan_id, "name": f"plan {command.plan_id}"},
        os=system.model_dump() if system else {"id": command.os_id, "name": f"OS {command.os_id}"},
        backups_enabled=command.backups_enabled,
    )


def _audit_intent(reference: str | None, page: AuditPageState | None = None) -> Intent:
    """The audit log knows servers the API no longer has: a name is taken as typed, an id is
    named by the API when it still exists (the policy's `servers:` globs need a name). A page
    further back (`page`, from the Older button) is the same question, asked again."""
    state = page or AuditPageState(about=reference[:500] if reference is not None else None)
    run = partial(audit_log.audit_log, page=state, replace_page=page is not None)
    if reference is None:
        return Intent("audit", run, what="audit")
    ref = parse_reference(reference)
    find = partial(_audited, ref=ref)
    return Intent("audit", run, target=ref, find=find, what="audit")


async def _audited(ctx: RequestContext, *, ref: ServerRef | BadReference) -> Server | Stop:
    """The server an audit asks about: a bad reference is said at once."""
    if isinstance(ref, BadReference):
        await ctx.reply.ephemeral(build_note(unresolved(ref), icon=":mag:"))
        return STOP
    return await _known_as(ctx, ref)


async def _known_as(ctx: RequestContext, ref: ServerRef) -> Server:
    if ref.id is None:
        return Server(id=0, name=ref.text, status="unknown")
    try:
        return await ctx.servers.get(ref.id)
    except VPSNotFound:
        return Server(id=ref.id, name="", status="deleted")


# -- buttons and forms ------------------------------------------------------------------------


async def run_card_action(services: Services, caller: Caller, verb: str, value: str) -> None:
    """Start / Stop / Reboot / Delete on a card: the same request as the typed command."""
    command = Write(operation=verb, server=f"#{value}")
    await perform(services.context(caller), services.gate, _server_write(command))


async def show_card(services: Services, caller: Caller, value: str, *, replace: bool) -> None:
    """Show (on a list row: a new card) / Refresh (on a card: in place)."""
    target = parse_reference(f"#{value}")
    intent = Intent(
        "show", partial(reads.card, gate=services.gate, replace=replace), target=target, what="card"
    )
    await perform(services.context(caller), services.gate, intent)


async def show_list_page(services: Services, caller: Caller, value: str) -> None:
    """Next / Previous on a server list: the same list, another page, in place."""
    try:
        filters, page = ListFilters.from_value(value)
    except ValueError:
        return  # not a value we made
    intent = Intent(
        "list", partial(reads.list_page, filters=filters, page=page, replace=True), what="list page"
    )
    await perform(services.context(caller), services.gate, intent)


async def show_audit_page(services: Services, caller: Caller, value: str) -> None:
    """Older / Newest on an audit page: the same question, another page, in place (asked of
    the gate again: the reader's rights are those of now)."""
    page = AuditPageState.load(value)
    if page is None:
        return  # not a value we made
    intent = _audit_intent(page.about, page)
    await perform(services.context(caller), services.gate, intent)


async def confirm_clicked(services: Services, caller: Caller, confirmation_id: str) -> None:
    """The prompt's danger button."""
    intent = partial(confirmations.confirm_intent, confirmation_id=confirmation_id)
    await perform(services.context(caller), services.gate, intent)


async def approval_clicked(
    services: Services, caller: Caller, approval_id: str, *, approve: bool
) -> None:
    """Approve or Reject on an approval request (in the ops channel or /vps approvals):
    Approve decides at once; Reject first asks for an optional reason (a form)."""
    ctx, choice = services.context(caller), approvals.Choice(approve, ask_reason=not approve)
    what = "approve" if approve else "reject"
    await perform_step(ctx, what, approvals.decide(ctx, services.gate, approval_id, choice))


async def reject_submitted(
    services: Services, user_id: str, state: RejectFormState, reason: str
) -> None:
    """The reject form: the rejection, with its reason, decided as a click would be."""
    caller = state.caller(user_id)
    ctx, choice = services.context(caller), approvals.Choice(False, reason=reason.strip())
    await perform_step(ctx, "reject", approvals.decide(ctx, services.gate, state.approval, choice))


async def cancel_clicked(services: Services, caller: Caller, confirmation_id: str) -> None:
    """The prompt's Cancel button."""
    await perform(services.context(caller), services.gate, confirmations.cancel(confirmation_id))


async def delete_submitted(
    services: Services, user_id: str, state: DeleteFormState, typed: str
) -> None:
    """A delete form whose typed name matched: authorize again, claim, delete once."""
    caller = state.caller(user_id)
    intent = partial(confirmations.confirm_intent, confirmation_id=state.confirmation, typed=typed)
    await perform(services.context(caller), services.gate, intent)


async def create_submitted(
    services: Services, user_id: str, state: CreateFormState, command: Create
) -> None:
    """A valid create form: the same request as `/vps create …` typed where it was opened."""
    caller = state.caller(user_id)
    await perform(services.context(caller), services.gate, create_intent(services, command))
