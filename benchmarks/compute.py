"""Time reading, computing and exporting on generated CSV folders of several sizes. Does I/O.

Each size runs in a child process of its own, so its peak resident memory (``ru_maxrss`` from
``os.wait4``) is that run's alone. The child times three phases with ``time.perf_counter``:

* **read**: ``gather`` on a :class:`~crm_accounts.connectors.csv.CsvSource` (every file parsed,
  checked and aggregated: revenue per account, last contact per pair);
* **compute**: ``run_method`` (segmentation, rating, contact matrix, capacity-aware plan);
* **export**: ``export_tables`` (the four CSV tables and summary.json).

With ``--baseline REF`` the same runs are made, interleaved, with the code of a git revision
(``git archive`` of REF into a temporary folder, run from there with this Python): an A/B in one
run on one machine, ``--repeat`` times each. Folders are generated once into the cache folder
(``benchmarks/.data/``, git-ignored) and reused while their ``generated.json`` matches the size
and seed. Results are printed as a table and written as JSON. Usage (from the repository root)::

    python -m benchmarks.compute --sizes 10000,100000,1000000
    python -m benchmarks.compute --sizes 100000 --baseline v0.1.0 --repeat 3
    python -m benchmarks.compute --sizes 2000 --smoke     # seconds; for CI, fails non-zero
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from .generate import DEFAULT_SEED, generate, read_meta

__all__ = ["main", "measure"]

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
RESULTS = HERE / "results" / "compute.json"
PHASES = ("read", "compute", "export")


def _cpu_seconds() -> float:
    """CPU seconds of this process (its threads included) and of the children it has reaped."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _child(folder: Path, export: Path) -> dict[str, Any]:
    """Run the three phases on ``folder`` in this process; the figures as a JSON-ready dict."""
    started = time.perf_counter()
    from crm_accounts.connectors.csv import CsvSource
    from crm_accounts.domain.method import run_method
    from crm_accounts.domain.settings import MethodSettings
    from crm_accounts.services.export import export_tables
    from crm_accounts.services.run import gather

    imported = time.perf_counter()
    cpu = [_cpu_seconds()]
    meta = read_meta(folder)
    if meta is None:
        raise SystemExit(f"{folder}: not a generated folder (no {folder / 'generated.json'})")
    as_of = date.fromisoformat(meta["as_of"])
    settings = MethodSettings()
    gathered = gather(CsvSource(folder), settings, as_of)
    read = time.perf_counter()
    cpu.append(_cpu_seconds())
    result = run_method(gathered.data, settings, as_of)
    computed = time.perf_counter()
    cpu.append(_cpu_seconds())
    export_tables(result, export)
    exported = time.perf_counter()
    cpu.append(_cpu_seconds())
    return {
        "import": imported - started,
        "read": read - imported,
        "compute": computed - read,
        "export": exported - computed,
        # CPU seconds of the process per phase: robust against other jobs sharing the machine
        "cpu": {phase: cpu[i + 1] - cpu[i] for i, phase in enumerate(PHASES)},
        "customers": len(result.segmentation.customers),
        "pairs": len(result.matrix.pairs),
        "gaps": len(result.matrix.gaps),
        "planned": len(result.plan),
        "scheduled": sum(1 for planned in result.plan if planned.planned_date is not None),
    }


def _check_export(export: Path, accounts: int) -> list[str]:
    """Problems with the exported tables of a run (a smoke test's assertions)."""
    problems = []
    for name in ("segments.csv", "ratings.csv", "gaps.csv", "plan.csv", "summary.json"):
        if not (export / name).is_file():
            problems.append(f"{name} was not written")
    if problems:
        return problems
    with (export / "segments.csv").open(encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle)) - 1
    if rows != accounts:
        problems.append(f"segments.csv has {rows} rows, expected {accounts}")
    with (export / "plan.csv").open(encoding="utf-8", newline="") as handle:
        if sum(1 for _ in csv.reader(handle)) < 2:
            problems.append("plan.csv is empty")
    summary = json.loads((export / "summary.json").read_text(encoding="utf-8"))
    if summary["groups"]["A"]["accounts"] < 1:
        problems.append("summary.json has no A accounts")
    return problems


