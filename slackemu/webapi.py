"""The Slack Web API the app uses, on ``/api/{method}``: token checks, 429s, a record of calls."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from aiohttp import web

from slackemu.api_base import ApiError
from slackemu.api_chat import ChatMethods
from slackemu.api_functions import FunctionMethods
from slackemu.api_views import ViewMethods
from slackemu.model import JsonObject
from slackemu.records import ApiCall
from slackemu.socket_mode import SocketModeServer
from slackemu.world import World


class WebApi(ChatMethods, ViewMethods, FunctionMethods):
    """``POST|GET /api/{method}``: checks the token, answers, and records every call."""

    def __init__(
        self, world: World, *, bot_token: str, app_token: str | None, socket: SocketModeServer
    ) -> None:
        self.world = world
        self.bot_token = bot_token
        self.app_token = app_token
        self.socket = socket
        self._rate_limits: dict[str, list[int]] = {}
        bot, app = "bot", "app"
        self._methods: dict[str, tuple[Callable[[JsonObject], JsonObject], str]] = {
            "auth.test": (self.auth_test, bot),
            "chat.postMessage": (self.chat_post_message, bot),
            "chat.postEphemeral": (self.chat_post_ephemeral, bot),
            "chat.update": (self.chat_update, bot),
            "chat.delete": (self.chat_delete, bot),
            "views.open": (self.views_open, bot),
            "views.push": (self.views_push, bot),
            "views.update": (self.views_update, bot),
            "views.publish": (self.views_publish, bot),
            "usergroups.users.list": (self.usergroups_users_list, bot),
            "conversations.info": (self.conversations_info, bot),
            "users.info": (self.users_info, bot),
            "apps.connections.open": (self.apps_connections_open, app),
            "functions.completeSuccess": (self.functions_complete_success, "workflow"),
            "functions.completeError": (self.functions_complete_error, "workflow"),
        }

    def inject_rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and ``Retry-After``."""
        self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    async def handle(self, request: web.Request) -> web.Response:
        """One Web API call."""
        method = request.match_info["method"]
        params: JsonObject = dict(request.query)
        try:
            if request.content_type == "application/json":
                body = await request.json()
                params.update(body if isinstance(body, dict) else {})
            elif request.method == "POST":
                params.update({k: str(v) for k, v in (await request.post()).items()})
        except ValueError:
            status, answer, headers = 200, {"ok": False, "error": "invalid_json"}, dict[str, str]()
        else:
            header = request.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ").strip() or str(params.pop("token", ""))
            params.pop("token", None)
            status, answer, headers = self._answer(method, params, token)
        self.world.calls.append(ApiCall(method, params, self.world.now(), status, answer))
        return web.json_response(answer, status=status, headers=headers)

    def _answer(
        self, method: str, params: JsonObject, token: str
    ) -> tuple[int, JsonObject, dict[str, str]]:
        pending = self._rate_limits.get(method)
        if pending:
            retry_after = pending.pop(0)
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        if method not in self._methods:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        handler, kind = self._methods[method]
        if kind == "workflow":  # the token of the step's own execution, and no other
            execution = self.execution_for(params)
            if not token:
                return 200, {"ok": False, "error": "not_authed"}, {}
            if execution is not None and not hmac.compare_digest(token, execution.token):
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            try:
                return 200, handler(params), {}
            except ApiError as refusal:
                return 200, {"ok": False, "error": refusal.error, **refusal.extra}, {}
        expected, other = (
            (self.bot_token, self.app_token) if kind == "bot" else (self.app_token, self.bot_token)
        )
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if expected is None or not hmac.compare_digest(token, expected):
            error = "not_allowed_token_type" if token == other else "invalid_auth"
            return 200, {"ok": False, "error": error}, {}
        try:
            return 200, handler(params), {}
        except ApiError as refusal:
            return 200, {"ok": False, "error": refusal.error, **refusal.extra}, {}

    # -- methods ------------------------------------------------------------------------------
    def auth_test(self, params: JsonObject) -> JsonObject:
        """Who the token belongs to."""
        ws = self.world.workspace
        return {
            "ok": True,
            "url": f"https://{ws.team_domain}.slack.com/",
            "team": ws.team_name,
            "user": ws.bot_name,
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def usergroups_users_list(self, params: JsonObject) -> JsonObject:
        """The members of a user group."""
        group = str(params.get("usergroup", ""))
        if group not in self.world.usergroups:
            raise ApiError("no_such_subteam")
        return {"ok": True, "users": list(self.world.usergroups[group])}

    def conversations_info(self, params: JsonObject) -> JsonObject:
        """A channel's details (by id)."""
        channel = self.world.channels.get(str(params.get("channel", "")))
        if channel is None or (channel.is_private and not channel.bot_is_member):
            raise ApiError("channel_not_found")
        info: JsonObject = {
            "id": channel.id,
            "is_channel": not channel.is_private and not channel.is_im,
            "is_group": channel.is_private and not channel.is_im,
            "is_im": channel.is_im,
            "is_private": channel.is_private,
            "is_archived": False,
            "is_member": channel.bot_is_member,
            "created": 1_600_000_000,
        }
        if channel.is_im:
            info["user"] = channel.dm_user
        else:
            info.update(name=channel.name, name_normalized=channel.name)
        return {"ok": True, "channel": info}

    def users_info(self, params: JsonObject) -> JsonObject:
        """A person's details."""
        user = self.world.users.get(str(params.get("user", "")))
        if user is None:
            raise ApiError("user_not_found")
        profile = {"real_name": user.real_name, "display_name": user.name}
        return {
            "ok": True,
            "user": {
                "id": user.id,
                "team_id": self.world.workspace.team_id,
                "name": user.name,
                "real_name": user.real_name,
                "deleted": False,
                "is_admin": user.is_admin,
                "is_bot": user.is_bot,
                "tz": "UTC",
                "profile": profile,
            },
        }

    def apps_connections_open(self, params: JsonObject) -> JsonObject:
        """A WebSocket URL for Socket Mode."""
        return {"ok": True, "url": self.socket.issue_url()}
