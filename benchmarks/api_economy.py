"""API calls of a sync against the fake CRMs: per endpoint, against the minimum, against a naive
script. Does network I/O (loopback only) and writes ``benchmarks/results/api_economy.json``.

For each CRM a fake is loaded with the demo of ``--accounts`` accounts (contacts, deals or
opportunities, account team, activities); a first sync and an unchanged rerun run through the
connector, and the fake's call log gives the calls per endpoint. :mod:`.minimum` computes the
fewest calls the documented page and batch sizes allow for what the sync read and wrote; the
targets are at most 1.1 times that and no write on the rerun (the exit code is 1 otherwise,
so CI notices). A second fake gets the same data and :mod:`.naive` does the same job one call
per record. HubSpot runs on a manual clock (pacing waits move it, nothing sleeps).

Usage, from the repository root::

    python -m benchmarks.api_economy --accounts 10000
    python -m benchmarks.api_economy --smoke     # 300 accounts, well under a minute
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.crm_worlds import (
    RESULTS,
    Waits,
    calls_by_route,
    hubspot_world,
    machine,
    salesforce_world,
    sync,
    write_results,
)
from benchmarks.minimum import (
    HubSpotRecorder,
    SalesforceRecorder,
    hubspot_minimum,
    salesforce_group,
    salesforce_minimum,
)
from benchmarks.naive import hubspot_naive, salesforce_naive
from tests.fakes.hubspot import ManualClock

__all__ = ["main"]

TARGET = 1.1
_HS_WRITES = ("properties_companies", "companies_update", "tasks_create", "tasks_update")


def _ratio(ours: int, minimum: int) -> float:
    return round(ours / minimum, 3) if minimum else (1.0 if ours == 0 else float("inf"))


def _statuses(fake: Any) -> dict[str, int]:
    counted = Counter(status for _, _, status in list(fake.calls.log))
    return {str(k): v for k, v in sorted(counted.items())}


def salesforce(accounts: int) -> dict[str, Any]:
    """First sync, rerun and the naive script against the fake org."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, salesforce_world(accounts) as world:
        runs: dict[str, Any] = {}
        plans = []
        for name, minute in (("first", 0), ("rerun", 1)):
            connector = world.connector(sleep=lambda _: None)
            recorder = SalesforceRecorder(connector)
            world.fake.calls.reset()
            report = sync(connector, Path(tmp) / "runs.sqlite", minute)
            routes = calls_by_route(world.fake.calls.snapshot())
            groups: Counter[str] = Counter()
            for (_, route), n in world.fake.calls.snapshot().items():
                groups[salesforce_group(route)] += n
            minimum = salesforce_minimum(recorder, report.plan)
            ours, least = sum(groups.values()), sum(minimum.values())
            runs[name] = {
                "endpoints": routes,
                "groups": dict(groups),
                "minimum": minimum,
                "calls": ours,
                "minimum_calls": least,
                "ratio": _ratio(ours, least),
                "writes": groups["writes"],  # describes read the org (statuses, fields)
                "statuses": _statuses(world.fake),
                "queries": [q for q, _ in recorder.rows],
                "query_rows": [n for _, n in recorder.rows],
                "fields": dict(connector.fields.targets),
                "key_field": connector.fields.task_key,
            }
            plans.append(report.plan)
        accounts_a = [r["Id"] for r in world.fake.state.records("Account")]
    with salesforce_world(accounts) as naive_world:
        ids = [r["Id"] for r in naive_world.fake.state.records("Account")]
        if ids != accounts_a:
            raise RuntimeError("the second fake org got other ids; the plan does not apply")
        sf = naive_world.fake.client()
        for run, plan in zip(runs.values(), plans, strict=True):
            naive_world.fake.calls.reset()
            salesforce_naive(sf, run["queries"], ids, plan, run["fields"], run["key_field"])
            naive = naive_world.fake.calls.total
            run["naive_endpoints"] = calls_by_route(naive_world.fake.calls.snapshot())
            run["naive_calls"] = naive
            run["naive_ratio"] = _ratio(naive, run["calls"])
    for run in runs.values():
        del run["queries"], run["fields"], run["key_field"]
    return {"crm": "salesforce", "seconds": round(time.perf_counter() - started, 1), **runs}


