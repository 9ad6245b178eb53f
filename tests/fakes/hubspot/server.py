"""Start and stop a fake HubSpot portal on 127.0.0.1 over plain HTTP. Does network I/O.

hubspot-api-client copies ``host`` onto every sub-API (``HubSpot(access_token=..., host=url)``),
and plain HTTP is fine for it (/work/shared/TESTING-CONNECTORS.md). Werkzeug's
``make_server(..., threaded=True)`` binds before it returns, so no readiness polling is needed
("Serving WSGI Applications", https://werkzeug.palletsprojects.com/en/stable/serving/); ``stop``
releases hanging requests, closes the sessions it handed out, shuts the server down and joins its
thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import requests
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import HubSpotApp
from .faults import CallLog, Faults
from .loader import LoadResult, load_source
from .profile import PortalProfile
from .schema import Option
from .state import Portal

if TYPE_CHECKING:
    from hubspot import HubSpot

__all__ = ["FakeHubSpot"]


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (test output stays readable)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class FakeHubSpot:
    """A running fake portal: ``url``, ``token``, ``state``, ``calls``, ``faults``.

    Args:
        clock: Epoch seconds for record timestamps and the rate-limit windows; pass a
            :class:`~.limits.ManualClock` to move time without sleeping.
        tier: Requests allowed per rolling 10 seconds (100, 190 or 250 on real portals).
        search_per_second: Search requests allowed per second (5).
        daily: Requests allowed per day (250,000 on Free/Starter).
        latency: Seconds each request waits before it is handled, as a network round trip
            would add (requests run in parallel threads, so they wait in parallel).
        sleep: How the latency is waited (a test passes one that records it).
        profile: A portal profile (:mod:`.profile`): its limits, search index delay and
            buying-role options replace ``tier``, ``search_per_second`` and ``daily``.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        tier: int = 100,
        search_per_second: int = 5,
        daily: int = 250_000,
        latency: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        profile: PortalProfile | None = None,
    ) -> None:
        self.state = Portal(clock)
        self.profile = profile
        if profile is not None:
            tier, search_per_second, daily = (
                profile.per_10_seconds,
                profile.search_per_second,
                profile.daily,
            )
            self.state.limits.per_second = profile.per_second
            self.state.search_delay = profile.search_index_delay_seconds
            roles = self.state.properties["contacts"]["hs_buying_role"]
            roles.options = [Option(v.replace("_", " ").title(), v, i)
                             for i, v in enumerate(profile.buying_role_options)]  # fmt: skip
        self.state.limits.set_tier(tier)
        self.state.limits.search_per_second = search_per_second
        self.state.limits.set_daily(limit=daily)
        self.faults = Faults()
        self.calls = CallLog()
        self.app = HubSpotApp(self.state, self.faults, self.calls)
        self.app.latency, self.app.sleep = latency, sleep
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._sessions: list[requests.Session] = []

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeHubSpot:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        self.faults.release.clear()
        self._server = make_server(
            "127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler
        )
        # A short poll interval keeps shutdown() (and so every test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-hubspot", daemon=True
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

    def __enter__(self) -> FakeHubSpot:
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
        """``http://127.0.0.1:PORT`` (the client's ``host``)."""
        if self._server is None:
            raise RuntimeError("the fake HubSpot is not running")
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def token(self) -> str:
        """The portal's valid private-app access token."""
        return self.state.token

    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer <token>`` for plain requests."""
        return {"Authorization": f"Bearer {self.token}"}

    def session(self) -> requests.Session:
        """A requests session that ignores proxy environment variables; closed on stop."""
        session = requests.Session()
        session.trust_env = False
        self._sessions.append(session)
        return session

    def client(self, access_token: str | None = None) -> HubSpot:
        """A hubspot-api-client ``HubSpot`` pointed at the fake (default: the valid token)."""
        from hubspot import HubSpot

        return HubSpot(access_token=access_token or self.token, host=self.url)

    def load(self, source_dir: Path) -> LoadResult:
        """Load a CSV source folder into the portal (:func:`~.loader.load_source`), with the
        profile's buying-role values."""
        roles = self.profile.role_values if self.profile is not None else None
        return load_source(self.state, source_dir, roles)
