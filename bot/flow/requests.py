"""Run one `/vps …` line (or a card button) for a caller: parse, check, answer."""

from __future__ import annotations

import json
import logging

from slack_sdk.errors import SlackApiError

from bot.commands import (
    COMMANDS,
    POLICY_ACTIONS,
    Audit,
    Command,
    Create,
    CreateModal,
    Help,
    ListServers,
    ParseError,
    Rename,
    ServerAction,
    SetFields,
    Show,
    Update,
    Whoami,
    parse,
    usage,
)
from bot.flow.caller import Caller
from bot.flow.guard import denied_before_lookup, guarded, permitted
from bot.flow.operations import Operation
from bot.flow.reply import Reply
from bot.flow.services import Services
from bot.flow.writes import request_write
from bot.policy import Request, allowed_actions, decide
from bot.resolve import Ambiguous, NotFound, filter_servers, resolve_server
from bot.slack.blocks import (
    CARD_ACTION_ORDER,
    LIST_PAGE_SIZE,
    ListFilters,
    build_create_modal,
    build_error,
    build_help,
    build_server_card,
    build_server_list,
    build_whoami,
)
from bot.slack.blocks.notes import build_audit, build_note
from bot.vps import Server, ServerStatus, VPSNotFound

logger = logging.getLogger(__name__)


async def run_command(services: Services, caller: Caller, text: str) -> None:
    """Answer a `/vps` line; every outcome, even an unexpected failure, reaches the caller."""
    reply = services.reply_to(caller)
    try:
        command = parse(text, services.catalog)
    except ParseError as exc:
        hint = usage(exc.command, services.command) if exc.command else None
        await reply.ephemeral(build_note(exc.message, hint=hint))
        return

    async def act() -> None:
        await dispatch(services, caller, reply, command)

    await guarded(services, caller, reply, act, what=command.word)


async def dispatch(services: Services, caller: Caller, reply: Reply, command: Command) -> None:
    """Run a parsed command."""
    match command:
        case Help():
            await _help(services, caller, reply)
        case Whoami():
            await _whoami(services, caller, reply)
        case ListServers():
            filters = ListFilters(command.status, command.location, command.text)
            await show_list(services, caller, reply, filters, page=1, replace=False)
        case Show():
            server = await _resolve(services, reply, command.server)
            if server:
                await show_card(services, caller, reply, server.id, replace=False)
        case Audit():
            await _audit(services, reply, command.server)
        case CreateModal():
            await _open_create_modal(services, caller, reply)
        case Create():
            await request_write(services, caller, reply, create_operation(services, command))
        case Rename() | SetFields() | Update() | ServerAction():
            if await denied_before_lookup(
                services, caller, reply, command.action or "", command.server
            ):
                return
            server = await _resolve(services, reply, command.server)
            if server:
                await request_write(services, caller, reply, _operation(command, server))


def _operation(command: Rename | SetFields | Update | ServerAction, server: Server) -> Operation:
    match command:
        case Rename() | SetFields():
            return Operation("patch", command.word, server, command.to_request().body())
        case Update():
            body = {
                "name": command.name,
                "hostname": command.hostname,
                "backups_enabled": command.backups_enabled,
            }
            return Operation("put", "update", server, body)
        case ServerAction():
            return Operation(command.verb, command.verb, server)


def create_operation(services: Services, command: Create) -> Operation:
    """The write a checked `create` (typed or from the form) asks for."""
    body = command.to_request().model_dump(exclude_none=True)
    return Operation("create", "create", planned_server(services, command), body)


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


async def _resolve(services: Services, reply: Reply, reference: str) -> Server | None:
    """The server a reference means, or None after telling the caller why not."""
    ref = reference.strip()
    if ref.startswith("#") and ref[1:].isdigit():  # an id, and only an id: one request
        try:
            return await services.vps.get_server(int(ref[1:]))
        except VPSNotFound:
            missing = NotFound(reference=ref, slash_command=services.command)
            await reply.ephemeral(build_note(missing.message, icon=":mag:"))
            return None
    found = resolve_server(
        reference, await services.vps.list_servers(), slash_command=services.command
    )
    if isinstance(found, NotFound | Ambiguous):
        await reply.ephemeral(build_note(found.message, icon=":mag:"))
        return None
    return found