def hubspot(accounts: int) -> dict[str, Any]:
    """First sync, rerun and the naive script against the fake portal."""
    started = time.perf_counter()
    clock = ManualClock()
    runs: dict[str, Any] = {}
    plans = []
    with tempfile.TemporaryDirectory() as tmp, hubspot_world(accounts, clock=clock) as world:
        for name, minute in (("first", 0), ("rerun", 1)):
            connector = world.connector(sleep=Waits(clock), ready=name == "first")
            recorder = HubSpotRecorder(connector)
            world.fake.calls.reset()
            report = sync(connector, Path(tmp) / "runs.sqlite", minute)
            kinds = dict(sorted(connector.calls.items()))
            minimum = hubspot_minimum(recorder, report.plan)
            ours, least = sum(kinds.values()), sum(minimum.values())
            runs[name] = {
                "endpoints": calls_by_route(world.fake.calls.snapshot()),
                "kinds": kinds,
                "minimum": dict(sorted(minimum.items())),
                "calls": ours,
                "minimum_calls": least,
                "ratio": _ratio(ours, least),
                "writes": sum(kinds.get(k, 0) for k in _HS_WRITES),
                "reads": sum(n for k, n in kinds.items() if k not in _HS_WRITES),
                "statuses": _statuses(world.fake),
            }
            plans.append(report.plan)
        companies_a = [str(r.id) for r in world.fake.state.records("companies")]
        section = connector.section
        close_status = connector.writer.close_status
    with hubspot_world(accounts, clock=ManualClock()) as naive_world:
        naive_world.connector(ready=True)  # the write-back properties, as `setup --apply` does
        ids = [str(r.id) for r in naive_world.fake.state.records("companies")]
        if ids != companies_a:
            raise RuntimeError("the second fake portal got other ids; the plan does not apply")
        naive_world.fake.state.limits.enforce = False
        client = naive_world.fake.client()
        for run, plan in zip(runs.values(), plans, strict=True):
            naive_world.fake.calls.reset()
            hubspot_naive(
                client,
                ids,
                plan,
                dict(section.fields),
                section.task_key_property,
                section.task_open_status,
                ZoneInfo(section.timezone),
                close_status,
            )
            per_record = naive_world.fake.calls.total
            run["naive_endpoints"] = calls_by_route(naive_world.fake.calls.snapshot())
            run["naive_calls"] = run["reads"] + per_record
            run["naive_ratio"] = _ratio(run["naive_calls"], run["calls"])
    return {"crm": "hubspot", "seconds": round(time.perf_counter() - started, 1), **runs}


def _table(title: str, rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [title]
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  " + "  ".join(cells))
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(result: dict[str, Any]) -> str:
    """The tables for one CRM."""
    first, rerun = result["first"], result["rerun"]
    routes = sorted(set(first["endpoints"]) | set(rerun["endpoints"]))
    rows = [("endpoint", "first", "rerun")]
    rows += [
        (r, str(first["endpoints"].get(r, 0)), str(rerun["endpoints"].get(r, 0))) for r in routes
    ]
    out = [_table(f"{result['crm']}: calls per endpoint (the fake's log)", rows)]
    key = "groups" if result["crm"] == "salesforce" else "kinds"
    names = sorted(set(first[key]) | set(first["minimum"]) | set(rerun[key]))
    rows = [("group" if key == "groups" else "kind", "first", "min", "rerun", "min")]
    rows += [
        (
            n,
            str(first[key].get(n, 0)),
            str(first["minimum"].get(n, 0)),
            str(rerun[key].get(n, 0)),
            str(rerun["minimum"].get(n, 0)),
        )
        for n in names
    ]
    out.append(_table(f"{result['crm']}: ours against the minimum", rows))
    rows = [("run", "ours", "minimum", "ratio", "naive", "naive/ours", "writes", "429s")]
    for name, run in (("first sync", first), ("unchanged rerun", rerun)):
        rows.append(
            (
                name,
                str(run["calls"]),
                str(run["minimum_calls"]),
                f"{run['ratio']:.3f}",
                str(run["naive_calls"]),
                f"{run['naive_ratio']:.1f}",
                str(run["writes"]),
                str(run["statuses"].get("429", 0)),
            )
        )
    out.append(_table(f"{result['crm']}: totals", rows))
    return "\n\n".join(out)


def misses(result: dict[str, Any]) -> list[str]:
    """The targets a CRM's result misses."""
    found = []
    for name in ("first", "rerun"):
        run = result[name]
        if run["ratio"] > TARGET:
            found.append(f"{result['crm']} {name}: {run['ratio']} times the minimum")
        if run["statuses"].get("429", 0):
            found.append(f"{result['crm']} {name}: {run['statuses']['429']} answers 429")
    if result["rerun"]["writes"]:
        found.append(f"{result['crm']} rerun: {result['rerun']['writes']} write calls")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_economy")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--smoke", action="store_true", help="300 accounts (for CI)")
    parser.add_argument("--crm", choices=("salesforce", "hubspot", "both"), default="both")
    parser.add_argument("--out", type=Path, help="default: results/api_economy.json (-smoke.json)")
    args = parser.parse_args(argv)
    accounts = 300 if args.smoke else args.accounts
    if args.out is None:
        args.out = RESULTS / ("api_economy-smoke.json" if args.smoke else "api_economy.json")
    results = []
    if args.crm in ("salesforce", "both"):
        results.append(salesforce(accounts))
        print(report(results[-1]), end="\n\n", flush=True)
    if args.crm in ("hubspot", "both"):
        results.append(hubspot(accounts))
        print(report(results[-1]), end="\n\n", flush=True)
    if args.out.exists():  # keep the other CRM's results of an earlier run at the same size
        earlier = json.loads(args.out.read_text(encoding="utf-8"))
        if earlier.get("accounts") == accounts:
            ran = {r["crm"] for r in results}
            kept = [r for r in earlier.get("results", []) if r["crm"] not in ran]
            results = sorted(kept + results, key=lambda r: r["crm"] != "salesforce")
    missed = [m for r in results for m in misses(r)]
    document = {
        "accounts": accounts,
        "target_ratio": TARGET,
        "machine": machine(),
        "results": results,
        "missed": missed,
    }
    return write_results(args.out, document)


if __name__ == "__main__":
    sys.exit(main())
