"""The operations the bot ships with, each declared once (loaded by `bot.operations`).

The declaration order is the order of help, of the command list and of a card's buttons.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from bot.operations import Done, Operation, Syntax, Wording, declare

if TYPE_CHECKING:  # the policy reads the declarations before the bot listens: kept light
    from bot.operations.change import Change
    from bot.vps import ActionResult, VPSClient

_CHANGES = ("name", "hostname", "backups")
_CHANGE_WORDING = "Change {ref} as follows:"


# --- the API calls (the client has one method per endpoint) ---------------------------------


async def _create(vps: VPSClient, change: Change) -> Done:
    from bot.vps import ServerCreate

    server = await vps.create_server(ServerCreate.model_validate(change.values))
    return Done(server, server.message, server.status)


async def _patch(vps: VPSClient, change: Change) -> Done:
    from bot.vps import ServerUpdate

    server = await vps.update_server(change.server.id, ServerUpdate.model_validate(change.values))
    return Done(server, change.summary(), server.status)


async def _put(vps: VPSClient, change: Change) -> Done:
    values = change.values
    server = await vps.replace_server(
        change.server.id,
        name=values["name"],
        hostname=values["hostname"],
        backups_enabled=values["backups_enabled"],
    )
    return Done(server, change.summary(), server.status)


async def _delete(vps: VPSClient, change: Change) -> Done:
    await vps.delete_server(change.server.id)
    return Done(None, "Deleted permanently.", None)


# --- the values, checked as typed (the command line's checks, loaded when first used) ----------


def _rename_values(words: tuple[str, ...], options: Mapping[str, str]) -> Mapping[str, Any]:
    from bot.commands.checks import Collector
    from bot.commands.fields import check_name

    values = Collector({"name": words[0]})
    name = values.take("name", check_name, "")
    values.raise_errors("rename")
    return {"name": name}


def _set_values(words: tuple[str, ...], options: Mapping[str, str]) -> Mapping[str, Any]:
    from bot.commands.values import ParseError
    from bot.vps import ServerUpdate

    if not options:
        raise ParseError("needs-one", "set", choices=_CHANGES, detail="set web-01 backups:on")
    return ServerUpdate(**_checked(options, "set", None, None)).body()


def _update_values(words: tuple[str, ...], options: Mapping[str, str]) -> Mapping[str, Any]:
    return _checked(options, "update", "", False)


def _checked(
    options: Mapping[str, str], command: str, blank: str | None, off: bool | None
) -> dict[str, Any]:
    """The fields a `set` or an `update` changes, checked; `blank` and `off` stand for a field
    not given."""
    from bot.commands.checks import Collector
    from bot.commands.fields import check_backups, check_hostname, check_name

    values = Collector(options)
    changes = {
        "name": values.take("name", check_name, blank),
        "hostname": values.take("hostname", check_hostname, blank),
        "backups_enabled": values.take("backups", check_backups, off),
    }
    values.raise_errors(command)
    return changes


# --- the declarations ------------------------------------------------------------------------

declare(
    Operation(
        name="create",
        call=_create,
        targets_server=False,
        followed=True,
        leads_to="active",
        syntax=Syntax(
            usage="/vps create <name> plan:<id|name> os:<id|name> location:<code> "
            "[hostname:<fqdn>] [ssh-key:<id>] [backups:on|off]",
            what="a new server (`/vps create` alone opens a form)",
            example='/vps create web-02 plan:1 os:"Debian 12" location:us-west backups:on',
            words=(0, 1),
            takes="only the name before the options",
            options=("name", "plan", "os", "location", "hostname", "ssh-key", "backups"),
        ),
        wording=Wording(
            label="Create",
            done="is being created",
            consequence="Create a new server {ref}:",
            doing="being created",
        ),
    )
)
declare(
    Operation(
        name="rename",
        action="update",
        call=_patch,
        syntax=Syntax(
            usage="/vps rename <server> <new-name>",
            what="a new name",
            example="/vps rename web-01 web-01-old",
            words=(2, 2),
            needs="a server and the new name, like `rename web-01 web-02`",
            takes="a server and one new name",
            values=_rename_values,
        ),
        wording=Wording(label="Rename", done="was renamed", consequence=_CHANGE_WORDING),
    )
)
declare(
    Operation(
        name="set",
        action="update",
        call=_patch,
        several=True,  # `set … backups:` on several servers; a name stays one server's
        syntax=Syntax(
            usage="/vps set <server> [name:<name>] [hostname:<fqdn>] [backups:on|off]",
            what="change only the fields given",
            example="/vps set web-01 backups:on",
            options=_CHANGES,
            values=_set_values,
        ),
        wording=Wording(label="Update", done="was updated", consequence=_CHANGE_WORDING),
    )
)
declare(
    Operation(
        name="update",
        call=_put,
        syntax=Syntax(
            usage="/vps update <server> name:<name> hostname:<fqdn> backups:on|off",
            what="replace all three",
            example="/vps update web-01 name:web-01 hostname:web-01.example.com backups:off",
            options=_CHANGES,
            required=_CHANGES,
            values=_update_values,
        ),
        wording=Wording(label="Update", done="was updated", consequence=_CHANGE_WORDING),
    )
)


def _declare_power(
    name: str,
    method: Callable[[VPSClient, int], Awaitable[ActionResult]],
    *,
    runs_from: str,
    leads_to: str,
    what: str,
    example: str,
    doing: str,
    consequence: str,
    refusal: str,
    style: str | None = None,
) -> None:
    """Start, stop and reboot: one POST each, a card button each, followed to the status they
    lead to; refused (`refusal`) from the other steady status than `runs_from`."""

    async def call(vps: VPSClient, change: Change) -> Done:
        result = await method(vps, change.server.id)
        return Done(None, result.message, result.server.status)

    refused_from = "active" if runs_from == "stopped" else "stopped"
    declare(
        Operation(
            name=name,
            call=call,
            runs_from=frozenset({runs_from}),
            leads_to=leads_to,
            followed=True,
            on_card=True,
            several=True,
            syntax=Syntax(usage=f"/vps {name} <server>", what=what, example=example),
            wording=Wording(
                label=name.capitalize(),
                done=f"is {doing}",
                consequence=consequence,
                doing=doing,
                refusals={refused_from: refusal},
                style=style,
            ),
        )
    )


_declare_power(
    "start",
    lambda vps, server_id: vps.start_server(server_id),
    runs_from="stopped",
    leads_to="active",
    what="power on a stopped server",
    example="/vps start web-01",
    doing="starting",
    consequence="Start {ref}. It boots and should be active within a few minutes.",
    refusal="is already running; there is nothing to start.",
    style="primary",
)
_declare_power(
    "stop",
    lambda vps, server_id: vps.stop_server(server_id),
    runs_from="active",
    leads_to="stopped",
    what="shut a running server down",
    example="/vps stop web-01",
    doing="stopping",
    consequence="Gracefully shut down {ref}. It stays stopped until someone starts it.",
    refusal="is already stopped.",
)
_declare_power(
    "reboot",
    lambda vps, server_id: vps.reboot_server(server_id),
    runs_from="active",
    leads_to="active",
    what="restart a running server",
    example="/vps reboot #12345",
    doing="rebooting",
    consequence="Reboot {ref}. It is unreachable for a minute or two while it restarts.",
    refusal="is stopped, so it can't be rebooted; start it instead.",
)
declare(
    Operation(
        name="delete",
        call=_delete,
        leads_to="deleted",
        on_card=True,
        syntax=Syntax(
            usage="/vps delete <server>", what="delete it for good", example="/vps delete web-01"
        ),
        wording=Wording(
            label="Delete",
            done="was deleted",
            consequence="Permanently delete {ref} and everything on it. *This cannot be undone.*",
        ),
    )
)
