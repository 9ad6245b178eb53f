"""``crm-accounts init``: read what a source holds, propose a configuration, ask about it on a
terminal, write it. Does I/O (the source's names and values; one file written).

The order keeps every refusal before anything is read or written: the options are checked, an
existing file is refused without ``overwrite``, the source is surveyed (a CRM that cannot be
reached fails here, exit 3), proposals are made and reviewed, the text is validated as a
configuration (a file ``check`` would refuse is never written) and only then written
atomically. Running ``check`` on the written file is the caller's last step.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import IO

from ..config import parse_config
from ..errors import ConnectorError, FatalConnectorError, TemporaryError, UsageError
from ..init.draft import Draft, render
from ..init.propose import propose
from ..init.review import Ask, review
from ..safefile import file_identity, write_atomically
from .compose import open_survey

__all__ = ["CRM_KINDS", "InitOutcome", "InitRequest", "run_init"]

CRM_KINDS = ("salesforce", "hubspot")


@dataclass(frozen=True, slots=True)
class InitRequest:
    """The options of ``init``: a CSV folder or a CRM kind, the file to write."""

    out: Path
    source: Path | None = None
    kind: str | None = None
    url: str | None = None
    overwrite: bool = False


@dataclass(frozen=True, slots=True)
class InitOutcome:
    """What was written: the file, its draft and how many proposals a person reviewed."""

    path: Path
    draft: Draft
    proposals: int
    asked: int


def _kind(request: InitRequest) -> str:
    if request.source is not None and request.kind is not None:
        raise UsageError("give either --source DIR (a CSV folder) or --kind, not both")
    if request.source is not None:
        if request.url is not None:
            raise UsageError("--url is for --kind salesforce|hubspot, not for a CSV folder")
        return "csv"
    if request.kind is None:
        raise UsageError("give --source DIR (a CSV folder) or --kind salesforce|hubspot")
    kind = request.kind.strip().lower()
    if kind not in CRM_KINDS:
        raise UsageError(
            f"--kind: value {request.kind!r} is not a CRM; expected salesforce or hubspot "
            "(for a CSV folder give --source DIR)"
        )
    return kind


def _refuse_existing(out: Path, overwrite: bool) -> None:
    if out.is_dir():
        raise UsageError(f"--out {out}: is a folder; give a file name such as crm-accounts.toml")
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: the folder {out.parent} does not exist")
    if not overwrite and (out.exists() or out.is_symlink()):
        raise UsageError(f"{out} exists; nothing written (give --yes to replace it)")


def _relative(folder: Path, base: Path) -> str:
    """The CSV folder as the config names it: relative to the config file's folder."""
    try:
        return Path(os.path.relpath(folder.resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return folder.resolve().as_posix()


def run_init(request: InitRequest, *, ask: Ask | None, today: date,
             say: Callable[[str], None] = lambda _: None) -> InitOutcome:  # fmt: skip
    """Survey the source, propose, review when ``ask`` is given (a terminal), write the file.

    Raises:
        UsageError: bad options, an existing file without ``overwrite``, an unreadable folder,
            or a reviewed value the configuration refuses; nothing is written.
        ConnectorError: the CRM could not be reached or refused the credentials.
    """
    kind = _kind(request)
    out = request.out
    _refuse_existing(out, request.overwrite)
    before = file_identity(out)  # None without --yes: a file appearing meanwhile is not replaced
    survey = open_survey(kind, source_dir=request.source, url=request.url)
    say(f"reading {'the folder' if kind == 'csv' else kind} ...")
    try:
        facts = survey.survey()
    except FatalConnectorError:
        raise  # credentials refused, a scope missing: exit 2, fix and run again
    except ConnectorError as exc:
        raise TemporaryError(
            f"{kind} did not answer: {exc}; nothing written. Check --url and the network, "
            "then run init again"
        ) from None
    if kind == "csv" and request.source is not None:
        facts = replace(facts, location=_relative(request.source, out.parent))
    draft = propose(facts, today=today)
    proposals = len(draft.proposals())
    asked = review(draft, ask) if ask is not None else 0
    text = render(draft)
    parse_config(text, origin=str(out), base_dir=out.parent)  # never write a refused file

    def unchanged() -> None:
        if not request.overwrite and file_identity(out) != before:
            raise UsageError(f"{out} appeared while init ran; nothing written (--yes replaces it)")

    def write(handle: IO[str]) -> None:
        handle.write(text)

    write_atomically(out, write, verify=unchanged)
    return InitOutcome(out, draft, proposals, asked)
