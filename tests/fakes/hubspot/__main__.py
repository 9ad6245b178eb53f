"""A rehearsal portal on the command line. Starts a server, writes files, handles signals (I/O).

    python -m tests.fakes.hubspot serve --profile FILE --source DIR --workdir W

loads the CSV source folder DIR into a fake portal shaped by the profile FILE (:mod:`.profile`),
serves it on 127.0.0.1 on real time (the profile's limits and search index delay apply), and
writes, in this order:

* ``W/env.json``: the environment the CLI needs, ``{"HUBSPOT_ACCESS_TOKEN": ...,
  "CRM_ACCOUNTS_CONFIG": "W/crm-accounts.toml", "HUBSPOT_HOST": "http://127.0.0.1:PORT"}``
  (the host is also in the configuration; it is there for scripts);
* ``W/crm-accounts.toml``: a working configuration for that portal, whose write-back properties
  ``crm-accounts setup --apply`` would create are created first: ``[hubspot]`` with the host,
  the profile's tier, the buying roles the loader wrote, the roster; a rating on the demo's
  attributes; the run log in W; no ``[[plan.rules]]``;
* the empty file ``W/ready``, once the portal answers.

It serves until SIGTERM or SIGINT, then stops and exits 0. A bad argument, profile or source
folder is reported on stderr with exit code 2 and nothing written.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from tests.configs import method_toml

from .profile import load_profile
from .server import FakeHubSpot

_SYNC = """\
[sync]
run_log = {run_log}

"""


def _config(workdir: Path, toml: str) -> str:
    run_log = json.dumps(str(workdir / "crm-accounts-runs.sqlite"))
    return method_toml("hubspot") + _SYNC.format(run_log=run_log) + toml


def _serve(profile_path: Path, source: Path, workdir: Path) -> int:
    from crm_accounts.connectors.hubspot import (
        HubSpotConnector,
        apply_definitions,
        setup_definitions,
    )
    from tests.integration.hubspot_world import section_for, toml_for  # the [hubspot] builders

    try:
        profile = load_profile(profile_path)
    except (OSError, ValueError) as exc:
        print(f"error: profile {profile_path}: {exc}", file=sys.stderr)
        return 2
    if not (source / "accounts.csv").is_file():
        print(f"error: --source {source}: no accounts.csv in that folder", file=sys.stderr)
        return 2
    stop = threading.Event()

    def ask_to_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    with FakeHubSpot(profile=profile) as fake:
        try:
            load = fake.load(source)
        except (OSError, ValueError, KeyError) as exc:
            print(f"error: --source {source}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 2
        limits = {
            "rate_tier": min(profile.per_10_seconds, 250),
            "search_rate": max(1, min(profile.search_per_second, 5)),
        }
        # The write-back properties exist, as after `crm-accounts setup --apply` by the admin.
        section = section_for(fake.url, load, **limits)
        admin = HubSpotConnector.from_config(section, {"HUBSPOT_ACCESS_TOKEN": fake.token})
        apply_definitions(admin, setup_definitions(section))
        workdir.mkdir(parents=True, exist_ok=True)
        config = workdir / "crm-accounts.toml"
        settings = toml_for(fake.url, load, **limits)
        environment = {
            "HUBSPOT_ACCESS_TOKEN": fake.token,
            "CRM_ACCOUNTS_CONFIG": str(config),
            "HUBSPOT_HOST": fake.url,
        }
        (workdir / "env.json").write_text(json.dumps(environment, indent=2) + "\n", "utf-8")
        config.write_text(_config(workdir, settings), encoding="utf-8")
        (workdir / "ready").write_text("", encoding="utf-8")
        print(f"serving {profile.name} portal at {fake.url}; SIGTERM stops it", flush=True)
        while not stop.wait(0.2):
            pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.hubspot")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a rehearsal portal until SIGTERM")
    serve.add_argument("--profile", type=Path, required=True, help="portal profile JSON file")
    serve.add_argument("--source", type=Path, required=True, help="CSV source folder to load")
    serve.add_argument("--workdir", type=Path, required=True, help="where env.json etc. go")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    return _serve(args.profile, args.source, args.workdir)


if __name__ == "__main__":
    sys.exit(main())
