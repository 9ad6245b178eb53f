"""Fake CRMs loaded with demo data, the connectors pointed at them, and a sync. Does I/O.

Shared by :mod:`benchmarks.api_economy` and :mod:`benchmarks.wall_time`. The demo folder comes
from :func:`crm_accounts.connectors.demo.generate_demo` (seed 2014) and is cached under
``benchmarks/.data/demo-<accounts>``; the fakes are the ones the integration tests use
(``tests/fakes``), loaded the same way (``fake.load(folder)``), so run the benchmarks with the
repository root as the working directory.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from crm_accounts.config import SalesforceSection
from crm_accounts.connectors.demo import generate_demo
from crm_accounts.connectors.hubspot import HubSpotConnector, apply_definitions, setup_definitions
from crm_accounts.connectors.salesforce import SalesforceConnector
from crm_accounts.domain import MethodSettings
from crm_accounts.runlog import RunLog
from crm_accounts.sync import SyncOptions, SyncReport, run_sync
from tests.fakes.hubspot import FakeHubSpot, ManualClock
from tests.fakes.hubspot import LoadResult as HubSpotLoad
from tests.fakes.salesforce import FakeSalesforce, loaded_section
from tests.integration.hubspot_world import section_for

__all__ = [
    "AS_OF",
    "DATA",
    "HubSpotWorld",
    "SalesforceWorld",
    "Waits",
    "demo_folder",
    "hubspot_world",
    "machine",
    "salesforce_world",
    "sync",
]

AS_OF = date(2026, 11, 27)
DATA = Path(__file__).resolve().parent / ".data"
RESULTS = Path(__file__).resolve().parent / "results"


def demo_folder(accounts: int) -> Path:
    """The demo source folder for ``accounts`` accounts, generated once and cached."""
    folder = DATA / f"demo-{accounts}"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate_demo(folder, as_of=AS_OF, accounts=accounts)
        done.write_text("ok\n")
    return folder / "source"


class Waits:
    """A connector's sleep on a :class:`ManualClock`: moves the clock instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.total = 0.0

    def __call__(self, seconds: float) -> None:
        self.total += seconds
        self.clock.advance(seconds)


def sync(connector: Any, run_log: Path, minute: int) -> SyncReport:
    """One ``crm-accounts sync`` through ``connector`` (the run log keeps the last values)."""
    with RunLog.open(run_log) as log:
        return run_sync(
            connector,
            MethodSettings(),
            SyncOptions(),
            AS_OF,
            log,
            config_hash="benchmark",
            now=lambda: datetime(2026, 11, 27, 6, minute, tzinfo=UTC),
        )


# -- Salesforce -------------------------------------------------------------------------------


def salesforce_section(fake: FakeSalesforce, **overrides: Any) -> SalesforceSection:
    """The ``[salesforce]`` section for the loaded demo (as the integration tests use it)."""
    return loaded_section(fake.url, **overrides)


@dataclass
class SalesforceWorld:
    fake: FakeSalesforce

    def connector(
        self, sleep: Callable[[float], None] = time.sleep, **overrides: Any
    ) -> SalesforceConnector:
        environ = {
            "SF_CLIENT_ID": self.fake.oauth.client_id,
            "SF_CLIENT_SECRET": self.fake.oauth.client_secret,
        }
        return SalesforceConnector.from_config(
            salesforce_section(self.fake, **overrides),
            environ,
            session=self.fake.session(),
            sleep=sleep,
        )


@contextmanager
def salesforce_world(accounts: int, *, latency: float = 0.0) -> Iterator[SalesforceWorld]:
    """A fake org with the demo of ``accounts`` accounts loaded, ``latency`` s per request."""
    with FakeSalesforce(latency=latency) as fake:
        fake.load(demo_folder(accounts))
        yield SalesforceWorld(fake)


# -- HubSpot ----------------------------------------------------------------------------------


@dataclass
class HubSpotWorld:
    fake: FakeHubSpot
    load: HubSpotLoad
    clock: Callable[[], float]

    def connector(
        self,
        sleep: Callable[[float], None] = time.sleep,
        *,
        ready: bool = False,
        **overrides: Any,
    ) -> HubSpotConnector:
        """A connector on the world's clock; ``ready`` creates the write-back properties."""
        section = section_for(self.fake.url, self.load, **overrides)
        clock = self.clock if isinstance(self.clock, ManualClock) else time.monotonic
        if isinstance(self.clock, ManualClock) and sleep is time.sleep:
            sleep = self.clock.advance  # a manual clock only moves when a wait moves it
        connector = HubSpotConnector.from_config(
            section,
            {"HUBSPOT_ACCESS_TOKEN": self.fake.token},
            clock=clock,
            sleep=sleep,
        )
        if ready:
            apply_definitions(connector, setup_definitions(section))
            connector.http.calls.clear()
        return connector


@contextmanager
def hubspot_world(
    accounts: int,
    *,
    clock: Callable[[], float] = time.time,
    latency: float = 0.0,
    tier: int = 100,
) -> Iterator[HubSpotWorld]:
    """A fake portal with the demo of ``accounts`` accounts loaded."""
    with FakeHubSpot(clock=clock, tier=tier, latency=latency) as fake:
        load = fake.load(demo_folder(accounts))
        yield HubSpotWorld(fake, load, clock)


def calls_by_route(snapshot: dict[tuple[str, str], int]) -> dict[str, int]:
    """``{"METHOD route": count}`` sorted by route."""
    counted: Counter[str] = Counter()
    for (method, route), count in snapshot.items():
        counted[f"{method} {route}"] += count
    return dict(sorted(counted.items(), key=lambda item: item[0].split(" ", 1)[::-1]))


def machine() -> dict[str, Any]:
    """nproc, CPU model and Python version, for the results file."""
    import os
    import platform

    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_results(path: Path, document: dict[str, Any]) -> int:
    """Write a benchmark's JSON document, report its missed targets; the exit code (1: missed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"written to {path}")
    for miss in document["missed"]:
        print(f"TARGET MISSED: {miss}", file=sys.stderr)
    return 1 if document["missed"] else 0
