"""What Slack sends the app as events: the App Home tab opened, a workflow reaching the app's
step (``function_executed``, with its workflow token)."""

from __future__ import annotations

from slackemu import payloads
from slackemu.delivery import EVENTS
from slackemu.driver import Driver
from slackemu.model import EmulatorUsageError, JsonObject, View
from slackemu.records import Ack, FunctionExecution
from slackemu.signing import Signing


class EventDriver(Driver):
    """The person's side of the Events API: opening the Home tab, running a workflow step."""

    async def open_home(self, user: str, *, signing: Signing | None = None) -> Ack:
        """Open the app's Home tab: Slack sends ``app_home_opened`` (with the tab as last
        published, if any)."""
        person = self.world.require_user(user)
        event: JsonObject = {
            "type": "app_home_opened",
            "user": person.id,
            "channel": self.world.dm_channel(person.id).id,
            "tab": "home",
            "event_ts": self.world.next_ts(),
        }
        home = self.world.homes.get(person.id)
        if home is not None:
            event["view"] = home.payload
        return await self.send_event(event, signing=signing)

    async def send_event(self, event: JsonObject, *, signing: Signing | None = None) -> Ack:
        """Deliver one Events API event (HTTP: a JSON body; Socket Mode: ``events_api``)."""
        body = payloads.event_callback(
            self.world.workspace, self.verification_token, event, self.world.next_id("Ev")
        )
        raw = await self._deliver(EVENTS, body, accepts_response_payload=False, signing=signing)
        return self._record(
            Ack("event_callback", raw.status, raw.body, raw.elapsed, None, raw.error)
        )

    async def run_step(
        self, callback_id: str, inputs: JsonObject, *, signing: Signing | None = None
    ) -> FunctionExecution:
        """A workflow reaches the app's step ``callback_id``: Slack sends ``function_executed``
        with the inputs and a workflow token; the execution records how the app completes it."""
        world = self.world
        execution = FunctionExecution.new(world.next_id("Fx"), callback_id, inputs)
        world.function_executions[execution.id] = execution
        event: JsonObject = {
            "type": "function_executed",
            "function": {
                "id": world.next_id("Fn"),
                "callback_id": callback_id,
                "title": callback_id,
                "type": "app",
                "app_id": world.workspace.app_id,
            },
            "inputs": dict(inputs),
            "function_execution_id": execution.id,
            "workflow_execution_id": world.next_id("Wx"),
            "event_ts": world.next_ts(),
            "bot_access_token": execution.token,
        }
        ack = await self.send_event(event, signing=signing)
        if not ack.ok:
            raise EmulatorUsageError(f"function_executed was not acknowledged: {ack.error}")
        return execution

    def home(self, user: str) -> View | None:
        """The person's Home tab as the app last published it."""
        return self.world.homes.get(user)
