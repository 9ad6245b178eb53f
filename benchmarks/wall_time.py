"""Wall time of a first sync against the fake CRMs with network latency and HubSpot's rate limits.
Does network I/O (loopback only) and writes ``benchmarks/results/wall_time.json``.

Each fake answers every request after ``--latency-ms`` (the fakes' ``latency`` option, waited in
the server's request thread, so parallel requests wait in parallel). The fake HubSpot enforces
its limits on the real clock (100 requests per rolling 10 seconds at the Free/Starter tier,
5 searches a second; a request beyond them gets the documented 429), and the connector paces
itself with its own rate limiter; the number of 429 answers must be 0.

Lower bounds:

* HubSpot: the rate limits alone, ``max(general / 10 per s, searches / 5 per s)`` (searches do
  not count in the 10-second window of the fake, which follows the recorded responses); the
  connector also counts searches in its own general window and keeps 10% headroom;
* Salesforce: no rate limit on short requests, so the latency's critical path: the token, the
  longest query's calls one after the other (its pages, or the probing page, job creation, poll
  and result pages of a Bulk API job; independent queries could run in parallel), the describe,
  the collections of each kind spread over ``max_workers``, and an ingest job's calls.

Besides the wall time, the same sync is timed without latency (``processing``: the fake's and
the client's CPU on this machine), since on two shared cores that is a floor of its own.

Usage, from the repository root::

    python -m benchmarks.wall_time --accounts 10000 --latency-ms 50
    python -m benchmarks.wall_time --smoke      # 300 accounts, no run without latency; fails
                                                # on any 429
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.crm_worlds import (
    RESULTS,
    hubspot_world,
    machine,
    salesforce_world,
    sync,
    write_results,
)
from benchmarks.minimum import SalesforceRecorder

__all__ = ["main"]

#: The fake's (and HubSpot's documented) limits the lower bound is computed from.
GENERAL_PER_SECOND = 10.0  # 100 per 10 s, Free/Starter
SEARCH_PER_SECOND = 5.0
SF_QUERY_PAGE = 2_000
SF_BULK_RESULTS = 50_000


def _statuses(fake: Any) -> Counter[int]:
    return Counter(status for _, _, status in list(fake.calls.log))


def _runs(latency: float, processing: bool) -> list[tuple[str, float]]:
    return ([("processing", 0.0)] if processing else []) + [("wall", latency)]


def salesforce(accounts: int, latency: float, processing: bool = True) -> dict[str, Any]:
    """A first sync with and without latency; the latency's critical path."""
    timings: dict[str, Any] = {"processing": None}
    for label, delay in _runs(latency, processing):
        with tempfile.TemporaryDirectory() as tmp, salesforce_world(accounts, latency=delay) as w:
            connector = w.connector()
            recorder = SalesforceRecorder(connector)
            w.fake.calls.reset()
            started = time.perf_counter()
            report = sync(connector, Path(tmp) / "runs.sqlite", 0)
            timings[label] = round(time.perf_counter() - started, 2)
            calls = w.fake.calls.total
            statuses = _statuses(w.fake)
            workers = connector.section.max_workers
            routes = Counter(route for _, route, _ in list(w.fake.calls.log))
    threshold = connector.section.bulk_query_threshold
    longest = max(
        3 + math.ceil(n / SF_BULK_RESULTS)
        if n > threshold
        else max(1, math.ceil(n / SF_QUERY_PAGE))
        for _, n in recorder.rows
    )
    writes = routes["/composite/sobjects"]
    bulk = sum(n for route, n in routes.items() if route.startswith("/jobs/ingest"))
    critical = 1 + longest + (1 if report.plan.accounts_to_update else 0)
    critical += math.ceil(writes / workers) + bulk
    bound = round(critical * latency, 2)
    return {
        "crm": "salesforce",
        "calls": calls,
        "seconds": timings["wall"],
        "processing_seconds": timings["processing"],
        "latency_added_seconds": (
            None if processing is False else round(timings["wall"] - timings["processing"], 2)
        ),
        "sequential_latency_seconds": round(calls * latency, 2),
        "lower_bound_seconds": bound,
        "critical_path_calls": critical,
        "ratio": round(timings["wall"] / bound, 2) if bound else None,
        "latency_ratio": (
            round((timings["wall"] - timings["processing"]) / bound, 2)
            if bound and processing
            else None
        ),
        "max_workers": workers,
        "429": statuses[429],
    }


