"""The create modal: `/vps create` with no arguments asks for the same fields here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    InputInteractiveElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.catalog import Catalog
from bot.slack import ids
from bot.slack import text as slack_text
from bot.slack.blocks import limits
from bot.slack.blocks.card import plan_summary
from bot.slack.blocks.core import context, modal, plain_text
from bot.vps.models import OperatingSystem, Plan

__all__ = ["BACKUPS_ON", "build_create_modal"]

BACKUPS_ON = "on"
"""The value of the backups checkbox when it is ticked."""

_TRUTHY = frozenset({"on", "true", "yes", "1"})
_HINTS = {
    ids.CREATE_NAME: "Letters, digits and hyphens.",
    ids.CREATE_HOSTNAME: "A fully qualified domain name.",
    ids.CREATE_SSH_KEY: "The id of an SSH key in your VPS.org account.",
}


def build_create_modal(
    catalog: Catalog, *, private_metadata: str, values: Mapping[str, str] | None = None
) -> View:
    """The create form; `values` (keyed by the ids.CREATE_* block ids) pre-fills it.

    Selects list the catalog (at most 100 entries each). A catalog list that is empty becomes a
    free-text input with the same block and action ids, so the form still works.
    """
    given = dict(values or {})
    for block_id, find in ((ids.CREATE_PLAN, catalog.find_plan), (ids.CREATE_OS, catalog.find_os)):
        found = find(given[block_id]) if given.get(block_id) else None
        if found is not None:  # a plan or system typed by name is chosen by its id
            given[block_id] = str(found.id)
    plans = [(str(p.id), _plan_text(p)) for p in catalog.plans]
    systems = [(str(o.id), _os_text(o)) for o in catalog.operating_systems]
    places = [(loc.code, _location_text(loc.code, loc.name)) for loc in catalog.locations]
    blocks: list[Block] = [
        _text_input(given, ids.CREATE_NAME, "Name", "web-server-01"),
        _select(given, ids.CREATE_PLAN, "Plan", plans, "Choose a plan"),
        _select(given, ids.CREATE_OS, "Operating system", systems, "Choose an operating system"),
        _select(given, ids.CREATE_LOCATION, "Location", places, "Choose a location"),
        _text_input(given, ids.CREATE_HOSTNAME, "Hostname", "web-01.example.com", optional=True),
        _text_input(given, ids.CREATE_SSH_KEY, "SSH key id", "42", optional=True),
        _backups(given.get(ids.CREATE_BACKUPS)),
        context("The server is created when you press *Create*; it takes a few minutes to boot."),
    ]
    return modal(
        ids.CREATE_MODAL,
        private_metadata=private_metadata,
        title="Create a server",
        submit="Create",
        blocks=blocks,
    )


def _plan_text(plan: Plan) -> str:
    """ "Standard VPS — 2 vCPU, 4 GB RAM, 80 GB disk", the name cut to leave the size whole."""
    summary = plan_summary(plan, transfer=False).replace(" · ", ", ")
    suffix = f" — {summary}" if summary else ""
    room = limits.OPTION_TEXT - len(suffix)
    if room < 12:  # a size too long to show beside the name: the name goes first
        return slack_text.plain(plan.name + suffix, limits.OPTION_TEXT)
    return slack_text.plain(plan.name, room) + suffix


def _os_text(system: OperatingSystem) -> str:
    return slack_text.plain(system.name, limits.OPTION_TEXT)


def _location_text(code: str, name: str) -> str:
    label = f"{name} ({code})" if name and name != code else code
    return slack_text.plain(label, limits.OPTION_TEXT)


def _select(
    given: Mapping[str, str],
    block_id: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    placeholder: str,
) -> InputBlock:
    """A required static select of (value, text) choices, or a text input if there are none."""
    options: list[Option] = []
    seen: set[str] = set()
    for value, text in choices:
        if value in seen or not 0 < len(value) <= limits.OPTION_VALUE:
            continue  # Slack refuses a value it cannot send back, or one it cannot tell apart
        seen.add(value)
        shown = text or slack_text.plain(value, limits.OPTION_TEXT) or "—"
        options.append(Option(value=value, text=plain_text(shown)))
    options = options[: limits.OPTIONS]
    if not options:
        return _text_input(given, block_id, label, None)
    wanted = given.get(block_id, "").strip().casefold()
    chosen = next((o for o in options if o.value.casefold() == wanted), None)
    element = StaticSelectElement(
        action_id=block_id + ids.INPUT_SUFFIX,
        placeholder=plain_text(placeholder),
        options=options,
        initial_option=chosen,
    )
    return InputBlock(block_id=block_id, label=plain_text(label), element=element)


def _text_input(
    given: Mapping[str, str],
    block_id: str,
    label: str,
    placeholder: str | None,
    *,
    optional: bool = False,
) -> InputBlock:
    initial = given.get(block_id)
    prefill = slack_text.plain(initial.strip(), limits.INPUT_VALUE) if initial else ""
    element = PlainTextInputElement(
        action_id=block_id + ids.INPUT_SUFFIX,
        placeholder=plain_text(placeholder) if placeholder else None,
        initial_value=prefill or None,
    )
    return _input(block_id, label, element, hint=_HINTS.get(block_id), optional=optional)


def _backups(initial: str | None) -> InputBlock:
    option = Option(value=BACKUPS_ON, text=plain_text("Enable automatic backups"))
    ticked = (initial or "").strip().lower() in _TRUTHY
    element = CheckboxesElement(
        action_id=ids.CREATE_BACKUPS + ids.INPUT_SUFFIX,
        options=[option],
        initial_options=[option] if ticked else None,
    )
    return _input(ids.CREATE_BACKUPS, "Backups", element, hint=None, optional=True)


def _input(
    block_id: str,
    label: str,
    element: InputInteractiveElement,
    *,
    hint: str | None,
    optional: bool,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=plain_text(label),
        element=element,
        hint=plain_text(hint) if hint else None,
        optional=optional or None,
    )
