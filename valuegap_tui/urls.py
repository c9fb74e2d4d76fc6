"""URLs without their credentials.

A server URL may carry ``user:password@``. Every URL is passed through ``strip_credentials`` before it
is stored, logged, shown or exported; the credentials it held stay in this process's memory only and
are sent as HTTP Basic auth to that server (``basic_auth_for``). A later process that reads the URL back
from a study has no credentials for it: those belong in a server profile (docs/servers.md).
"""

from __future__ import annotations

import base64
import re
from urllib.parse import unquote, urlsplit, urlunsplit

#: "scheme://host:port" -> the Authorization header value for it
_basic_auth: dict[str, str] = {}


def _origin(scheme: str, host: str) -> str:
    return f"{scheme.lower()}://{host.lower()}"


def strip_credentials(url: str) -> str:
    """``url`` without any user:password part; those are kept in memory for requests to its server."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # not a URL (e.g. an unclosed IPv6 bracket): still never show what looks like a password
        return re.sub(r"(?<=://)[^/?#]*@", "", url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    _basic_auth[_origin(parts.scheme, host)] = f"Basic {token}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def normalise_base_url(url: str) -> str:
    """``http://host:8000`` and ``http://host:8000/v1/`` both become ``http://host:8000/v1``.

    A URL a request could never reach is refused here, when it is read, so a run is never planned
    against it: no host (``http:///v1``), a port outside 1-65535, or a port that is not a number.
    """
    url = url.strip().rstrip("/")
    shown = strip_credentials(url)
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"endpoint URL must start with http:// or https://: {shown!r}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(f"endpoint URL {shown!r} has no usable port: give one from 1 to 65535") from None
    if not parts.hostname:
        raise ValueError(f"endpoint URL {shown!r} names no host: write it as http://HOST:PORT/v1")
    if port == 0:
        raise ValueError(f"endpoint URL {shown!r} has port 0: give one from 1 to 65535")
    return url if url.endswith("/v1") else url + "/v1"


def basic_auth_for(url: str) -> str | None:
    """The Authorization header for ``url``'s server if a URL with credentials named it in this process."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return _basic_auth.get(_origin(parts.scheme, parts.netloc.rpartition("@")[2]))
