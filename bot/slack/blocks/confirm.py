"""The confirmation step: the ephemeral prompt, the delete modal and what replaces the prompt."""

from __future__ import annotations

import re
from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.operations import find
from bot.slack import ids
from bot.slack import text as slack_text
from bot.slack.blocks import limits
from bot.slack.blocks.core import (
    NAME_LIMIT,
    Message,
    action_label,
    bold_name,
    button,
    code_of,
    context,
    duration,
    fallback,
    fields_section,
    ip_field,
    location_field,
    modal,
    one_section,
    plain_of,
    plain_text,
    safe,
    section,
    server_ref,
    server_ref_plain,
    status_field,
)
from bot.vps.models import Server

__all__ = ["build_confirm_prompt", "build_delete_modal", "build_prompt_outcome"]

_SHORTCODE = re.compile(r":[a-z0-9_+-]{1,60}:")


def build_confirm_prompt(
    *,
    action: str,
    server: Server,
    confirmation_id: str,
    expires_in: float,
    changes: Sequence[tuple[str, str]] = (),
) -> Message:
    """The ephemeral "are you sure?" for `action` on `server`, with a danger button and Cancel.

    `changes` are (field, new value) pairs of raw text, shown for update and create. For create,
    `server` describes the server to be made; its id is not shown.
    """
    _check_id(confirmation_id, limits.BUTTON_VALUE)
    verb = action_label(action)  # plain text, for the button
    verb_md = safe(verb, 40)
    key = action.strip().lower()
    is_create = key == "create"
    ref = server_ref(server.name, None if is_create else server.id)
    icon = ":rotating_light:" if key == "delete" else ":warning:"
    op = find(key)
    consequence = op.wording.consequence if op is not None else "{verb} {ref}."
    blocks: list[Block] = [
        section(f"{icon} *{verb_md} {safe(server.name, NAME_LIMIT) or '(unnamed)'}?*"),
        # replace(), not format(): the verb of an unknown action is outside text
        section(consequence.replace("{verb}", verb_md).replace("{ref}", ref)),
        fields_section(_create_fields(server) if is_create else _identity_fields(server)),
    ]
    if changes:
        blocks.append(fields_section(_change_fields(changes)))
    if key == "delete":
        blocks.append(context(":keyboard: Next you type the server's name, to be sure."))
    name_room = limits.BUTTON_TEXT - len(verb) - 1
    blocks.append(
        ActionsBlock(
            elements=[
                button(
                    f"{verb} {plain_of(server.name, name_room)}",
                    action_id=ids.CONFIRM,
                    value=confirmation_id,
                    style="danger",
                    emoji=False,
                ),
                button("Cancel", action_id=ids.CANCEL, value=confirmation_id),
            ]
        )
    )
    blocks.append(context(f":lock: Only you can confirm. Expires in {duration(expires_in)}."))
    subject = server_ref_plain(server.name, None if is_create else server.id)
    return Message(text=fallback(f"Confirm: {verb_md.lower()} {subject}?"), blocks=blocks)


def build_delete_modal(
    *, server: Server, confirmation_id: str, private_metadata: str | None = None
) -> View:
    """The last step of a delete: the caller types the server's name into this modal.

    `private_metadata` defaults to the confirmation id; the flow adds where to answer.
    """
    _check_id(confirmation_id, limits.PRIVATE_METADATA)
    metadata = private_metadata if private_metadata is not None else confirmation_id
    warning = (
        f":rotating_light: This permanently deletes {server_ref(server.name, server.id)} "
        "and everything on it. *This cannot be undone.*"
    )
    name_input = InputBlock(
        block_id=ids.DELETE_NAME_BLOCK,
        label=plain_text("Type the server's name to confirm"),
        element=PlainTextInputElement(action_id=ids.DELETE_NAME_INPUT),
        hint=plain_text(f"Type {slack_text.as_shown(server.name)[:1900] or '—'} exactly."),
    )
    return modal(
        ids.DELETE_MODAL,
        private_metadata=metadata,
        title="Delete server",
        submit="Delete",
        blocks=[section(warning), fields_section(_identity_fields(server)), name_input],
    )


def build_prompt_outcome(text: str, *, emoji: str | None = None) -> Message:
    """What replaces a prompt after a click; `text` is plain words (escaped here)."""
    shown = safe(text, limits.SECTION_TEXT - 80) or "Done."
    icon = emoji if emoji and _SHORTCODE.fullmatch(emoji) else ""
    return one_section(f"{icon} {shown}" if icon else shown, shown)


def _identity_fields(server: Server) -> list[tuple[str, str]]:
    """Name and id, IP, location and status: enough to be sure which server this is."""
    return [
        ("Server", f"{bold_name(server.name)} · #{server.id}"),
        ip_field(server),
        location_field(server),
        status_field(server),
    ]


def _create_fields(server: Server) -> list[tuple[str, str]]:
    """The spec of a server to be created."""
    fields = [
        ("Name", bold_name(server.name)),
        ("Location", safe(server.location, 100) if server.location else "—"),
        ("Plan", safe(server.plan.name, 100) if server.plan else "—"),
        ("Operating system", safe(server.os.name, 100) if server.os else "—"),
    ]
    if server.hostname:
        fields.append(("Hostname", code_of(server.hostname)))
    if server.backups_enabled is not None:
        fields.append(("Backups", "On" if server.backups_enabled else "Off"))
    return fields


def _change_fields(changes: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Up to ten (field, new value) pairs; past that, the last one says how many more."""
    shown = [
        (safe(label, 100) or "—", safe(value, 1000) or "_(empty)_") for label, value in changes
    ]
    if len(shown) > limits.SECTION_FIELDS:
        extra = len(shown) - limits.SECTION_FIELDS + 1
        shown = [*shown[: limits.SECTION_FIELDS - 1], ("…", f"and {extra} more")]
    return shown


def _check_id(confirmation_id: str, limit: int) -> None:
    """A confirmation id must fit where it goes: cutting it would make it useless."""
    if not confirmation_id or len(confirmation_id) > limit:
        raise ValueError(f"confirmation id must be 1 to {limit} characters")
    if slack_text.plain(confirmation_id, limit) != confirmation_id:
        raise ValueError("confirmation id must be printable single-line text")