def hubspot(accounts: int, latency: float, tier: int, processing: bool = True) -> dict[str, Any]:
    """A first sync under the fake's real-clock limits, with and without latency."""
    timings: dict[str, Any] = {"processing": None}
    for label, delay in _runs(latency, processing):
        with (
            tempfile.TemporaryDirectory() as tmp,
            hubspot_world(accounts, latency=delay, tier=tier) as w,
        ):
            connector = w.connector(ready=True, search_rate=5, rate_tier=tier)
            if label == "processing":  # no limits on either side (headers say plenty left)
                w.fake.state.limits.set_tier(10**9)
                w.fake.state.limits.search_per_second = 10**9
                w.fake.state.limits.per_second = 10**9
                connector.http.limiter.general.limit = 10**9
                connector.http.limiter.secondly.limit = 10**9
                connector.http.limiter.search.limit = 10**9
                connector.http.limiter.search_gap = 0.0
            w.fake.calls.reset()
            started = time.perf_counter()
            sync(connector, Path(tmp) / "runs.sqlite", 0)
            timings[label] = round(time.perf_counter() - started, 2)
            kinds = dict(connector.calls)
            statuses = _statuses(w.fake)
            waited = round(connector.http.limiter.waited, 1)
            workers = connector.section.max_workers
    searches = sum(n for kind, n in kinds.items() if kind.startswith("search_"))
    general = sum(kinds.values()) - searches
    bound = round(max(general / (tier / 10), searches / SEARCH_PER_SECOND), 1)
    return {
        "crm": "hubspot",
        "tier": tier,
        "calls": sum(kinds.values()),
        "searches": searches,
        "general": general,
        "seconds": timings["wall"],
        "processing_seconds": timings["processing"],
        "limiter_waited_seconds": waited,
        "lower_bound_seconds": bound,
        "ratio": round(timings["wall"] / bound, 2) if bound else None,
        "max_workers": workers,
        "429": statuses[429],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.wall_time")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--tier", type=int, choices=(100, 190, 250), default=100)
    parser.add_argument("--smoke", action="store_true", help="300 accounts (for CI)")
    parser.add_argument("--crm", choices=("salesforce", "hubspot", "both"), default="both")
    parser.add_argument(
        "--no-processing", action="store_true", help="skip the run without latency and limits"
    )
    parser.add_argument("--out", type=Path, help="default: results/wall_time.json (-smoke.json)")
    args = parser.parse_args(argv)
    accounts = 300 if args.smoke else args.accounts
    if args.out is None:
        args.out = RESULTS / ("wall_time-smoke.json" if args.smoke else "wall_time.json")
    latency = args.latency_ms / 1000
    processing = not (args.no_processing or args.smoke)
    results = []
    if args.crm in ("salesforce", "both"):
        results.append(salesforce(accounts, latency, processing))
        print(json.dumps(results[-1]), flush=True)
    if args.crm in ("hubspot", "both"):
        results.append(hubspot(accounts, latency, args.tier, processing))
        print(json.dumps(results[-1]), flush=True)
    print()
    print(f"{'crm':<11} {'calls':>6} {'seconds':>8} {'lower bound':>12} {'ratio':>6} {'429s':>5}")
    for r in results:
        print(
            f"{r['crm']:<11} {r['calls']:>6} {r['seconds']:>8} {r['lower_bound_seconds']:>12} "
            f"{r['ratio']:>6} {r['429']:>5}"
        )
    if args.out.exists():  # keep the other CRM's results of an earlier run at the same size
        earlier = json.loads(args.out.read_text(encoding="utf-8"))
        if (earlier.get("accounts"), earlier.get("latency_ms")) == (accounts, args.latency_ms):
            ran = {r["crm"] for r in results}
            kept = [r for r in earlier.get("results", []) if r["crm"] not in ran]
            results = sorted(kept + results, key=lambda r: r["crm"] != "salesforce")
    missed = [f"{r['crm']}: {r['429']} answers 429" for r in results if r["429"]]
    document = {
        "accounts": accounts,
        "latency_ms": args.latency_ms,
        "machine": machine(),
        "results": results,
        "missed": missed,
    }
    return write_results(args.out, document)


if __name__ == "__main__":
    sys.exit(main())
