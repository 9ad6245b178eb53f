"""The fewest calls a sync could make, from what it read and what it wrote. No I/O of its own.

A recorder wraps a connector's HTTP layer and notes, per read, how many records the job needed
(Salesforce: ``totalSize`` of every SOQL query; HubSpot: records listed, ``total`` of every search
range that was paged, ids asked for associations); the writes come from the sync plan. The
minimum then applies the page and batch sizes the connectors and the fakes enforce, each from
the vendor page the connector cites:

Salesforce (``connectors/salesforce``):

* REST query: 2,000 records a page ("Query Options Header"); a Bulk API 2.0 query job costs a
  create, at least one status poll and one results request per 50,000 rows (the connector's
  ``maxRecords``), plus the first REST page that tells how many rows there are (nothing else
  tells it for free): per query the smaller of the two;
* sObject Collections: 200 records a call ("sObject Collections"); a Bulk API 2.0 ingest job at
  least 6 calls (create, upload, close, one poll, two result files): per kind the smaller;
* one OAuth token request, one describe of Account when fields are written.

HubSpot (``connectors/hubspot``):

* list endpoints 100 a page ("Retrieve companies"), owners 500 a page ("Owners");
* search 200 a page, at most 10,000 results a query ("Search the CRM"): ``ceil(n / 200)`` per
  search, as if the ranges were cut perfectly;
* v4 association batch reads 1,000 ids a call (developer changelog, February 2025);
* batch create and update 100 inputs a call; one property read when fields are written.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from crm_accounts.sync.plan import SyncPlan

__all__ = [
    "HubSpotRecorder",
    "SalesforceRecorder",
    "hubspot_minimum",
    "salesforce_minimum",
]

SF_QUERY_PAGE = 2_000
SF_BULK_RESULTS = 50_000
SF_COLLECTION = 200
SF_BULK_INGEST_CALLS = 6
HS_LIST_PAGE = 100
HS_OWNERS_PAGE = 500
HS_SEARCH_PAGE = 200
HS_SEARCH_CAP = 10_000
HS_ASSOCIATIONS = 1_000
HS_BATCH = 100


def _pages(records: int, size: int) -> int:
    return max(1, math.ceil(records / size))


def _writes(plan: SyncPlan) -> dict[str, int]:
    return {
        "fields": plan.accounts_to_update,
        "close": len(plan.close),
        "update": len(plan.reschedule),
        "create": len(plan.create),
    }


class SalesforceRecorder:
    """Wraps ``connector.http.query``: every query the sync ran, with its row count."""

    def __init__(self, connector: Any) -> None:
        self.rows: list[tuple[str, int]] = []
        http = connector.http
        original: Callable[..., Any] = http.query

        def query(soql: str, **kwargs: Any) -> Any:
            try:
                pages = original(soql, **kwargs)
            except Exception:
                self.rows.append((soql, 0))  # refused (an object the org does not have): 1 call
                raise
            self.rows.append((soql, pages.total_size))
            return pages

        http.query = query
        self.section = connector.section


def salesforce_minimum(recorder: SalesforceRecorder, plan: SyncPlan) -> dict[str, int]:
    """Minimum calls per group: ``reads``, ``token``, ``describe``, ``writes``.

    Describes: Account once (currencies, person accounts, the target fields' types), and the
    object of each role map set in the file (its values must be values of the org's picklist).
    """
    reads = sum(
        min(_pages(n, SF_QUERY_PAGE), 3 + _pages(n, SF_BULK_RESULTS)) for _, n in recorder.rows
    )
    writes = _writes(plan)
    written = sum(
        min(math.ceil(n / SF_COLLECTION), SF_BULK_INGEST_CALLS) for n in writes.values() if n
    )
    return {
        "reads": reads,
        "token": 1,
        "describe": 1
        + sum(recorder.section.configured(m) for m in ("contact_roles", "team_roles")),
        "writes": written,
    }


def salesforce_group(route: str) -> str:
    """The minimum's group a fake route belongs to."""
    if route.startswith(("/query", "/jobs/query")):
        return "reads"
    if route == "/services/oauth2/token":
        return "token"
    if route.endswith("/describe"):
        return "describe"
    if route == "/limits":
        return "limits"
    return "writes"


_RANGE_OPERATORS = frozenset({"GTE", "LT"})


class HubSpotRecorder:
    """Wraps ``connector.http.send``: records listed, search totals, association ids."""

    def __init__(self, connector: Any) -> None:
        self.listed: Counter[str] = Counter()
        self.searched: dict[str, Counter[str]] = defaultdict(Counter)
        self.asked: dict[str, set[str]] = defaultdict(set)
        #: Ids read by id (``tasks_read``, ``line_items_read``: 100 a batch read).
        self.read: dict[str, set[str]] = defaultdict(set)
        http = connector.http
        original: Callable[..., Any] = http.send

        def send(kind: str, method: str, path: str, **kwargs: Any) -> Any:
            response = original(kind, method, path, **kwargs)
            body = kwargs.get("body") or {}
            if kind.startswith("list_") or kind == "owners":
                self.listed[kind] += len(response.body.get("results") or [])
            elif kind.startswith("search_") and "after" not in body:
                total = int(response.body.get("total") or 0)
                if total <= HS_SEARCH_CAP:  # a range that was paged, not one cut further
                    filters = [
                        f
                        for group in body.get("filterGroups") or []
                        for f in group.get("filters") or []
                        if f.get("operator") not in _RANGE_OPERATORS
                    ]
                    self.searched[kind][json.dumps(filters, sort_keys=True)] += total
            elif kind.endswith("_read"):
                self.read[kind].update(str(i["id"]) for i in body.get("inputs") or [])
            elif kind.startswith("associations_"):
                self.asked[kind].update(
                    str(i["id"]) for i in body.get("inputs") or [] if "after" not in i
                )
            return response

        http.send = send


def hubspot_minimum(recorder: HubSpotRecorder, plan: SyncPlan) -> dict[str, int]:
    """Minimum calls per connector kind (``list_companies``, ``search_deals``, ...)."""
    minimum: dict[str, int] = {}
    for kind, n in recorder.listed.items():
        minimum[kind] = _pages(n, HS_OWNERS_PAGE if kind == "owners" else HS_LIST_PAGE)
    for kind, searches in recorder.searched.items():
        minimum[kind] = sum(_pages(n, HS_SEARCH_PAGE) for n in searches.values())
    for kind, ids in recorder.asked.items():
        minimum[kind] = math.ceil(len(ids) / HS_ASSOCIATIONS)
    for kind, ids in recorder.read.items():
        minimum[kind] = math.ceil(len(ids) / HS_BATCH)
    writes = _writes(plan)
    if writes["fields"]:
        minimum["properties_companies"] = 1
        minimum["companies_update"] = math.ceil(writes["fields"] / HS_BATCH)
    if writes["create"]:
        minimum["tasks_create"] = math.ceil(writes["create"] / HS_BATCH)
    changes = math.ceil(writes["update"] / HS_BATCH) + math.ceil(writes["close"] / HS_BATCH)
    if changes:
        minimum["tasks_update"] = changes
    return minimum
