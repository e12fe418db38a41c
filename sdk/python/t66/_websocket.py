"""A small WebSocket client (RFC 6455) over the standard library's socket and ssl: text frames,
ping/pong, fragmentation and the closing handshake; enough for T66's JSON frames."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import ssl
import struct
import threading
import urllib.parse
from typing import Optional, Tuple, Union

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0


class HandshakeError(Exception):
    """The server refused the upgrade (e.g. 401 for a bad token)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__("WebSocket upgrade refused with HTTP %d: %s" % (status, body[:200]))
        self.status = status
        self.body = body


class ConnectionClosed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__("WebSocket closed (%d %s)" % (code, reason))
        self.code = code
        self.reason = reason


class WebSocket:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parsed = urllib.parse.urlsplit(url)
        secure = parsed.scheme == "wss"
        host = parsed.hostname or "localhost"
        port = parsed.port or (443 if secure else 80)
        raw = socket.create_connection((host, port), timeout=timeout)
        self._sock: socket.socket = ssl.create_default_context().wrap_socket(raw, server_hostname=host) if secure else raw
        self._send_lock = threading.Lock()
        self._buffer = b""
        self.closed = False
        try:
            self._handshake(parsed, host, port, secure)
        except BaseException:
            self._sock.close()
            raise
        self._sock.settimeout(None)

    def _handshake(self, parsed: urllib.parse.SplitResult, host: str, port: int, secure: bool) -> None:
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        default_port = 443 if secure else 80
        host_header = host if port == default_port else "%s:%d" % (host, port)
        target = (parsed.path or "/") + ("?" + parsed.query if parsed.query else "")
        request = (
            "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (target, host_header, key)
        )
        self._sock.sendall(request.encode("ascii"))
        while b"\r\n\r\n" not in self._buffer:
            chunk = self._sock.recv(4096)
            if not chunk:
                raise ConnectionClosed(1006, "the connection closed during the handshake")
            self._buffer += chunk
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status != 101:
            length = int(headers.get("content-length", "0") or 0)
            while len(self._buffer) < length:
                chunk = self._sock.recv(4096)
                if not chunk:
                    break
                self._buffer += chunk
            raise HandshakeError(status, self._buffer[:length].decode("utf-8", "replace"))
        expected = base64.b64encode(hashlib.sha1((key + _GUID).encode("ascii")).digest()).decode("ascii")
        if headers.get("sec-websocket-accept") != expected:
            raise HandshakeError(status, "the server's Sec-WebSocket-Accept does not match")

    def _read_exact(self, count: int) -> bytes:
        while len(self._buffer) < count:
            chunk = self._sock.recv(max(4096, count - len(self._buffer)))
            if not chunk:
                raise ConnectionClosed(1006, "the connection was lost")
            self._buffer += chunk
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def _read_frame(self) -> Tuple[bool, int, bytes]:
        first, second = self._read_exact(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read_exact(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read_exact(8))
        mask = self._read_exact(4) if second & 0x80 else None
        payload = self._read_exact(length)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return bool(first & 0x80), first & 0x0F, payload

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        # Client frames are always masked (RFC 6455 5.3).
        header = bytearray([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header.append(0x80 | length)
        elif length < 1 << 16:
            header.append(0x80 | 126)
            header += struct.pack("!H", length)
        else:
            header.append(0x80 | 127)
            header += struct.pack("!Q", length)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        with self._send_lock:
            self._sock.sendall(bytes(header) + mask + masked)

    def send_text(self, text: str) -> None:
        if self.closed:
            raise ConnectionClosed(1006, "the socket is closed")
        self._send_frame(TEXT, text.encode("utf-8"))

    def receive(self) -> Union[str, bytes]:
        """The next message (text as str); answers pings; raises ConnectionClosed at the end."""
        pieces = []
        kind: Optional[int] = None
        while True:
            try:
                fin, opcode, payload = self._read_frame()
            except (OSError, ConnectionClosed):
                self.closed = True
                self._sock.close()
                raise ConnectionClosed(1006, "the connection was lost") from None
            if opcode == PING:
                try:
                    self._send_frame(PONG, payload)
                except OSError:
                    pass
                continue
            if opcode == PONG:
                continue
            if opcode == CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                reason = payload[2:].decode("utf-8", "replace")
                if not self.closed:
                    try:
                        self._send_frame(CLOSE, payload[:2])
                    except OSError:
                        pass
                self.closed = True
                self._sock.close()
                raise ConnectionClosed(code, reason)
            if opcode in (TEXT, BINARY):
                kind = opcode
            pieces.append(payload)
            if fin:
                data = b"".join(pieces)
                return data.decode("utf-8") if kind == TEXT else data

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Starts the closing handshake and shuts the socket, which also wakes a blocked receive()."""
        if self.closed:
            return
        self.closed = True
        try:
            self._send_frame(CLOSE, struct.pack("!H", code) + reason.encode("utf-8")[:120])
        except OSError:
            pass
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
