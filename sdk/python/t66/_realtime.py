"""``client.realtime``: the WebSocket at ``/ws?token=...`` (asyncapi.yaml). Join chat rooms, say you
are typing, and subscribe to events. A dropped connection reconnects by itself with exponential
backoff and jitter, with a fresh token, and joins its rooms again. Handlers run on the client's
reader thread: keep them short, or hand work to your own thread."""

from __future__ import annotations

import json
import random
import threading
import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Set

from ._errors import APIConnectionError, T66Error
from ._transport import Session
from ._websocket import ConnectionClosed, HandshakeError, WebSocket

EVENT_TYPES = ("typing", "presence", "message.created", "message.delta", "chat.updated", "chat.deleted", "error")
TOKEN_ENDED = 4001  # the socket's token was revoked or expired
TOKEN_GRACE_SECONDS = 2.0
Handler = Callable[[Dict[str, Any]], None]


class _PendingJoin:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: Optional[T66Error] = None


class Realtime:
    def __init__(
        self,
        root: str,
        session: Session,
        reconnect: bool = True,
        initial_delay: float = 0.5,
        max_delay: float = 30.0,
        max_attempts: Optional[int] = None,
    ) -> None:
        self._root = root
        self._session = session
        self._reconnect = reconnect
        self._initial_delay = initial_delay
        self._max_delay = max_delay
        self._max_attempts = max_attempts
        self._handlers: Dict[str, List[Handler]] = {}
        self._pending: Dict[str, _PendingJoin] = {}
        self._lock = threading.Lock()
        self._socket: Optional[WebSocket] = None
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self.rooms: Set[str] = set()
        self.state = "idle"

    # -- subscriptions -------------------------------------------------------------------------

    def on(self, event_type: str, handler: Handler) -> Callable[[], None]:
        """Subscribes to a server event type (see EVENT_TYPES), ``"*"`` for all of them, or the
        connection's ``"open"`` / ``"close"``. Answers the function that unsubscribes."""
        handlers = self._handlers.setdefault(event_type, [])
        handlers.append(handler)

        def unsubscribe() -> None:
            if handler in handlers:
                handlers.remove(handler)

        return unsubscribe

    def _emit(self, event_type: str, event: Dict[str, Any]) -> None:
        for handler in list(self._handlers.get(event_type, [])):
            handler(event)

    # -- connection ----------------------------------------------------------------------------

    def _url(self, token: str) -> str:
        return "%s/ws?token=%s" % (self._root.replace("http", "ws", 1), urllib.parse.quote(token, safe=""))

    def _open_socket(self) -> tuple:
        token = self._session.current_token()
        if not token:
            raise T66Error(0, "unauthorized", "realtime needs a token: log in first, or pass api_key/token")
        try:
            return WebSocket(self._url(token)), token
        except HandshakeError as refused:
            raise APIConnectionError(refused.status, "connection_error", str(refused)) from None
        except (OSError, ConnectionClosed) as failure:
            raise APIConnectionError(0, "connection_error", "Could not open the WebSocket: %s" % failure) from None

    def connect(self) -> None:
        """Opens the socket and starts the reader thread. Returns once it is open; raises if this first attempt fails."""
        if self.state == "open":
            return
        self.state = "connecting"
        self._stop.clear()
        try:
            socket, token = self._open_socket()
        except T66Error:
            self.state = "closed"
            raise
        self._on_open(socket, reconnected=False)
        self._thread = threading.Thread(target=self._run, args=(socket, token), name="t66-realtime", daemon=True)
        self._thread.start()

    def _on_open(self, socket: WebSocket, reconnected: bool) -> None:
        with self._lock:
            self._socket = socket
            self.state = "open"
            rooms = list(self.rooms)
        for chat_id in rooms:
            self._send({"type": "join", "chat_id": chat_id})
        self._emit("open", {"type": "open", "reconnected": reconnected})

    def _run(self, socket: WebSocket, token: str) -> None:
        attempts = 0
        while True:
            code, reason = self._read_until_closed(socket)
            with self._lock:
                self._socket = None
            if not self._stop.is_set():
                self.state = "reconnecting"
            user_closed = self._stop.is_set()
            token_usable = True
            if code == TOKEN_ENDED:
                # Reconnecting with the same token cannot help; a newer one can. A refresh revokes the
                # old token, which closes this socket, often before the refresh's own answer arrives:
                # give the new token a moment to land.
                newer = self._session.changed_from(token, TOKEN_GRACE_SECONDS)
                token_usable = newer is not None and newer != token
            will_reconnect = not user_closed and token_usable and self._reconnect
            if not user_closed:
                self.state = "reconnecting" if will_reconnect else "closed"
            self._emit("close", {"type": "close", "code": code, "reason": reason, "will_reconnect": will_reconnect})
            if not will_reconnect:
                self._fail_pending("connection_closed", "The socket closed (code %d)" % code)
                return
            while True:
                if self._max_attempts is not None and attempts >= self._max_attempts:
                    self.state = "closed"
                    self._fail_pending("connection_closed", "Gave up reconnecting")
                    return
                base = min(self._max_delay, self._initial_delay * (2 ** attempts))
                attempts += 1
                # Jitter spreads the reconnects of many clients after a server restart.
                if self._stop.wait(base / 2 + random.random() * base / 2):
                    return
                try:
                    socket, token = self._open_socket()
                except T66Error as failure:
                    if failure.code == "unauthorized":
                        self.state = "closed"
                        return
                    continue
                if self._stop.is_set():
                    socket.close()
                    return
                attempts = 0
                self._on_open(socket, reconnected=True)
                break

    def _read_until_closed(self, socket: WebSocket) -> tuple:
        while True:
            try:
                message = socket.receive()
            except ConnectionClosed as closed:
                return closed.code, closed.reason
            if not isinstance(message, str):
                continue
            try:
                event = json.loads(message)
            except ValueError:
                continue  # not a T66 frame
            self._track(event)
            self._emit(event.get("type", ""), event)
            self._emit("*", event)

    # -- rooms ---------------------------------------------------------------------------------

    def _send(self, frame: Dict[str, Any]) -> bool:
        with self._lock:
            socket = self._socket if self.state == "open" else None
        if socket is None:
            return False
        try:
            socket.send_text(json.dumps(frame))
            return True
        except (OSError, ConnectionClosed):
            return False

    def _settle(self, chat_id: str, error: Optional[T66Error] = None) -> None:
        pending = self._pending.pop(chat_id, None)
        if pending:
            pending.error = error
            pending.done.set()

    def _fail_pending(self, code: str, message: str) -> None:
        for chat_id in list(self._pending):
            self._settle(chat_id, T66Error(0, code, message))

    def _track(self, event: Dict[str, Any]) -> None:
        kind = event.get("type")
        # Nobody else's presence in a room reaches this socket before its own join was accepted.
        if kind == "presence" and event.get("state") == "joined":
            self._settle(event.get("chat_id", ""))
        elif kind == "chat.deleted":
            self.rooms.discard(event.get("chat_id", ""))
        elif kind == "error":
            error = event.get("error") or {}
            chat_id = (error.get("details") or {}).get("chat_id")
            if chat_id and error.get("code") == "forbidden":
                self.rooms.discard(chat_id)
                self._settle(chat_id, T66Error(0, error["code"], error.get("message", ""), error.get("details")))

    def join(self, chat_id: str, wait: bool = True, timeout: float = 10.0) -> None:
        """Joins a chat room you own (again after every reconnect). With ``wait`` (the default) it
        returns once the server accepted, and raises T66Error ``forbidden`` for a chat that is not yours."""
        self.rooms.add(chat_id)
        pending = self._pending.setdefault(chat_id, _PendingJoin())
        if not self._send({"type": "join", "chat_id": chat_id}) and wait and self.state != "reconnecting":
            raise T66Error(0, "not_connected", "connect() first")
        if not wait:
            return
        if not pending.done.wait(timeout):
            self._pending.pop(chat_id, None)
            raise T66Error(0, "join_timeout", "No answer to joining %s" % chat_id)
        if pending.error:
            raise pending.error

    def leave(self, chat_id: str) -> None:
        self.rooms.discard(chat_id)
        self._settle(chat_id)
        self._send({"type": "leave", "chat_id": chat_id})

    def typing(self, chat_id: str) -> None:
        """Tells the others in the room that you are typing. Dropped while disconnected."""
        self._send({"type": "typing", "chat_id": chat_id})

    def close(self) -> None:
        """Closes the socket for good: no reconnect."""
        self._stop.set()
        self.state = "closed"
        with self._lock:
            socket, self._socket = self._socket, None
        if socket:
            socket.close(1000, "client closed")
        self._fail_pending("connection_closed", "The client closed the socket")
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
