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


def basic_auth_for(url: str) -> str | None:
    """The Authorization header for ``url``'s server if a URL with credentials named it in this process."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return _basic_auth.get(_origin(parts.scheme, parts.netloc.rpartition("@")[2]))
