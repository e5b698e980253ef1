"""Which requests the preview answers: addressed to itself (Host, Origin), with a well-formed path.

The Host check defeats DNS rebinding: a web page whose name now resolves to 127.0.0.1
can reach the port, but its requests still carry its own name. The Origin check stops
another site's page from reading the event stream or anything else through CORS-mode requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class Audience:
    """The `host:port` names a request may give for the server bound to ``port``."""

    authorities: frozenset[str]

    @classmethod
    def of(cls, host: str, port: int) -> Audience:
        given = f"[{host}]" if ":" in host and not host.startswith("[") else host  # an IPv6 literal
        names = {*LOOPBACK_NAMES, given.lower()}
        authorities = {f"{name}:{port}" for name in names}
        if port == 80:  # browsers leave the default port out
            authorities |= names
        return cls(frozenset(authorities))

    def refusal(self, host: str | None, origin: str | None) -> str | None:
        """Why a request with these headers is refused, or None when it is the preview's own."""
        if host is None or host.strip().lower() not in self.authorities:
            return "this preview answers only to its own address (http://127.0.0.1:PORT/ or http://localhost:PORT/)"
        if origin is not None and origin.strip().lower() not in {f"http://{a}" for a in self.authorities}:
            return "requests from other sites' pages are refused"
        return None


def decode_path(target: str) -> str:
    """The request target's path, percent-decoded as UTF-8; ValueError when it is not a well-formed one."""
    if any(not "!" <= character <= "~" for character in target):  # raw spaces, controls, non-ASCII bytes
        raise ValueError("a character that has no place in a URL")
    path = urlsplit(target).path
    if _BAD_ESCAPE.search(path):
        raise ValueError("a % not followed by two hexadecimal digits")
    decoded = unquote_to_bytes(path).decode("utf-8")  # UnicodeDecodeError is a ValueError
    if any(ord(character) < 0x20 or character == "\x7f" for character in decoded):
        raise ValueError("an encoded control character")
    return decoded
