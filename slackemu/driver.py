"""What a person does in Slack: run a slash command, click, choose, fill in a modal, close it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from slackemu import payloads
from slackemu.delivery import RawAck
from slackemu.events import Conversations
from slackemu.model import (
    Button,
    Channel,
    EmulatorUsageError,
    JsonObject,
    Message,
    User,
    View,
    pick_button,
)
from slackemu.records import Ack, Interaction
from slackemu.responses import Responder
from slackemu.signing import Signing
from slackemu.world import World

_CHOOSABLE = {"static_select", "overflow", "radio_buttons"}


class Driver(Conversations):
    """The person's side of the emulator; subclasses say how a request reaches the app."""

    def __init__(self, world: World, responder: Responder, verification_token: str) -> None:
        self.world = world
        self.responder = responder
        self.verification_token = verification_token

    async def _deliver(
        self,
        kind: str,
        data: JsonObject,
        *,
        accepts_response_payload: bool,
        signing: Signing | None,
    ) -> RawAck:
        raise NotImplementedError

    def _base_url(self) -> str:
        raise NotImplementedError

    # -- the person's actions -----------------------------------------------------------------
    async def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user: str,
        channel: str,
        signing: Signing | None = None,
    ) -> Ack:
        """Type ``/command text`` in a channel (``"/vps list"`` in one string works too)."""
        command, _, typed = command.strip().partition(" ")
        text = f"{typed.strip()} {text}".strip() if typed.strip() else text
        person = self.world.require_user(user)
        place = self.world.resolve_channel(channel)
        if place is None:
            raise EmulatorUsageError(f"unknown channel {channel!r}: call add_channel() first")
        it = self._interaction(
            "slash_commands", person, place, response_url=True, command=command, text=text
        )
        fields = payloads.slash_command(
            self.world.workspace, self.verification_token, person, place, it
        )
        raw = await self._deliver(
            "slash_commands", fields, accepts_response_payload=True, signing=signing
        )
        error = raw.error
        shown = payloads.message_for_ack(raw.body) if error is None else None
        if shown is not None:
            error = self.responder.respond(it, shown, via="ack")
        if error is not None:
            self.responder.slackbot_says(it, f'{command} failed with the error "{error}"')
        return self._record(Ack("slash_commands", raw.status, raw.body, raw.elapsed, it, error))

    async def click(
        self,
        target: Message | View,
        *,
        action_id: str | None = None,
        text: str | None = None,
        value: str | None = None,
        index: int | None = None,
        user: str | None = None,
        signing: Signing | None = None,
    ) -> Ack:
        """Click the button matching the selectors, in a message or the open modal."""
        person, channel = self._viewer(target, user)
        button = pick_button(
            target.buttons(), action_id=action_id, text=text, value=value, index=index
        )
        it = self._from(target, person, channel)
        action = payloads.button_action(button, self.world.next_ts())
        return await self._send_action(it, person, action, channel, signing)

    async def forge_click(
        self, message: Message, button: Button, *, user: str, signing: Signing | None = None
    ) -> Ack:
        """A correctly signed click by someone Slack never showed the button to.

        Slack itself cannot send this; a crafted or replayed request can. Security tests use it.
        """
        person, channel = self.world.require_user(user), self.world.channels[message.channel]
        it = self._from(message, person, channel)
        action = payloads.button_action(button, self.world.next_ts())
        return await self._send_action(it, person, action, channel, signing)

    async def forge_submit(
        self,
        view: View,
        values: Mapping[str, object] | None = None,
        *,
        user: str,
        signing: Signing | None = None,
    ) -> Ack:
        """A correctly signed submission of a modal by someone Slack never showed it to.

        Slack itself cannot send this; a crafted or replayed request can. Security tests use it.
        """
        person = self.world.require_user(user)
        state, _ = payloads.view_state(view, values or {})
        it = self._interaction(
            "view_submission", person, None, response_url=False, source_view=view
        )
        payload = payloads.view_submission(
            self.world.workspace, self.verification_token, person, view, it, state
        )
        raw = await self._deliver(
            "interactive", payload, accepts_response_payload=True, signing=signing
        )
        return self._record(
            Ack("view_submission", raw.status, raw.body, raw.elapsed, it, raw.error)
        )

    async def choose(
        self,
        target: Message | View,
        option: str,
        *,
        action_id: str,
        user: str | None = None,
        signing: Signing | None = None,
    ) -> Ack:
        """Pick an option (by value or text) of a select, overflow menu or radio group."""
        person, channel = self._viewer(target, user)
        element, block_id = _element(target, action_id)
        picked = payloads.find_option(element, option)
        it = self._from(target, person, channel)
        action = payloads.select_action(element, block_id, picked, self.world.next_ts())
        return await self._send_action(it, person, action, channel, signing)

    async def submit_view(
        self,
        view: View,
        values: Mapping[str, object] | None = None,
        *,
        user: str | None = None,
        signing: Signing | None = None,
    ) -> Ack:
        """Fill in the modal's inputs (by block_id) and press its submit button.

        Like Slack, an empty required input (or a too short or long text) is refused in the
        modal itself: nothing is sent, and the Ack has ``sent=False`` and ``input_errors``.
        """
        person, _ = self._viewer(view, user)
        state, errors = payloads.view_state(view, values or {})
        view.payload["state"] = {"values": state}
        if errors:
            view.errors = errors
            self.world.notify("view.updated", view=view)
            return self._record(Ack("view_submission", None, None, 0.0, None, None, errors, False))
        it = self._interaction(
            "view_submission", person, None, response_url=False, source_view=view
        )
        payload = payloads.view_submission(
            self.world.workspace, self.verification_token, person, view, it, state
        )
        raw = await self._deliver(
            "interactive", payload, accepts_response_payload=True, signing=signing
        )
        if raw.error is not None:
            # The modal stays open with Slack's "trouble connecting" notice.
            return self._record(
                Ack("view_submission", raw.status, raw.body, raw.elapsed, it, raw.error)
            )
        error, input_errors = self.responder.apply_view_ack(view, raw.body)
        ack = Ack("view_submission", raw.status, raw.body, raw.elapsed, it, error, input_errors)
        return self._record(ack)

    async def close_view(
        self,
        view: View,
        *,
        clear: bool = False,
        user: str | None = None,
        signing: Signing | None = None,
    ) -> Ack | None:
        """Press Cancel (back to the view beneath) or, with ``clear``, the X (whole modal).

        Slack tells the app only for views with ``notify_on_close``; the Ack is then returned.
        """
        person, _ = self._viewer(view, user)
        ack = None
        if view.payload.get("notify_on_close"):
            payload = payloads.view_closed(
                self.world.workspace, self.verification_token, person, view, is_cleared=clear
            )
            raw = await self._deliver(
                "interactive", payload, accepts_response_payload=False, signing=signing
            )
            ack = self._record(
                Ack("view_closed", raw.status, raw.body, raw.elapsed, None, raw.error)
            )
        if clear:
            self.world.clear_views(person.id)
        else:
            self.world.close_view(view)
        return ack

    # -- helpers ------------------------------------------------------------------------------
    def _interaction(
        self,
        kind: str,
        person: User,
        channel: Channel | None,
        *,
        response_url: bool,
        command: str | None = None,
        text: str | None = None,
        source_message: Message | None = None,
        source_view: View | None = None,
    ) -> Interaction:
        world = self.world
        trigger_id = f"{int(world.now())}.{world.next_id('', 9)}.{uuid.uuid4().hex}"
        it = Interaction(
            world.next_id("I"),
            kind,
            person.id,
            channel.id if channel else None,
            trigger_id,
            None,
            world.now(),
            command=command,
            text=text,
            source_message=source_message,
            source_view=source_view,
        )
        if response_url:
            it.response_url = self.responder.issue_url(self._base_url(), it)
        world.interactions[it.id] = it
        world.triggers[trigger_id] = it
        return it

    def _from(self, target: Message | View, person: User, channel: Channel | None) -> Interaction:
        if isinstance(target, Message):
            return self._interaction(
                "block_actions", person, channel, response_url=True, source_message=target
            )
        return self._interaction(
            "block_actions", person, None, response_url=False, source_view=target
        )

    def _viewer(self, target: Message | View, user: str | None) -> tuple[User, Channel | None]:
        """Who acts, after checking they can see ``target`` at all."""
        if isinstance(target, Message):
            if target.deleted:
                raise EmulatorUsageError("the message was deleted")
            who = user or target.ephemeral_to
            if who is None:
                raise EmulatorUsageError("say who clicks: user=... (the message is public)")
            if not target.visible_to(who):
                raise EmulatorUsageError(
                    f"{who} cannot see a message ephemeral to {target.ephemeral_to}"
                )
            return self.world.require_user(who), self.world.channels[target.channel]
        who = user or target.user
        if who == target.user and self.world.homes.get(who) is target:
            return self.world.require_user(who), None  # their Home tab
        if who != target.user or self.world.modal(who) is not target:
            raise EmulatorUsageError(
                f"{who} does not see view {target.id} (not the top of their modal)"
            )
        return self.world.require_user(who), None

    async def _send_action(
        self,
        it: Interaction,
        person: User,
        action: JsonObject,
        channel: Channel | None,
        signing: Signing | None,
    ) -> Ack:
        payload = payloads.block_actions(
            self.world.workspace, self.verification_token, person, it, action, channel
        )
        raw = await self._deliver(
            "interactive", payload, accepts_response_payload=False, signing=signing
        )
        return self._record(Ack("block_actions", raw.status, raw.body, raw.elapsed, it, raw.error))

    async def _deliver_event(self, event: JsonObject) -> Ack:
        event_id = self.world.next_id("Ev")
        data = payloads.event_callback(
            self.world.workspace, self.verification_token, event, event_id
        )
        raw = await self._deliver("events_api", data, accepts_response_payload=False, signing=None)
        return self._record(Ack("events_api", raw.status, raw.body, raw.elapsed, None, raw.error))

    def _record(self, ack: Ack) -> Ack:
        self.world.acks.append(ack)
        return ack


def _element(target: Message | View, action_id: str) -> tuple[JsonObject, str]:
    for block in target.blocks:
        candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
        candidates += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                if element.get("type") not in _CHOOSABLE:
                    raise EmulatorUsageError(f"{action_id} is a {element.get('type')}, not a menu")
                return element, str(block.get("block_id", ""))
    raise EmulatorUsageError(f"no menu with action_id {action_id!r}")
