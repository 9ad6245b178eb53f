"""Start and stop a fake Salesforce on 127.0.0.1 with TLS from a throwaway CA. Does network I/O.

simple-salesforce only speaks ``https://``, so the fake serves TLS with a trustme CA whose
certificate is written to :attr:`FakeSalesforce.ca_path` for ``verify``. Sessions from
:meth:`FakeSalesforce.session` set ``trust_env = False``: these machines set ``REQUESTS_CA_BUNDLE``,
which requests would otherwise let override ``verify`` (/work/shared/TESTING-CONNECTORS.md).
Werkzeug's ``make_server(..., threaded=True, ssl_context=...)`` binds before it returns, so no
readiness polling is needed ("Serving WSGI Applications", Werkzeug documentation,
https://werkzeug.palletsprojects.com/en/stable/serving/); ``stop`` releases hanging requests,
closes the sessions it handed out, shuts the server down and joins its thread.
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import requests
import trustme
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import SalesforceApp
from .bulk import Bulk
from .faults import CallLog, Faults
from .loader import LoadResult, load_source
from .oauth import OAuthSettings
from .profile import OrgProfile
from .state import Org

if TYPE_CHECKING:
    from simple_salesforce.api import Salesforce

__all__ = ["FakeSalesforce"]


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (test output stays readable)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class FakeSalesforce:
    """A running fake org: ``url``, ``ca_path``, ``token``, ``state``, ``calls``, ``faults``.

    Args:
        latency: Seconds each request waits before it is handled, as a network round trip
            would add (requests run in parallel threads, so they wait in parallel).
        sleep: How the latency is waited (a test passes one that records it).
        profile: The org profile (:mod:`.profile`): a profile, a profile file or a shipped
            profile's name (``"standard"``, ``"custom_nl"``, ``"no_acr"``,
            ``"multi_currency"``); the standard profile when omitted.
    """

    def __init__(
        self,
        *,
        version: str = "62.0",
        oauth: OAuthSettings | None = None,
        latency: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        profile: OrgProfile | Path | str | None = None,
    ) -> None:
        self.version = version
        self.state = Org(profile=profile)
        self.faults = Faults(self.state)
        self.calls = CallLog()
        self.bulk = Bulk(self.state)
        self.oauth = oauth or OAuthSettings(audiences={self.state.profile.login_host()})
        self.app = SalesforceApp(self.state, self.faults, self.calls, self.bulk, self.oauth)
        self.app.latency, self.app.sleep = latency, sleep
        self.token = self.state.issue_token()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._folder: Path | None = None
        self._sessions: list[requests.Session] = []

    # --- lifecycle ------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeSalesforce:
        """Bind 127.0.0.1 on ``port`` (0: a free one) and serve in a daemon thread.

        Raises:
            OSError: the port cannot be bound.
        """
        ca = trustme.CA()
        certificate = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        self._folder = Path(tempfile.mkdtemp(prefix="fake-salesforce-"))
        ca.cert_pem.write_to_path(str(self._folder / "ca.pem"))
        self._server = make_server(
            "127.0.0.1",
            port,
            self.app,
            threaded=True,
            ssl_context=context,
            request_handler=_QuietHandler,
        )
        # A short poll interval keeps shutdown() (and so every test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-salesforce", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hangs, close handed-out sessions, shut down, join, close the socket."""
        self.faults.release.set()
        for session in self._sessions:
            session.close()
        self._sessions.clear()
        if self._server is not None:
            self._server.shutdown()
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._server.server_close()
            self._server = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> FakeSalesforce:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what tests use ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``https://127.0.0.1:PORT`` (the instance and login URL)."""
        if self._server is None:
            raise RuntimeError("the fake Salesforce is not running")
        return f"https://127.0.0.1:{self._server.server_port}"

    @property
    def ca_path(self) -> str:
        """The CA bundle file to pass as ``verify``."""
        if self._folder is None:
            raise RuntimeError("the fake Salesforce is not running")
        return str(self._folder / "ca.pem")

    @property
    def api_base(self) -> str:
        """``https://127.0.0.1:PORT/services/data/v62.0``."""
        return f"{self.url}/services/data/v{self.version}"

    def session(self) -> requests.Session:
        """A requests session that trusts the fake's CA and ignores proxy/CA environment
        variables; closed when the fake stops."""
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca_path
        self._sessions.append(session)
        return session

    def renew_token(self) -> str:
        """Issue a fresh token (after :meth:`~.faults.Faults.expire_tokens`) and keep it."""
        self.token = self.state.issue_token()
        return self.token

    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer <token>`` for plain requests."""
        return {"Authorization": f"Bearer {self.token}"}

    def client(self) -> Salesforce:
        """A simple-salesforce client on a fresh :meth:`session` with the current token."""
        from simple_salesforce.api import Salesforce

        return Salesforce(
            instance_url=self.url,
            session_id=self.token,
            version=self.version,
            session=self.session(),
        )

    @property
    def profile(self) -> OrgProfile:
        """The org's profile."""
        return self.state.profile

    def load(self, source_dir: Path) -> LoadResult:
        """Load a CSV source folder into the org (:func:`~.loader.load_source`)."""
        return load_source(self.state, source_dir)
