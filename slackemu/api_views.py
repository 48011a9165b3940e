"""``views.*``: open, push, update modals — trigger ids, stacks, hashes, validation."""

from __future__ import annotations

from slackemu.api_base import (
    MAX_VIEW_STACK,
    TRIGGER_TTL,
    ApiError,
    ApiMethods,
    json_param,
    required,
)
from slackemu.blockkit import validate_view
from slackemu.model import JsonObject, View
from slackemu.records import Interaction


class ViewMethods(ApiMethods):
    """The ``views.*`` methods."""

    def _claim_trigger(self, params: JsonObject) -> Interaction:
        interaction = self.world.triggers.get(required(params, "trigger_id"))
        if interaction is None:
            raise ApiError("invalid_trigger_id")
        if interaction.trigger_used:
            raise ApiError("exchanged_trigger_id")
        if self.world.now() - interaction.at > TRIGGER_TTL:
            raise ApiError("expired_trigger_id")
        interaction.trigger_used = True
        return interaction

    def _view_spec(self, params: JsonObject, updating: View | None = None) -> JsonObject:
        spec = json_param(params, "view", "invalid_arguments")
        errors = validate_view(spec)
        if errors:
            raise ApiError("invalid_arguments", response_metadata={"messages": errors})
        external_id = spec.get("external_id")
        live = [v for v in self.world.views if not v.closed and v is not updating]
        if external_id and any(v.payload["external_id"] == external_id for v in live):
            raise ApiError("duplicate_external_id")
        return dict(spec)

    def _show_view(self, params: JsonObject, *, push: bool) -> JsonObject:
        spec = self._view_spec(params)
        interaction = self._claim_trigger(params)
        stack = self.world.stack(interaction.user) if push else []
        if len(stack) >= MAX_VIEW_STACK:
            raise ApiError("push_limit_reached")
        view_id = self.world.next_id("V")
        root = stack[0].id if stack else view_id
        payload = self.world.view_payload(spec, view_id, root, stack[-1].id if stack else None)
        view = View(view_id, interaction.user, interaction.trigger_id, payload)
        self.world.open_view(view, push=push)
        return {"ok": True, "view": payload}

    def views_open(self, params: JsonObject) -> JsonObject:
        """Open a modal for the person whose interaction issued the trigger."""
        return self._show_view(params, push=False)

    def views_push(self, params: JsonObject) -> JsonObject:
        """Push a view on top of the person's modal (at most three deep)."""
        return self._show_view(params, push=True)

    def views_publish(self, params: JsonObject) -> JsonObject:
        """Publish a person's App Home tab (a ``home`` view; a stale ``hash`` is a conflict)."""
        user = str(params.get("user_id") or "")
        if user not in self.world.users:
            raise ApiError("user_not_found")
        spec = json_param(params, "view", "invalid_arguments")
        errors = validate_view(spec, surface="home")
        if errors:
            raise ApiError("invalid_arguments", response_metadata={"messages": errors})
        current = self.world.homes.get(user)
        if params.get("hash") and (current is None or params["hash"] != current.hash):
            raise ApiError("hash_conflict")
        return {"ok": True, "view": self.world.publish_home(user, dict(spec)).payload}

    def views_update(self, params: JsonObject) -> JsonObject:
        """Replace an open view's content; a stale ``hash`` is a conflict."""
        view_id, external_id = params.get("view_id"), params.get("external_id")
        live = [v for v in self.world.views if not v.closed]
        view = next((v for v in live if view_id and v.id == view_id), None) or next(
            (v for v in live if external_id and v.payload.get("external_id") == external_id), None
        )
        if view is None:
            raise ApiError("not_found")
        if params.get("hash") and params["hash"] != view.hash:
            raise ApiError("hash_conflict")
        spec = self._view_spec(params, updating=view)
        root, previous = view.payload["root_view_id"], view.payload["previous_view_id"]
        payload = self.world.view_payload(spec, view.id, root, previous)
        self.world.update_view(view, payload)
        return {"ok": True, "view": payload}
