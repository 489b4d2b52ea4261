"""Just enough HTTP/1.1 for the capture proxy: read a request, write a chunked response.

Hand-written on asyncio streams (no server framework in evalkit's dependencies): requests from
the SDKs carry a Content-Length (or a chunked body, also read); responses are always chunked, so
a streamed answer is relayed piece by piece with keep-alive intact.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class Head:
    method: str
    target: str
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name), "")


async def read_head(reader: asyncio.StreamReader) -> Head | None:
    """The next request's line and headers; None when the client closed the connection."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    if len(raw) > MAX_HEAD:
        raise ValueError("request head too large")
    lines = raw.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:] if line)]
    return Head(method, target, headers)


async def read_body(reader: asyncio.StreamReader, head: Head) -> bytes:
    if head.header("transfer-encoding").lower() == "chunked":
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")  # no trailers expected: the blank line ending the body
        return b"".join(parts)
    length = int(head.header("content-length") or 0)
    return await reader.readexactly(length) if length else b""


async def write_head(writer: asyncio.StreamWriter, status: int, reason: str, headers: list[tuple[str, str]]) -> None:
    lines = [
        f"HTTP/1.1 {status} {reason or 'Status'}",
        *(f"{k}: {v}" for k, v in headers),
        "transfer-encoding: chunked",
        "",
        "",
    ]
    writer.write("\r\n".join(lines).encode("latin-1"))
    await writer.drain()


async def write_chunk(writer: asyncio.StreamWriter, data: bytes) -> None:
    """One chunk; an empty one ends the body."""
    writer.write(b"%x\r\n%s\r\n" % (len(data), data))
    await writer.drain()
