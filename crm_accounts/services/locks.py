"""Which lock a run takes for its source (no I/O until the lock is entered).

A CSV folder is locked by ``.crm-accounts.lock`` inside it. A CRM is locked by a file in the
machine's lock folder named after the org or portal as the configuration and environment
identify it: Salesforce by its instance URL (session login) or login host and user (or client
id), HubSpot by its API host and a digest of the private-app token (a token belongs to one
portal). Only a digest of that identity appears in the file name.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from ..config import Config
from ..runlock import SOURCE_LOCK_NAME, OsLock, source_lock_path

__all__ = ["source_identity", "source_lock"]


def _env(environ: Mapping[str, str], name: str) -> str:
    return environ.get(name, "").strip().lower()


def source_identity(config: Config, environ: Mapping[str, str]) -> str:
    """What tells this CRM org or portal from others, as far as the run can know up front."""
    if config.source.kind == "salesforce":
        section = config.salesforce
        if section.auth == "session":
            return _env(environ, "SF_INSTANCE_URL").rstrip("/")
        user = _env(environ, "SF_USERNAME") or _env(environ, "SF_CLIENT_ID")
        return f"{section.login_url.lower().rstrip('/')}\n{user}"
    section_hs = config.hubspot
    token = environ.get(section_hs.access_token_env, "").strip()
    digest = hashlib.sha256(token.encode()).hexdigest()
    return f"{section_hs.host.lower().rstrip('/')}\n{digest}"


def source_lock(
    config: Config, source_dir: Path | None, environ: Mapping[str, str] | None = None
) -> OsLock:
    """The lock of the source a run with ``config`` (and ``--source``) writes."""
    if source_dir is not None or config.source.kind == "csv":
        folder = source_dir if source_dir is not None else config.source_path()
        return OsLock(folder / SOURCE_LOCK_NAME, f"the CSV folder {folder}", create_folder=False)
    kind = config.source.kind
    identity = source_identity(config, os.environ if environ is None else environ)
    return OsLock(source_lock_path(kind, identity), f"the {kind} source")
