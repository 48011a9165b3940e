"""What VPS.org answered, read back: a model for a success, an error a person can act on else."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.vps import errors
from bot.words import counted

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, its body read in full (within the client's byte cap)."""

    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def is_success(self) -> bool:
        """A 2xx status."""
        return 200 <= self.status < 300

    def body(self) -> object:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.content)
        except ValueError:
            return None


def retry_after(answer: Answer) -> float | None:
    """Seconds from a `Retry-After` header given in seconds; None when absent or a date."""
    value = answer.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def parse(model: type[_M], answer: Answer) -> _M:
    """Read a success body as `model`, or raise VPSBadResponse saying what arrived instead."""
    kind = answer.headers.get("Content-Type", "no content type").split(";")[0]
    try:
        return model.model_validate_json(answer.content)
    except ValidationError as exc:
        if answer.body() is None:
            what = f"a body that is not JSON ({kind})"
        else:
            what = f"JSON the bot does not understand ({counted(exc.error_count(), 'problem')})"
        raise errors.VPSBadResponse(
            f"VPS.org answered {answer.status} with {what} — check that VPS_API_URL "
            "points at the VPS.org API",
            status=answer.status,
        ) from None


def status_error(answer: Answer, server_id: int | None) -> errors.VPSAPIError:
    """Map a non-2xx answer to the error a person can act on."""
    status = answer.status
    body = answer.body()
    detail = body.get("detail") if isinstance(body, dict) else None
    detail = str(detail) if detail is not None else None
    kind: type[errors.VPSAPIError] = errors.VPSAPIError
    match status:
        case 400:
            fields = errors.field_errors(body)
            said = detail or "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
            kind = errors.VPSBadRequest
            message = f"VPS.org refused the request: {said or 'invalid parameters'}"
        case 401:
            kind = errors.VPSUnauthorized
            message = "VPS.org refused the API token (401) — check VPS_API_TOKEN"
        case 402:
            kind = errors.VPSPaymentRequired
            message = (
                "insufficient credits on the VPS.org account (402) — add credits, then try again"
            )
        case 404:
            kind = errors.VPSNotFound
            message = (
                f"server {server_id} not found"
                if server_id is not None
                else "VPS.org answered 404 for the server list — check VPS_API_URL (it should end "
                "in /api/v1)"
            )
        case 429:
            wait = retry_after(answer)
            hint = f"try again in {wait:g}s" if wait is not None else "try again shortly"
            message = f"VPS.org rate limit reached (429) — {hint}"
            return errors.VPSRateLimited(message, detail=detail, body=body, retry_after=wait)
        case _ if status >= 500:
            kind = errors.VPSServerError
            message = f"VPS.org API unavailable ({status}) — try again in a minute"
        case _:
            message = f"VPS.org answered {status}" + (f": {detail}" if detail else "")
    return kind(message, status=status, detail=detail, body=body)
