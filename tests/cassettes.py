"""What every cassette test shares: scrubbing recorded HTTP and guarding against leaked secrets.

A vendor module gives its own rules (host rewrites, token shapes, account ids); this module
applies them to request URIs and bodies, response bodies (fixing ``Content-Length``) and headers,
builds the vcrpy configuration (replay-only matching on method, host, path, query and body), and
scans the saved cassettes for anything secret-looking.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["EMAIL", "Scrubber", "assert_no_secrets"]

#: Any e-mail address outside the reserved ``.example`` domains the demo data uses.
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@(?![A-Za-z0-9-]+\.example\b)[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_AUTHORIZATION = re.compile(r"(?im)^\s*-?\s*authorization:")


@dataclass(frozen=True)
class Scrubber:
    """Ordered ``(pattern, replacement)`` rules, then e-mail addresses."""

    rules: Sequence[tuple[re.Pattern[str], str]]

    def scrub(self, text: str) -> str:
        for pattern, replacement in self.rules:
            text = pattern.sub(replacement, text)
        return EMAIL.sub("someone@scrubbed.example", text)

    def request(self, request: Any) -> Any:
        request.uri = self.scrub(request.uri)
        if isinstance(request.body, bytes):
            request.body = self.scrub(request.body.decode("utf-8", "replace")).encode()
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers", {})
        body = response.get("body", {}).get("string")
        if isinstance(body, bytes):
            cleaned = self.scrub(body.decode("utf-8", "replace")).encode()
            response["body"]["string"] = cleaned
            for name in list(headers):
                if name.lower() == "content-length":
                    headers[name] = [str(len(cleaned))]
        for name in list(headers):
            if name.lower() in {"set-cookie", "location"}:
                headers[name] = [self.scrub(value) for value in headers[name]]
        return response

    def vcr_config(self, **extra: Any) -> dict[str, Any]:
        """Replay-only matching, bodies included; nothing secret is ever written."""
        return {
            "filter_headers": ["authorization", "cookie", "set-cookie"],
            "before_record_request": self.request,
            "before_record_response": self.response,
            "match_on": ["method", "scheme", "host", "path", "query", "body"],
            "decode_compressed_response": True,
            "allow_playback_repeats": False,
            **extra,
        }


def assert_no_secrets(folder: Path, suspicious: Mapping[str, re.Pattern[str]]) -> None:
    """Fail when a cassette in ``folder`` holds a secret-looking value (or there is none)."""
    patterns = {**suspicious, "e-mail address": EMAIL, "authorization header": _AUTHORIZATION}
    cassettes = sorted(folder.glob("*.yaml"))
    assert cassettes, f"the recorded cassettes must be in the repository ({folder})"
    for cassette in cassettes:
        text = cassette.read_text(encoding="utf-8")
        found = {name for name, pattern in patterns.items() if pattern.search(text)}
        assert not found, f"{cassette.name} holds a {', '.join(sorted(found))}"
