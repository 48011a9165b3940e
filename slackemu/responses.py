"""How Slack applies what the app answers: response_url posts, slash-command and modal acks."""

from __future__ import annotations

import copy
import json
import uuid

from aiohttp import web

from slackemu.api_base import MAX_TEXT, MAX_VIEW_STACK
from slackemu.blockkit import validate_blocks, validate_text, validate_view
from slackemu.model import SLACKBOT, JsonObject, Message, View
from slackemu.records import Interaction
from slackemu.world import World

RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60.0
PATH = "/response/"


def _truthy(value: object) -> bool:
    return value is True or value in ("true", "True", "1", 1)


class Responder:
    """Turns the app's answers into messages and modal changes, refusing what Slack refuses."""

    def __init__(self, world: World) -> None:
        self.world = world

    def issue_url(self, base_url: str, interaction: Interaction) -> str:
        """A unique response URL for this interaction (5 uses, 30 minutes)."""
        response_id = f"{interaction.id}/{uuid.uuid4().hex[:24]}"
        self.world.response_urls[response_id] = interaction
        return f"{base_url}{PATH}{response_id}"

    async def handle(self, request: web.Request) -> web.Response:
        """``POST /response/<id>``: the app answers through an interaction's response_url."""
        interaction = self.world.response_urls.get(request.match_info["response_id"])
        if interaction is None:
            return web.json_response({"ok": False, "error": "no_service"}, status=404)
        if self.world.now() - interaction.at > RESPONSE_URL_TTL:
            return web.json_response({"ok": False, "error": "expired_url"}, status=404)
        if interaction.response_uses >= RESPONSE_URL_USES:
            return web.json_response({"ok": False, "error": "used_url"}, status=404)
        try:
            body = json.loads(await request.text())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        error = self.respond(interaction, body, via="response_url")
        if error is not None:
            return web.Response(status=400, text=error)
        interaction.response_uses += 1
        return web.json_response({"ok": True})

    def _original(self, interaction: Interaction) -> Message | None:
        if interaction.source_message is not None:
            return interaction.source_message
        # A slash command has no source message: "original" is its latest response.
        return interaction.responses[-1] if interaction.responses else None

    def respond(self, interaction: Interaction, body: JsonObject, *, via: str) -> str | None:
        """Apply one response message; Slack's error code when it refuses it."""
        original = self._original(interaction)
        if _truthy(body.get("delete_original")):
            if original is None or original.deleted:
                return "message_not_found"
            self.world.delete(original)
            return None
        text, blocks = body.get("text"), body.get("blocks")
        if blocks is not None and validate_blocks(blocks):
            return "invalid_blocks"
        if validate_text(text):
            return "invisible_characters"  # the emulator's own rule: see blockkit
        if not text and not blocks and not body.get("attachments"):
            return "no_text"
        if isinstance(text, str) and len(text) > MAX_TEXT:
            return "msg_too_long"
        text = str(text or "")
        blocks = self.world.assign_ids(copy.deepcopy(blocks or []))
        if _truthy(body.get("replace_original")) and original is not None and not original.deleted:
            self.world.edit(original, text, blocks)
            return None
        if interaction.channel is None:
            return "channel_not_found"
        in_channel = body.get("response_type") == "in_channel"
        if in_channel and interaction.command and not interaction.echoed:
            # Slack shows the invocation itself when a command's answer is public.
            invocation = f"{interaction.command} {interaction.text or ''}".strip()
            echo = Message(interaction.channel, self.world.next_ts(), interaction.user, invocation)
            echo.via = "slash_command"
            self.world.post(echo)
            interaction.echoed = True
        message = Message(
            interaction.channel,
            self.world.next_ts(),
            self.world.workspace.bot_user_id,
            text,
            blocks,
            ephemeral_to=None if in_channel else interaction.user,
            thread_ts=str(body["thread_ts"]) if body.get("thread_ts") else None,
            response_type="in_channel" if in_channel else "ephemeral",
            via=via,
            attachments=list(body.get("attachments") or []),
        )
        self.world.post(message)
        interaction.responses.append(message)
        return None

    def slackbot_says(self, interaction: Interaction, text: str) -> None:
        """An ephemeral note from Slackbot, e.g. a failed slash command."""
        if interaction.channel is not None:
            note = Message(interaction.channel, self.world.next_ts(), SLACKBOT, text)
            note.ephemeral_to, note.via = interaction.user, "slackbot"
            self.world.post(note)

    def apply_view_ack(
        self, view: View, body: JsonObject | str | None
    ) -> tuple[str | None, dict[str, str]]:
        """Apply a view_submission ack: close, show errors, update, push or clear."""
        if not isinstance(body, dict) or body.get("response_action") is None:
            self.world.close_view(view)
            return None, {}
        action = body["response_action"]
        if action == "errors":
            errors = body.get("errors")
            if not isinstance(errors, dict) or not errors:
                return "invalid_response_action", {}
            # Slack shows errors only under input blocks; a key naming any other block fails.
            if not set(map(str, errors)) <= {field.block_id for field in view.inputs()}:
                return "invalid_response_action", {}
            view.errors = {str(k): str(v) for k, v in errors.items()}
            self.world.notify("view.updated", view=view)
            return None, dict(view.errors)
        if action == "clear":
            self.world.clear_views(view.user)
            return None, {}
        if action not in ("update", "push"):
            return "invalid_response_action", {}
        spec = body.get("view")
        if not isinstance(spec, dict) or validate_view(spec):
            return "invalid_view", {}
        if action == "update":
            root, previous = view.payload["root_view_id"], view.payload["previous_view_id"]
            self.world.update_view(view, self.world.view_payload(spec, view.id, root, previous))
            return None, {}
        if len(self.world.stack(view.user)) >= MAX_VIEW_STACK:
            return "push_limit_reached", {}
        view_id = self.world.next_id("V")
        payload = self.world.view_payload(spec, view_id, view.payload["root_view_id"], view.id)
        self.world.open_view(View(view_id, view.user, None, payload), push=True)
        return None, {}