def _differences(theirs: Path, ours: Path) -> list[str]:
    """The exported files that differ between two codes (an A/B must compute the same)."""
    names = ("segments.csv", "ratings.csv", "gaps.csv", "plan.csv")
    return [
        f"{name} differs from the current code's"
        for name in names
        if not filecmp.cmp(theirs / name, ours / name, shallow=False)
    ]


def _folder(data: Path, accounts: int, seed: int) -> tuple[Path, dict[str, Any], float | None]:
    """The generated folder for ``accounts`` (generated now when missing or stale)."""
    folder = data / f"{accounts}-seed{seed}"
    meta = read_meta(folder)
    if meta is not None and meta["accounts"] == accounts and meta["seed"] == seed:
        return folder, meta, None
    print(f"generating {accounts:,} accounts into {folder} ...", flush=True)
    started = time.perf_counter()
    generate(folder, accounts, seed=seed)
    seconds = time.perf_counter() - started
    meta = read_meta(folder)
    assert meta is not None
    return folder, meta, seconds


def checkout(ref: str, into: Path) -> Path:
    """The code of git revision ``ref`` extracted into ``into`` (importable from there)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=HERE.parent, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    # the package maps connectors/ to crm_accounts.connectors (see pyproject.toml)
    (into / "crm_accounts" / "connectors").symlink_to(into / "connectors")
    return into


def measure(folder: Path, export: Path, code: Path | None = None) -> dict[str, Any]:
    """Run one size in a child process; its phase times, peak RSS and exit status.

    ``code``: a checkout (see :func:`checkout`) whose package and benchmark run instead of ours.
    """
    command = [sys.executable, "-m", "benchmarks.compute", "--child", str(folder), str(export)]
    environment = dict(os.environ)
    if code is not None:
        environment["PYTHONPATH"] = str(code)
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, cwd=code or HERE.parent, stdout=out, env=environment)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    if process.returncode != 0:
        return {"error": f"the child process exited with {process.returncode}", "wall": wall}
    figures: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    figures["wall"] = wall
    figures["peak_rss_mib"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return figures


def _machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        with Path("/proc/meminfo").open(encoding="utf-8") as handle:
            memory_kib = int(handle.readline().split()[1])
    except OSError:
        memory_kib = 0
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _table(runs: list[dict[str, Any]]) -> str:
    head = (
        f"{'code':>10} {'accounts':>10} {'rows':>12} {'read s':>8} {'compute s':>9} "
        f"{'export s':>8} "
        f"{'read+compute':>12} {'(CPU s)':>8} {'rows/s':>10} {'peak RSS':>10} {'growth':>7}"
    )
    lines = [head, "-" * len(head)]
    for run in runs:
        if "error" in run:
            lines.append(
                f"{run['code']:>10} {run['accounts']:>10,} {run['rows']:>12,}  {run['error']}"
            )
            continue
        growth = f"{run['growth']:.1f}" if run.get("growth") is not None else ""
        lines.append(
            f"{run['code']:>10} {run['accounts']:>10,} {run['rows']:>12,} {run['read']:>8.1f} "
            f"{run['compute']:>9.1f} {run['export']:>8.1f} {run['read_compute']:>12.1f} "
            f"{run['cpu']['read'] + run['cpu']['compute']:>8.1f} "
            f"{run['rows_per_second']:>10,.0f} {run['peak_rss_mib']:>6,.0f} MiB {growth:>7}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.compute", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="comma-separated numbers of accounts (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data", type=Path, help=f"cache of generated folders (default {DATA})")
    parser.add_argument("--out", type=Path, help=f"results JSON (default {RESULTS})")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI check: data in a temporary folder, no results file unless --out; "
        "fails when a run fails or its exported tables are wrong",
    )
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="also run the code of this git revision, interleaved with ours (an A/B)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per size and code (default: %(default)s)"
    )
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    with tempfile.TemporaryDirectory(prefix="crm-accounts-bench-") as scratch:
        data = args.data or (Path(scratch) if args.smoke else DATA)
        out = args.out or (None if args.smoke else RESULTS)
        codes: dict[str, Path | None] = {"current": None}
        if args.baseline:
            baseline = Path(scratch) / "baseline"
            baseline.mkdir()
            codes[args.baseline] = checkout(args.baseline, baseline)
        return _run(sizes, args.seed, data, out, codes, max(1, args.repeat))


def _run(
    sizes: list[int],
    seed: int,
    data: Path,
    out: Path | None,
    codes: dict[str, Path | None],
    repeat: int,
) -> int:
    machine = _machine()
    print(
        f"{machine['cpus']} CPUs ({machine['cpu_model']}), {machine['memory_gib']} GiB, "
        f"Python {machine['python']}",
        flush=True,
    )
    runs: list[dict[str, Any]] = []
    failed = False
    order = list(codes.items())
    for accounts in sizes:
        folder, meta, generated = _folder(data, accounts, seed)
        rows = sum(meta["rows"].values())
        for attempt in range(repeat):
            # interleaved, and the order alternates so neither code always runs first
            for name, code in order if attempt % 2 == 0 else order[::-1]:
                print(f"running {accounts:,} accounts ({rows:,} rows), {name} ...", flush=True)
                run: dict[str, Any] = {
                    "code": name, "accounts": accounts, "rows": rows, "files": meta["rows"]
                }  # fmt: skip
                if generated is not None:
                    run["generate_seconds"] = round(generated, 2)
                export = data / f"export-{accounts}-{name}"
                run.update(measure(folder, export, code))
                if "error" not in run:
                    run["read_compute"] = run["read"] + run["compute"]
                    run["rows_per_second"] = rows / run["read_compute"]
                    problems = _check_export(export, accounts)
                    if name != "current" and (data / f"export-{accounts}-current").is_dir():
                        problems += _differences(export, data / f"export-{accounts}-current")
                    if problems:
                        run["error"] = "; ".join(problems)
                if "error" in run:
                    failed = True
                    print(f"  FAILED: {run['error']}", file=sys.stderr, flush=True)
                runs.append(run)
    ours = [run for run in runs if run["code"] == "current"]
    for before, after in pairwise(ours):
        if (
            "error" not in before
            and "error" not in after
            and before["accounts"] != after["accounts"]
        ):
            after["growth"] = after["read_compute"] / before["read_compute"]
            after["growth_size"] = after["accounts"] / before["accounts"]
    print(_table(runs))
    speedups = _speedups(runs)
    for line in speedups:
        print(line)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine,
            "seed": seed,
            "counted": "read = gather (parse and check every CSV file, aggregate revenue and "
            "contacts); compute = run_method; export = export_tables; read_compute = read + "
            "compute; rows_per_second = input rows / read_compute; peak_rss_mib = the child "
            "process's max RSS; growth = read_compute / read_compute of the previous size",
            "runs": [_rounded(run) for run in runs],
            "speedups": speedups,
        }
        out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {out}")
    return 1 if failed else 0


def _speedups(runs: list[dict[str, Any]]) -> list[str]:
    """Per size and baseline: the best read + compute (wall and CPU) of each code, and the ratio."""
    best: dict[tuple[int, str], dict[str, Any]] = {}
    for run in runs:
        if "error" in run:
            continue
        key = (run["accounts"], run["code"])
        if key not in best or run["read_compute"] < best[key]["read_compute"]:
            best[key] = run
    lines = []
    for (accounts, code), theirs in best.items():
        ours = best.get((accounts, "current"))
        if code == "current" or ours is None:
            continue
        cpu = [run["cpu"]["read"] + run["cpu"]["compute"] for run in (theirs, ours)]
        ratio = theirs["read_compute"] / ours["read_compute"]
        lines.append(
            f"{accounts:,} accounts: read + compute {theirs['read_compute']:.1f} s ({code}) -> "
            f"{ours['read_compute']:.1f} s (current), {ratio:.2f}x; "
            f"CPU {cpu[0]:.1f} -> {cpu[1]:.1f} s, {cpu[0] / cpu[1]:.2f}x; peak RSS "
            f"{theirs['peak_rss_mib']:,.0f} -> {ours['peak_rss_mib']:,.0f} MiB"
        )
    return lines


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return round(value, 3) if isinstance(value, float) else value


if __name__ == "__main__":
    sys.exit(main())
