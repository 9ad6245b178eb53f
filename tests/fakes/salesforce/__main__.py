"""``python -m tests.fakes.salesforce serve``: a rehearsal org on loopback. Starts a server, writes
files, handles signals.

    python -m tests.fakes.salesforce serve --profile FILE --source DIR --workdir W [--port N]

loads the CSV source folder ``DIR`` (docs/formats.md) into a fake org with the profile ``FILE``
(a profile file, or the name of a shipped one: standard, custom_nl, no_acr, multi_currency),
writes ``W/ca.pem``, ``W/env.json`` (the environment variables the crm-accounts CLI needs),
``W/crm-accounts.toml`` (a configuration for that org) and then the empty ``W/ready``, and serves
on 127.0.0.1 until SIGTERM or Ctrl-C, then exits 0. Bad arguments, a source folder it cannot
load or a port it cannot bind: a message on stderr and exit 2. See :mod:`.rehearsal`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .profile import ProfileError, resolve_profile
from .rehearsal import RehearsalError, prepare, write_workdir

__all__ = ["main"]

USAGE_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.salesforce",
        description="A fake Salesforce org to rehearse crm-accounts against.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="load a CSV source folder and serve it on loopback")
    serve.add_argument("--profile", required=True, help="org profile file or shipped name")
    serve.add_argument("--source", required=True, type=Path, help="CSV source folder")
    serve.add_argument("--workdir", required=True, type=Path, help="folder for the files")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: free)")
    return parser


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return USAGE_ERROR


def serve(profile_spec: str, source: Path, workdir: Path, port: int) -> int:
    """Run the rehearsal org until SIGTERM or SIGINT; the exit status."""
    if not 0 <= port <= 65535:
        return _fail(f"--port {port}: expected 0 to 65535")
    if not source.is_dir():
        return _fail(f"--source {source}: not a folder")
    try:
        profile = resolve_profile(profile_spec)
    except ProfileError as exc:
        return _fail(f"--profile: {exc}")
    except ValueError as exc:
        return _fail(f"--profile {profile_spec}: {exc}")
    if workdir.exists() and not workdir.is_dir():
        return _fail(f"--workdir {workdir}: not a folder")
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "ready").unlink(missing_ok=True)
    except OSError as exc:
        return _fail(f"--workdir {workdir}: {exc.strerror}")
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        fake = prepare(profile, source, port)
    except RehearsalError as exc:
        return _fail(str(exc))
    except ValueError as exc:  # the profile does not fit the org (a role value, a picklist)
        return _fail(f"--profile {profile_spec}: {exc}")
    except OSError as exc:
        return _fail(f"--port {port}: cannot listen on 127.0.0.1: {exc.strerror}")
    try:
        write_workdir(fake, profile, source, workdir)
        print(f"serving {fake.url} (profile {profile.name}); files in {workdir}", flush=True)
        while not stop.wait(0.5):
            pass
    except OSError as exc:
        return _fail(f"--workdir {workdir}: {exc.strerror}")
    finally:
        fake.stop()
        (workdir / "ready").unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)  # bad arguments: usage on stderr, exit 2
    return serve(arguments.profile, arguments.source, arguments.workdir, arguments.port)


if __name__ == "__main__":
    sys.exit(main())
