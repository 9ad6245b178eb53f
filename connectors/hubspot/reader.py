"""Bulk reads over the HTTP layer: searches split under the 10,000 cap, association batch reads.
Does I/O.

:meth:`Reader.search` runs one search per time range: when the first page reports more results
than one query may page through (``total`` above 10,000, "Search the CRM",
https://developers.hubspot.com/docs/api-reference/search/guide), the range is cut
(:func:`.queries.split_range`) and each part searched on its own; the too-full first page is
dropped, so no record is read twice. Pages are sorted by ``hs_object_id``.

:meth:`Reader.associated` reads v4 associations for up to 1,000 ids a call
(``POST /crm/v4/associations/{from}/{to}/batch/read``, "Associations v4",
https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide). A result with more
associations than one answer holds carries ``paging.next.after``; that id is asked again with
the cursor. Ids without associations come back as ``errors`` of a 207 answer and are simply
absent from the result.

:func:`prefetched` runs a search on a background thread a few pages ahead of its reader, so the
searches (paced by their own per-second limit) go on while the association reads of records
already found (paced by the 10-second limit) are sent: both limits are used at once. Records
keep their order; an error of the search is raised to the reader.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from crm_accounts.errors import FatalConnectorError
from crm_accounts.logs import log_event
from crm_accounts.progress import SILENT, Progress

from .http import LOGGER, HubSpotHttp, next_cursor
from .limits import EXEMPT, SEARCH
from .mapping import AssociationTargets, associations
from .queries import (
    ASSOCIATION_BATCH,
    SEARCH_CAP,
    chunks,
    range_filters,
    search_body,
    split_range,
)

__all__ = ["Reader", "prefetched"]

_T = TypeVar("_T")
_END = object()


def prefetched(items: Iterator[_T], ahead: int) -> Iterator[_T]:
    """``items``, produced by a background thread at most ``ahead`` items ahead of the reader.

    The thread stops (and closes ``items``) when the reader stops early; an exception raised
    by ``items`` is raised to the reader where the item would have come.
    """
    buffer: queue.Queue[Any] = queue.Queue(maxsize=max(1, ahead))
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # handed to the reader, raised there
            put(exc)
        finally:
            if stop.is_set() and hasattr(items, "close"):
                items.close()

    thread = threading.Thread(target=produce, name="hubspot-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


class Reader:
    """Searches and association reads for one connector."""

    def __init__(self, http: HubSpotHttp) -> None:
        self.http = http
        #: Told what each search reads, its ``total`` and the records so far.
        self.progress: Progress = SILENT

    def search(
        self,
        object_type: str,
        filters: Sequence[dict[str, Any]],
        properties: Sequence[str],
        range_property: str,
        low: int,
        high: int,
    ) -> Iterator[dict[str, Any]]:
        """Every record matching ``filters`` with ``low <= range_property < high``, lazily.

        The first answer's ``total`` (the whole range) is reported as the expected number.
        """
        kind = f"search_{object_type}"
        path = f"/crm/v3/objects/{object_type}/search"
        ranges = [(low, high)]
        progress = self.progress
        progress.begin(f"reading {object_type}")
        first = True
        while ranges:
            start, end = ranges.pop(0)
            where = [*filters, *range_filters(range_property, start, end)]
            page = self.http.json(
                kind, "POST", path, body=search_body(where, properties), group=SEARCH
            )
            total = int(page.get("total") or 0)
            if first:
                progress.advance(0, total=total)
                first = False
            if total > SEARCH_CAP:
                try:
                    parts = split_range(start, end, total)
                except ValueError as exc:
                    raise FatalConnectorError(f"HubSpot search of {object_type}: {exc}") from None
                log_event(
                    LOGGER,
                    "hubspot.search_split",
                    f"{object_type}: {total} results in one range; searching "
                    f"{len(parts)} smaller ranges",
                    logging.DEBUG,
                    object_type=object_type,
                    total=total,
                )
                ranges[0:0] = parts
                continue
            seen: set[str] = set()
            while True:
                results = page.get("results") or []
                progress.advance(len(results))
                yield from results
                after = next_cursor(page)
                if after is None:
                    break
                if after in seen:
                    raise FatalConnectorError(
                        f"HubSpot search of {object_type}: paging repeated the cursor "
                        f"{after!r}; stopped reading"
                    )
                seen.add(after)
                body = search_body(where, properties, after=after)
                page = self.http.json(kind, "POST", path, body=body, group=SEARCH)

    def associated(
        self, from_type: str, to_type: str, ids: Iterable[str]
    ) -> dict[str, AssociationTargets]:
        """The ``to_type`` records associated with each of ``ids`` (absent: none)."""
        kind = f"associations_{from_type}_{to_type}"
        path = f"/crm/v4/associations/{from_type}/{to_type}/batch/read"
        found: dict[str, AssociationTargets] = {}
        for chunk in chunks(dict.fromkeys(ids), ASSOCIATION_BATCH):
            pending: list[dict[str, str]] = [{"id": i} for i in chunk]
            asked: set[tuple[str, str]] = set()
            while pending:
                answer = self.http.json(kind, "POST", path, body={"inputs": pending}, group=EXEMPT)
                pending = []
                for result in answer.get("results") or []:
                    from_id, targets, after = associations(result)
                    if from_id is None:
                        continue
                    known = found.get(from_id)
                    if known is not None:
                        targets = AssociationTargets(
                            known.targets + targets.targets, known.primary + targets.primary
                        )
                    found[from_id] = targets
                    if after is not None and (from_id, after) not in asked:
                        asked.add((from_id, after))
                        pending.append({"id": from_id, "after": after})
        return found
