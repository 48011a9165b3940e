"""Block Kit as terminal lines: headers, sections with aligned fields, dimmed context, numbered
buttons and menus. Pure: blocks (any JSON at all) in, lines and numbered controls out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.console.mrkdwn import BOLD, DIM, GREEN, RED, Names, Style, mrkdwn, plain, width

__all__ = ["Control", "Rendered", "render_blocks", "render_message"]

_MENUS = {"static_select", "overflow", "radio_buttons"}
_FIELD = re.compile(r"\A\*([^*\n]{1,40})\*\n(.*)\Z", re.DOTALL)
_MAX_LABEL = 20
_RULE = "─" * 40


@dataclass(frozen=True)
class Control:
    """A numbered button or menu of a message, and what clicking or choosing it needs."""

    number: int
    kind: str  # "button", or the menu's element type
    label: str  # plain text, no colour
    action_id: str
    button_index: int | None = None  # its place among the message's buttons
    options: tuple[tuple[str, str], ...] = ()  # (value, text) of a menu
    style: str | None = None
    url: str | None = None


@dataclass
class Rendered:
    """What a message or view looks like: its lines, and its controls by number."""

    lines: list[str] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)


def render_message(
    text: object, blocks: object, attachments: object, style: Style, names: Names
) -> Rendered:
    """A message: its blocks, else its text; then its attachments, each behind a bar."""
    out = render_blocks(blocks, style, names)
    if not out.lines:
        out.lines = mrkdwn(text, style, names).split("\n") if text else []
    for attachment in _list(attachments):
        # Buttons in legacy attachments are shown but not numbered: Slack's click payload for
        # them is not the one for blocks, and the bot sends none.
        inner = _attachment(_dict(attachment), style, names)
        out.lines += [style.paint("▌", DIM) + " " + line for line in inner.lines]
    return out


def render_blocks(
    blocks: object,
    style: Style,
    names: Names,
    *,
    skip_inputs: bool = False,
    first: int = 0,
    numbered: bool = True,
) -> Rendered:
    """Every block in order; controls are numbered from `first` + 1 (or shown unnumbered)."""
    painter = _Painter(style, names, first, numbered=numbered)
    for block in _list(blocks):
        item = _dict(block)
        if skip_inputs and item.get("type") == "input":
            continue
        try:
            painter.block(item)
        except Exception:  # a block we can't show must not stop the console
            painter.lines.append(style.paint("[a block that can't be shown here]", DIM))
    return Rendered(painter.lines, painter.controls)


class _Painter:
    """Turns blocks into lines, numbering controls as it meets them."""

    def __init__(self, style: Style, names: Names, first: int, *, numbered: bool = True) -> None:
        self.style, self.names = style, names
        self.lines: list[str] = []
        self.controls: list[Control] = []
        self.first = first
        self.numbered = numbered

    def md(self, obj: object, base: tuple[str, ...] = ()) -> str:
        """A text object as styled text (mrkdwn or plain_text)."""
        item = _dict(obj)
        if item.get("type") == "plain_text":
            return self.style.paint(plain(item.get("text"), emoji=item.get("emoji", True)), *base)
        return mrkdwn(
            item.get("text", obj if isinstance(obj, str) else ""), self.style, self.names, base=base
        )

    def block(self, block: dict[str, Any]) -> None:
        kind = block.get("type")
        if kind == "header":
            self.lines.append(self.style.paint(self.md(block.get("text")), BOLD))
        elif kind == "section":
            self.section(block)
        elif kind == "divider":
            self.lines.append(self.style.paint(_RULE, DIM))
        elif kind == "context":
            pieces = [self.context_piece(_dict(e)) for e in _list(block.get("elements"))]
            line = "  ·  ".join(p for p in pieces if p.strip())
            self.lines += [self.style.paint(part, DIM) for part in line.split("\n")]
        elif kind == "actions":
            shown = [self.control(_dict(e)) for e in _list(block.get("elements"))]
            self.lines.append("  ".join(s for s in shown if s))
        elif kind == "input":
            self.lines.append(f"✎ {self.md(block.get('label'))}")
        elif kind == "image":
            self.lines.append(self.style.paint(f"[image: {plain(block.get('alt_text'))}]", DIM))
        elif kind == "markdown":
            self.lines += plain(block.get("text")).split("\n")
        elif kind == "rich_text":
            self.lines += _rich_text(block, self.names).split("\n")
        else:
            name = plain(kind) if isinstance(kind, str) and kind else "unknown"
            self.lines.append(self.style.paint(f"[{name} block]", DIM))

    def context_piece(self, element: dict[str, Any]) -> str:
        if element.get("type") == "image":
            return f"[{plain(element.get('alt_text')) or 'image'}]"
        return self.md(element, (DIM,))

    def section(self, block: dict[str, Any]) -> None:
        text = self.md(block["text"]).split("\n") if "text" in block else []
        accessory = self.control(_dict(block.get("accessory")))
        if accessory:  # a row with a button: its further lines hang under the first
            text = (
                [f"{text[0]}  {accessory}", *(f"   {more}" for more in text[1:])]
                if text
                else [accessory]
            )
        self.lines += text
        pairs = [self.field(f) for f in _list(block.get("fields"))]
        column = min(max((width(label) for label, _ in pairs), default=0), _MAX_LABEL)
        for label, value in pairs:
            values = value.split("\n")
            pad = " " * max(column - width(label), 0)
            self.lines.append(f"  {label}{pad}  {values[0]}" if column else f"  {values[0]}")
            self.lines += [f"  {' ' * column}  {more}" for more in values[1:]]

    def field(self, obj: object) -> tuple[str, str]:
        """A field "*Label*\\nvalue" as (styled label, styled value)."""
        item = _dict(obj)
        match = _FIELD.match(str(item.get("text", ""))) if item.get("type") == "mrkdwn" else None
        if match is None:
            return "", self.md(obj)
        label = mrkdwn(match.group(1), self.style, self.names)
        return self.style.paint(label, BOLD), mrkdwn(match.group(2), self.style, self.names)

    def control(self, element: dict[str, Any]) -> str:
        """`[n] Label` for a button or menu (numbered), `[image]` for an image, else ''."""
        kind = str(element.get("type", ""))
        if kind == "image":
            return self.style.paint(f"[image: {plain(element.get('alt_text'))}]", DIM)
        if kind != "button" and kind not in _MENUS:
            return self.style.paint(f"[{plain(kind)}]", DIM) if kind else ""
        number = self.first + len(self.controls) + 1
        buttons = sum(1 for c in self.controls if c.kind == "button")
        label = plain(_dict(element.get("text")).get("text"), emoji=True) or "(no label)"
        if not self.numbered:
            return self.style.paint(f"[{label}]", DIM)
        options = tuple(options_of(element))
        if kind != "button":
            label = plain(_dict(element.get("placeholder")).get("text")) or "Choose"
        control = Control(
            number=number,
            kind=kind,
            label=label,
            action_id=str(element.get("action_id", "")),
            button_index=buttons if kind == "button" else None,
            options=options,
            style=element.get("style") if isinstance(element.get("style"), str) else None,
            url=element.get("url") if isinstance(element.get("url"), str) else None,
        )
        self.controls.append(control)
        return self.show(control)

    def show(self, control: Control) -> str:
        tag = self.style.paint(f"[{control.number}]", BOLD)
        if control.kind != "button":
            icon = "⋯" if control.kind == "overflow" else "▾"
            choices = "  ".join(f"{i}) {text}" for i, (_, text) in enumerate(control.options, 1))
            return f"{tag} {icon} {control.label}: {choices}"
        colour = {"danger": RED, "primary": GREEN}.get(control.style or "")
        label = self.style.paint(control.label, colour) if colour else control.label
        suffix = " (danger)" if control.style == "danger" else ""
        link = f" → {plain(control.url, emoji=False)}" if control.url else ""
        return f"{tag} {label}{suffix}{link}"


def _attachment(item: dict[str, Any], style: Style, names: Names) -> Rendered:
    out = render_blocks(item.get("blocks"), style, names, numbered=False)
    for key in ("pretext", "title", "text"):
        if item.get(key):
            out.lines += mrkdwn(item[key], style, names).split("\n")
    for entry in _list(item.get("fields")):
        pair = _dict(entry)
        out.lines.append(f"  {plain(pair.get('title'))}  {mrkdwn(pair.get('value'), style, names)}")
    if not out.lines and item.get("fallback"):
        out.lines.append(plain(item["fallback"]))
    return out


def options_of(element: dict[str, Any]) -> list[tuple[str, str]]:
    """A menu's (value, text) pairs, groups included."""
    found = list(_list(element.get("options")))
    for group in _list(element.get("option_groups")):
        found += _list(_dict(group).get("options"))
    return [
        (str(_dict(o).get("value", "")), plain(_dict(_dict(o).get("text")).get("text")))
        for o in found
    ]


def _rich_text(node: object, names: Names) -> str:
    """The words of a rich_text block (lists as bullets, sections as lines)."""
    if isinstance(node, list):
        return "".join(_rich_text(child, names) for child in node)
    item = _dict(node)
    kind = item.get("type")
    if kind in ("text", "link"):
        return plain(item.get("text") or item.get("url"), emoji=False)
    if kind == "emoji":
        return plain(f":{item.get('name', '')}:")
    if kind == "user":
        return "@" + (names.user_name(str(item.get("user_id", ""))) or "someone")
    if kind == "channel":
        return "#" + (names.channel_name(str(item.get("channel_id", ""))) or "channel")
    inner = _rich_text(item.get("elements"), names)
    if kind == "rich_text_list":
        return "".join(f"• {_rich_text(e, names)}\n" for e in _list(item.get("elements")))
    if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
        return inner + "\n"
    return inner


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
