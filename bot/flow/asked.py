"""The `Request` a typed command or a create form makes: one server's, a plan's, a create's."""

from __future__ import annotations

from bot.catalog import Catalog
from bot.commands import values as cmd
from bot.flow.caller import Caller
from bot.operations.change import Request
from bot.vps import Server


def typed_request(caller: Caller, command: cmd.Write | cmd.PlanWrite) -> Request:
    """The request a typed write makes: one server's, or a plan's."""
    if isinstance(command, cmd.Write):
        return Request(
            operation=command.operation,
            target=command.server,
            values=dict(command.values),
            member=caller.member,
        )
    return Request(
        operation=command.operation,
        values=dict(command.values),
        member=caller.member,
        selector=command.selector,
        plan=command.options,
    )


def create_request(catalog: Catalog, caller: Caller, command: cmd.Create) -> Request:
    """A create, typed or from the form: checked on the name the new server will have."""
    body = command.to_request().model_dump(exclude_none=True)
    planned = planned_server(catalog, command)
    return Request(operation="create", values=body, planned=planned, member=caller.member)


def planned_server(catalog: Catalog, command: cmd.Create) -> Server:
    """The server a create will make, to show in a prompt before it exists."""
    plan = next((p for p in catalog.plans if p.id == command.plan_id), None)
    system = next((o for o in catalog.operating_systems if o.id == command.os_id), None)
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