async def show_list(
    services: Services,
    caller: Caller,
    reply: Reply,
    filters: ListFilters,
    *,
    page: int,
    replace: bool,
) -> None:
    """A page of the server list, filtered; `replace` edits the list a paging button was on."""
    if not await permitted(services, caller, reply, "list"):
        return
    servers = await services.vps.list_servers(status=filters.status, location=filters.location)
    if filters.text:
        servers = filter_servers(servers, filters.text)
    pages = max(1, -(-len(servers) // LIST_PAGE_SIZE))
    page = min(max(page, 1), pages)
    start = (page - 1) * LIST_PAGE_SIZE
    message = build_server_list(
        servers[start : start + LIST_PAGE_SIZE],
        page=page,
        page_size=LIST_PAGE_SIZE,
        total=len(servers),
        filters=filters,
        command=services.command,
    )
    await (reply.replace(message) if replace else reply.ephemeral(message))


async def show_card(
    services: Services, caller: Caller, reply: Reply, server_id: int, *, replace: bool
) -> None:
    """A server's card with the buttons this caller may use here."""
    try:
        server = await services.vps.get_server(server_id)
    except VPSNotFound:
        await reply.ephemeral(build_note(f"Server #{server_id} no longer exists.", icon=":mag:"))
        return
    if not await permitted(services, caller, reply, "show", server):
        return
    actions = []
    for action in _sensible_actions(server.status):
        request = Request(
            caller.user_id, caller.channel_id, caller.channel_name, action, server.name
        )
        if (await decide(services.policy, request, services.groups)).allowed:
            actions.append(action)
    message = build_server_card(server, actions=actions, command=services.command)
    await (reply.replace(message) if replace else reply.ephemeral(message))


# What a card offers for each status: a running server can't be started, a stopped one can't
# be stopped or rebooted, one in transition or suspended can only be deleted.
_ACTIONS_BY_STATUS = {
    "active": ("stop", "reboot", "delete"),
    "stopped": ("start", "delete"),
}


def _sensible_actions(status: str) -> tuple[str, ...]:
    """The card actions that make sense for a server in `status` (all for a status unknown)."""
    if status in _ACTIONS_BY_STATUS:
        return _ACTIONS_BY_STATUS[status]
    known = {s.value for s in ServerStatus}
    return ("delete",) if status in known else CARD_ACTION_ORDER


async def _help(services: Services, caller: Caller, reply: Reply) -> None:
    allowed = {
        d.action
        for d in await allowed_actions(
            services.policy, caller.user_id, caller.channel_id, caller.channel_name, services.groups
        )
        if d.allowed
    }
    lines = [
        (usage(word, services.command), "")
        for word in COMMANDS
        if POLICY_ACTIONS[word] is None or POLICY_ACTIONS[word] in allowed
    ]
    await reply.ephemeral(build_help(services.command, lines))


async def _whoami(services: Services, caller: Caller, reply: Reply) -> None:
    decisions = await allowed_actions(
        services.policy, caller.user_id, caller.channel_id, caller.channel_name, services.groups
    )
    lines = [(d.action, d.allowed, d.reason) for d in decisions]
    await reply.ephemeral(build_whoami(caller.user_id, caller.channel_id, lines))


async def _audit(services: Services, reply: Reply, reference: str | None) -> None:
    about: int | str | None = None
    if reference:
        ref = reference.strip()
        about = int(ref.lstrip("#")) if ref.lstrip("#").isdigit() else ref
    entries = await services.store.list_audit(about, limit=20)
    await reply.ephemeral(build_audit(entries, about=reference))


async def _open_create_modal(services: Services, caller: Caller, reply: Reply) -> None:
    if not await permitted(services, caller, reply, "create"):
        return
    metadata = json.dumps(
        {
            "channel_id": caller.channel_id,
            "channel_name": caller.channel_name,
            "response_url": caller.response_url,
        }
    )
    view = build_create_modal(services.catalog, private_metadata=metadata)
    try:
        await services.slack.views_open(trigger_id=caller.trigger_id or "", view=view)
    except SlackApiError as exc:
        logger.warning("could not open the create form: %s", exc.response.get("error"))
        await reply.ephemeral(
            build_error(
                "Slack would not open the create form in time.",
                hint=f"Run `{services.command} create` again, or give the values on the line.",
            )
        )


async def run_card_action(services: Services, caller: Caller, verb: str, server_id: int) -> None:
    """A Start/Stop/Reboot/Delete button on a card: the same checks as the typed command."""
    reply = services.reply_to(caller)

    async def act() -> None:
        if await denied_before_lookup(services, caller, reply, verb, f"#{server_id}"):
            return
        try:
            server = await services.vps.get_server(server_id)
        except VPSNotFound:
            await reply.ephemeral(
                build_note(f"Server #{server_id} no longer exists.", icon=":mag:")
            )
            return
        await request_write(services, caller, reply, Operation(verb, verb, server))  # type: ignore[arg-type]

    await guarded(services, caller, reply, act, what=f"{verb} button")
