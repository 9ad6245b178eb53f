"""Batch writes of the HubSpot connector: one outcome per input from HubSpot's batch answers.
Does I/O (through :class:`~.http.HubSpotHttp`).

A batch answers 200 when every input succeeded and 207 Multi-Status when some failed ("Simplifying
batch update response codes for CRM v3 APIs",
https://developers.hubspot.com/changelog/simplifying-batch-update-response-codes-for-crm-v3-apis):
``results`` holds the records written, ``errors`` entries ``{"status", "category", "message",
"context": {"ids": [...]}}``. An id named by an error of a 207 answer fails with that error; a
batch refused as a whole (4xx) fails the inputs it names and the rest is sent once more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crm_accounts.connectors.retry import map_ordered
from crm_accounts.logs import redact
from crm_accounts.progress import Progress

from . import queries
from .http import ApiError, HubSpotHttp, error_details
from .mapping import object_id

__all__ = ["Outcome", "batch_update", "error_text", "named_ids", "refused_ids"]


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool = False
    crm_id: str | None = None
    error: str | None = None


def error_text(error: Mapping[str, Any]) -> str:
    category, message = error_details(error)
    return redact(f"{category}: {message}" if category else message or "refused")


def named_ids(error: Mapping[str, Any], ids: Iterable[str]) -> set[str]:
    """Input ids an error names: ``context.ids``, else ids quoted in its message."""
    context = error.get("context")
    named = context.get("ids") if isinstance(context, Mapping) else None
    if isinstance(named, list) and named:
        return {i for i in (object_id(n) for n in named) if i}
    message = str(error.get("message") or "")
    return {i for i in ids if re.search(rf"(?<!\d){re.escape(i)}(?!\d)", message)}


def refused_ids(body: Mapping[str, Any], ids: Sequence[str]) -> set[str]:
    """Input ids a refused batch's error body names (at the top or in ``errors``)."""
    named = named_ids(body, ids) if body.get("context") else set()
    for error in body.get("errors") or []:
        if isinstance(error, Mapping):
            named |= named_ids(error, ids)
    if not named:
        named = named_ids({"message": body.get("message")}, ids)
    return named & set(ids)


def read_update_answer(
    status: int, body: Mapping[str, Any], ids: Sequence[str], outcomes: dict[str, Outcome]
) -> None:
    """Record one outcome per input id from a batch update's 200 or 207 answer."""
    done = {object_id(r.get("id")) for r in body.get("results") or [] if isinstance(r, Mapping)}
    failed: dict[str, str] = {}
    errors = [e for e in body.get("errors") or [] if isinstance(e, Mapping)]
    for error in errors:
        for i in named_ids(error, ids) or (set(ids) - done):
            failed.setdefault(i, error_text(error))
    for i in ids:
        if i in failed:
            outcomes[i] = Outcome(error=failed[i])
        elif i in done or (status == 200 and not errors):
            outcomes[i] = Outcome(True, i)
        else:
            outcomes[i] = Outcome(error=f"no result for {i} in the HTTP {status} answer")


def batch_update(
    http: HubSpotHttp,
    max_workers: int,
    object_type: str,
    kind: str,
    inputs: list[dict[str, Any]],
    progress: Progress,
    what: str,
) -> list[Outcome]:
    """Send update ``inputs`` 100 a call, ``max_workers`` calls at a time; one outcome per
    input, by id. Progress is reported as ``what``."""
    path = f"/crm/v3/objects/{object_type}/batch/update"

    def send(chunk: list[dict[str, Any]]) -> dict[str, Outcome]:
        outcomes: dict[str, Outcome] = {}
        pending = chunk
        for attempt in range(2):  # once more without the inputs a refused batch names
            ids = [str(item["id"]) for item in pending]
            try:
                response = http.send(kind, "POST", path, body={"inputs": pending})
            except ApiError as exc:
                named = refused_ids(exc.body, ids)
                failed = named if named and len(named) < len(ids) and attempt == 0 else ids
                for i in failed:
                    outcomes[i] = Outcome(error=str(exc))
                pending = [item for item in pending if str(item["id"]) not in failed]
                if not pending:
                    break
                continue
            read_update_answer(response.status, response.body, ids, outcomes)
            break
        progress.advance(len(chunk))
        return outcomes

    outcomes: dict[str, Outcome] = {}
    progress.begin(what, len(inputs))
    for found in map_ordered(send, list(queries.chunks(inputs, queries.WRITE_BATCH)), max_workers):
        outcomes.update(found)
    return [outcomes.get(str(item["id"]), Outcome(error="not sent")) for item in inputs]
