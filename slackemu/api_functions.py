"""``functions.*``: a custom workflow step (function) completes, with outputs or an error.

Each ``function_executed`` event carries a workflow token (``bot_access_token``) good for its
own execution only; an execution completes once.
"""

from __future__ import annotations

from slackemu.api_base import ApiError, ApiMethods, json_param, required
from slackemu.model import JsonObject
from slackemu.records import FunctionExecution


class FunctionMethods(ApiMethods):
    """The ``functions.*`` methods (called with the execution's workflow token)."""

    def execution_for(self, params: JsonObject) -> FunctionExecution | None:
        """The execution a call names, to check its token against."""
        return self.world.function_executions.get(str(params.get("function_execution_id", "")))

    def _running(self, params: JsonObject) -> FunctionExecution:
        execution = self.world.function_executions.get(required(params, "function_execution_id"))
        if execution is None:
            raise ApiError("function_execution_not_found")
        if execution.state != "running":
            raise ApiError("function_execution_not_running")
        return execution

    def functions_complete_success(self, params: JsonObject) -> JsonObject:
        """The step succeeded, with its outputs."""
        execution = self._running(params)
        outputs = json_param(params, "outputs", "invalid_arguments")
        if not isinstance(outputs, dict):
            raise ApiError("invalid_arguments")
        execution.state, execution.outputs = "completed", outputs
        self.world.notify("function.completed")
        return {"ok": True}

    def functions_complete_error(self, params: JsonObject) -> JsonObject:
        """The step failed, with the error the workflow's people see."""
        execution = self._running(params)
        execution.state, execution.error = "failed", required(params, "error")
        self.world.notify("function.completed")
        return {"ok": True}
