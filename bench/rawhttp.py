"""A light HTTP/1.1 keep-alive client on asyncio streams, for benches: it should cost the machine far less than the
server it measures (≈ 0.1 ms CPU a request, where httpx costs 3–4 ms). Only what our server answers is read:
Content-Length or chunked bodies, no redirects, no TLS."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    body: bytes
    head: bytes  # the status line and headers, lower-cased


def _header(head: bytes, name: bytes) -> bytes | None:
    at = head.find(b"\r\n" + name + b":")
    if at < 0:
        return None
    start = at + len(name) + 3
    return head[start : head.index(b"\r\n", start)].strip()


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (uvicorn[standard] brings it): the client's own cost a request halves."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


class Connection:
    """One keep-alive connection; reopened when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._host_line = f"Host: {host}:{port}\r\n".encode()

    async def request(self, method: str, path: str, headers: bytes = b"", body: bytes = b"",
                      content_type: bytes = b"application/json") -> Answer:  # fmt: skip
        """`headers`: ready "Name: value\\r\\n" lines (built once per caller, not per request)."""
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self._host_line + headers
        if body or method in ("POST", "PUT", "PATCH"):
            head += b"Content-Type: " + content_type + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
        for attempt in (0, 1):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            assert self._reader is not None
            try:
                self._writer.write(head + b"\r\n" + body)
                return await self._read(self._reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _read(self, reader: asyncio.StreamReader) -> Answer:
        block = await reader.readuntil(b"\r\n\r\n")
        status = int(block[9:12])  # "HTTP/1.1 200 …"
        head = block.lower()  # uvicorn writes the few headers we need in lower case already; be sure
        length = _header(head, b"content-length")
        if length is not None:
            body = await reader.readexactly(int(length))
        elif _header(head, b"transfer-encoding") == b"chunked":
            body = await _chunks(reader)
        else:
            body = b""
        if _header(head, b"connection") == b"close":
            self.close()
        return Answer(status, body, head)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
