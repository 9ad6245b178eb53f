"""JSON helpers shared by the fake HubSpot's handlers. No I/O.

HubSpot answers ``application/json;charset=utf-8`` (the recorded responses in
/work/shared/reference/hubspot-real-responses.json) with errors shaped ``{"status": "error",
"message", "correlationId", "category"}`` ("Error handling",
https://developers.hubspot.com/docs/api-reference/error-handling: "the fields ... should all be
treated as optional"). An unknown object type answers 400 "Unable to infer object type from: X".
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from .schema import ObjectType, resolve_type
from .state import RequestError

__all__ = [
    "CONTENT_TYPE",
    "batch_limit_error",
    "json_response",
    "object_type",
    "read_json",
]

CONTENT_TYPE = "application/json;charset=utf-8"


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response (``body`` is serialized compactly, as HubSpot does)."""
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        headers=headers,
        content_type=CONTENT_TYPE,
    )


def read_json(request: Request) -> dict[str, Any]:
    """The request body as a JSON object.

    Raises:
        RequestError: 400 ``VALIDATION_ERROR`` for a body that is not a JSON object.
    """
    text = request.get_data(as_text=True) or "{}"
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestError(
            400,
            "VALIDATION_ERROR",
            f"Invalid input JSON on line {exc.lineno}, column {exc.colno}: {exc.msg}",
        ) from None
    if not isinstance(body, dict):
        raise RequestError(400, "VALIDATION_ERROR", "Invalid input JSON: expected an object")
    return body


def object_type(segment: str) -> ObjectType:
    """The object type a path segment names.

    Raises:
        RequestError: 400 for a type the fake does not know.
    """
    found = resolve_type(segment)
    if found is None:
        raise RequestError(400, "VALIDATION_ERROR", f"Unable to infer object type from: {segment}")
    return found


def batch_limit_error(maximum: int) -> RequestError:
    """Too many batch inputs, worded like HubSpot's answer for property-history batches
    ("The maximum number of inputs supported in a batch request for property histories is
    50. Please reduce the number of items and try again", activepieces/activepieces#9359)."""
    return RequestError(
        400,
        "VALIDATION_ERROR",
        f"The maximum number of inputs supported in a batch request is {maximum}. "
        "Please reduce the number of items and try again",
    )
