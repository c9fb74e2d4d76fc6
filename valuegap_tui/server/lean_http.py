"""A lean HTTP/1.1 client straight on asyncio's protocols: POST a JSON body, read the reply.

A run sends 100,000+ short chat requests to one or a few servers. aiohttp spends most of a request's
client CPU in its request and response machinery (headers objects, payload registry, timers,
tracing hooks) and takes about a quarter of a second to import; this client writes the request head
it prepared once per endpoint, reads the reply with a few ``bytes.find`` calls, and keeps
connections alive. Measured on a 2-core machine against a fixed-reply loopback server: about
0.08 ms of client CPU per request against about 0.29 ms for a bare aiohttp loop
(bench/vs_peers.py, docs/evaluation.md).

What it speaks: HTTP/1.1 (and 1.0) replies with a Content-Length, chunked, or read to the
connection's close; gzip or deflate bodies; keep-alive with ``Connection: close`` honoured; 1xx
replies skipped; ``https://`` through the standard library's default TLS context. It sends no
Accept-Encoding and follows no redirects, and a proxy from the environment is not used (as with the
aiohttp transport). A reused keep-alive connection that the server closed before any byte of the
reply came back is asked once more on a fresh connection (a server closes idle connections when it
likes; nothing of that request was answered).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class HttpError(Exception):
    """No reply could be read: the connection failed, closed early, or spoke no HTTP."""


class ClosedBeforeReply(HttpError):
    """The server closed the connection before sending any byte of the reply."""


class Reply:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body


#: longest reply head accepted (status line and headers)
MAX_HEAD = 64 * 1024
#: a connection's timer may ring this early by the loop's clock (uvloop keeps time in milliseconds)
CLOCK_SLACK_S = 0.001


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future | None = None
        self.buffer = bytearray()
        self.closed = False
        self.got_bytes = False  # any byte of the current reply
        self.deadline = 0.0  # when the current exchange times out (loop time)
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0
        self._reset_reply()

    def _reset_reply(self) -> None:
        self.status = 0
        self.headers: dict[str, str] | None = None
        self.length: int | None = None  # Content-Length, or None
        self.chunked = False
        self.until_close = False
        self.keep_alive = True
        self.body = bytearray()
        self.got_bytes = False

    # --- asyncio protocol ---
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        if self.waiter is None or self.waiter.done():
            self.closed = True  # bytes nobody asked for: this connection cannot be trusted again
            self.transport.close()
            return
        self.buffer += data
        try:
            self._parse()
        except HttpError as exc:
            self._fail(exc)

    def eof_received(self) -> bool:
        if self.until_close and self.headers is not None:
            self.body += self.buffer
            self.buffer.clear()
            self.keep_alive = False
            self._done()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.unwatch()
        if self.waiter is not None and not self.waiter.done():
            if self.until_close and self.headers is not None:
                self.body += self.buffer
                self.buffer.clear()
                self.keep_alive = False
                self._done()
            elif not self.got_bytes:
                self.waiter.set_exception(ClosedBeforeReply("the server closed the connection before replying"))
            else:
                reason = f": {exc}" if exc else ""
                self.waiter.set_exception(HttpError(f"the server closed the connection mid-reply{reason}"))

    # --- the reply ---
    def _fail(self, exc: Exception) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.transport.close()

    def _done(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(Reply(self.status, self.headers, bytes(self.body)))

    def _parse(self) -> None:
        buffer = self.buffer
        while self.headers is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD:
                    raise HttpError("the reply's head is too long")
                return
            head = buffer[:end].decode("latin-1")
            del buffer[:end + 4]
            lines = head.split("\r\n")
            version, _, rest = lines[0].partition(" ")
            code = rest[:3]
            if not version.startswith("HTTP/1.") or not code.isdigit():
                raise HttpError(f"not an HTTP reply: {lines[0][:80]!r}")
            status = int(code)
            if 100 <= status < 200:  # 100 Continue and the like: the real reply follows
                continue
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, colon, value = line.partition(":")
                if not colon:
                    raise HttpError(f"bad header line: {line[:80]!r}")
                headers[name.strip().lower()] = value.strip()
            self.status, self.headers = status, headers
            connection = headers.get("connection", "").lower()
            self.keep_alive = ("close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection)
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self.chunked = True
            elif "content-length" in headers:
                try:
                    self.length = int(headers["content-length"])
                except ValueError:
                    raise HttpError(f"bad Content-Length: {headers['content-length'][:40]!r}") from None
                if self.length < 0:
                    raise HttpError("negative Content-Length")
            elif status in (204, 304):
                self.length = 0
            else:
                self.until_close = True
                self.keep_alive = False
        if self.chunked:
            self._parse_chunks()
        elif self.length is not None:
            if len(buffer) < self.length:
                return
            # bytes at once (``_done`` keeps bytes as they are): one copy of the body, not two
            self.body = bytes(buffer) if len(buffer) == self.length else bytes(buffer[:self.length])
            if len(buffer) > self.length:
                self.keep_alive = False  # more than it announced: the reply is read, the connection not trusted
            buffer.clear()
            self._done()
        # until_close: the body is what comes before the connection closes (eof_received)

    def _parse_chunks(self) -> None:
        buffer = self.buffer
        while True:
            line_end = buffer.find(b"\r\n")
            if line_end < 0:
                return
            size_text = bytes(buffer[:line_end]).split(b";")[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise HttpError(f"bad chunk size: {size_text[:20]!r}") from None
            if size < 0:
                raise HttpError(f"bad chunk size: {size_text[:20]!r}")
            if size == 0:  # the last chunk; trailers (ignored) end with an empty line
                end = buffer.find(b"\r\n\r\n", line_end)
                if end < 0:
                    return
                if len(buffer) > end + 4:
                    self.keep_alive = False
                buffer.clear()
                self._done()
                return
            start = line_end + 2
            if len(buffer) < start + size + 2:
                return
            if buffer[start + size:start + size + 2] != b"\r\n":
                raise HttpError("a chunk does not end where its size says")
            self.body += buffer[start:start + size]
            del buffer[:start + size + 2]

    # --- one exchange ---
    def begin(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future:
        self._reset_reply()
        self.waiter = loop.create_future()
        return self.waiter

    def watch(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        """Time the current exchange out at ``deadline``. One timer per connection, moved only when it
        rings before a later exchange's deadline (or would ring after an earlier one), instead of a
        timer made and cancelled for every request (about 2 us a request on uvloop)."""
        self.deadline = deadline
        if self.timer is None or deadline < self.timer_at:
            self.unwatch()
            self.timer, self.timer_at = loop.call_at(deadline, self._deadline_reached, loop), deadline

    def unwatch(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _deadline_reached(self, loop: asyncio.AbstractEventLoop) -> None:
        self.timer = None
        if self.waiter is None or self.waiter.done():
            return  # the exchange it was set for is over; the next one sets it again
        if loop.time() + CLOCK_SLACK_S >= self.deadline:
            _expire(self.waiter)
        else:  # set for an earlier exchange on this connection: ring at this one's deadline
            self.timer, self.timer_at = loop.call_at(self.deadline, self._deadline_reached, loop), self.deadline

    @property
    def reusable(self) -> bool:
        return not self.closed and self.keep_alive and not self.buffer and not self.transport.is_closing()


class HttpClient:
    """Keep-alive connections to one server (``base_url``: scheme, host, port and a path prefix)."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout_s: float):
        parts = urlsplit(base_url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/")
        self.timeout_s = timeout_s
        host_header = parts.netloc.rpartition("@")[2]
        self._fixed_headers = "".join(f"{name}: {value}\r\n" for name, value in
                                      {"Host": host_header, **headers}.items()).encode("latin-1")
        self._heads: dict[str, bytes] = {}
        self._idle: list[_Connection] = []
        self._all: set[_Connection] = set()
        self._ssl = None

    def _ssl_context(self):
        if self._ssl is None:
            import ssl

            self._ssl = ssl.create_default_context()
        return self._ssl

    async def _connect(self, loop) -> _Connection:
        try:
            _, connection = await loop.create_connection(
                _Connection, self.host, self.port,
                ssl=self._ssl_context() if self.https else None,
                server_hostname=self.host if self.https else None)
        except OSError as exc:
            raise HttpError(f"{type(exc).__name__}: {exc}") from None
        self._all.add(connection)
        return connection

    def _idle_connection(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if connection.reusable:
                return connection
            self._all.discard(connection)
        return None

    async def post(self, path: str, body: bytes) -> Reply:
        """POST ``body`` (JSON) to ``prefix + path``; raises HttpError when no reply could be read and
        TimeoutError when none came within the timeout (connecting included)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        head = self._heads.get(path)
        if head is None:  # the request line and fixed headers, once per path
            head = self._heads[path] = (f"POST {self.prefix}{path} HTTP/1.1\r\n".encode("latin-1") + self._fixed_headers
                                        + b"Content-Type: application/json\r\nContent-Length: ")
        data = b"".join((head, b"%d\r\n\r\n" % len(body), body))
        connection = self._idle_connection()
        if connection is not None:
            try:
                return await self._exchange(loop, connection, data, deadline)
            except ClosedBeforeReply:
                pass  # the server dropped an idle connection as the request went out: ask anew
        try:
            connection = await asyncio.wait_for(self._connect(loop), max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise TimeoutError(f"no connection within {self.timeout_s:g} s") from None
        return await self._exchange(loop, connection, data, deadline)

    async def _exchange(self, loop, connection: _Connection, data: bytes, deadline: float) -> Reply:
        waiter = connection.begin(loop)
        connection.watch(loop, deadline)  # (asyncio.timeout costs several times more per request)
        finished = False
        try:
            connection.transport.write(data)
            reply = await waiter
            finished = True
        finally:
            connection.waiter = None
            if not finished or not connection.reusable:
                # cancelled, timed out or failed mid-reply: a late reply must not meet the next request
                connection.closed = True
                connection.unwatch()
                connection.transport.close()
                self._all.discard(connection)
            else:
                self._idle.append(connection)
        return _decoded(reply)

    async def aclose(self) -> None:
        for connection in list(self._all):
            connection.closed = True
            connection.unwatch()
            connection.transport.close()
        self._all.clear()
        self._idle.clear()
        await asyncio.sleep(0)  # let the transports close before the loop does


def _expire(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("no reply in time"))


def _decoded(reply: Reply) -> Reply:
    if "content-encoding" not in reply.headers:
        return reply
    encoding = reply.headers["content-encoding"].lower()
    if encoding in ("", "identity"):
        return reply
    import zlib

    try:
        if encoding in ("gzip", "x-gzip"):
            reply.body = zlib.decompress(reply.body, 16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            try:
                reply.body = zlib.decompress(reply.body)
            except zlib.error:
                reply.body = zlib.decompress(reply.body, -zlib.MAX_WBITS)  # raw deflate, as some servers send
        else:
            raise HttpError(f"the reply is encoded as {encoding!r}, which this client cannot read")
    except zlib.error as exc:
        raise HttpError(f"the reply's {encoding} body cannot be decoded: {exc}") from None
    return reply
