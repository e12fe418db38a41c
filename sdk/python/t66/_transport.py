"""HTTP with the standard library: the token the client sends (and rotates), JSON in and out, and
the conversion of every answer into its body or a typed error."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPResponse
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple, Union

from ._errors import APIConnectionError, T66Error, error_from_response

Body = Union[bytes, Iterable[bytes], None]


def resolve_urls(api_url: str) -> Tuple[str, str]:
    """(server root, API base). Accepts ``http://localhost:8090`` or ``http://localhost:8090/api``."""
    if not isinstance(api_url, str) or not re.match(r"^https?://", api_url, re.I):
        raise ValueError("api_url must be an http(s) URL such as 'http://localhost:8090' (got %r)" % (api_url,))
    root = re.sub(r"/api$", "", api_url.rstrip("/"), flags=re.I)
    return root, root + "/api"


def _jwt_times(token: str) -> Tuple[Optional[float], Optional[float]]:
    parts = token.split(".")
    if len(parts) < 2:
        return None, None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None, None
    if not isinstance(claims, dict):
        return None, None
    iat, exp = claims.get("iat"), claims.get("exp")
    number = (int, float)
    return (iat if isinstance(iat, number) else None), (exp if isinstance(exp, number) else None)


class Session:
    """The token requests carry. A token the client got itself (login, register, refresh) is
    refreshed shortly before it expires; a token passed in is left alone unless ``auto_refresh``
    is set, because a refresh revokes the old token and the caller's stored copy would stop working."""

    def __init__(
        self,
        token: Optional[str],
        auto_refresh: Optional[bool],
        refresh_window_seconds: float,
        on_token_change: Optional[Callable[[Optional[str]], None]],
    ) -> None:
        self._token = token
        self._owned = False
        self._auto_refresh = auto_refresh
        self._window = refresh_window_seconds
        self._on_change = on_token_change
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self.refresher: Optional[Callable[[str], str]] = None

    @property
    def token(self) -> Optional[str]:
        return self._token

    def set_token(self, token: Optional[str], owned: bool) -> None:
        with self._changed:
            changed = token != self._token
            self._token = token
            self._owned = owned
            self._changed.notify_all()
        if changed and self._on_change:
            self._on_change(token)

    def changed_from(self, old: str, timeout: float) -> Optional[str]:
        """The token once it is no longer ``old`` (possibly None), or ``old`` after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._token != old, timeout)
            return self._token

    def _due(self, token: str) -> bool:
        iat, exp = _jwt_times(token)
        if exp is None:
            return False
        lifetime = (exp - iat) if iat is not None else float("inf")
        left = exp - time.time()
        return 0 < left < min(self._window, lifetime / 2)

    def current_token(self) -> Optional[str]:
        allowed = self._owned if self._auto_refresh is None else self._auto_refresh
        token = self._token
        if not token or not allowed or self.refresher is None or not self._due(token):
            return token
        # One refresh at a time: a thread that waited finds the new token and uses it.
        with self._lock:
            if self._token != token:
                return self._token
            return self.refresher(token)


class Response:
    """An HTTP answer whose body has not been read yet (streams, downloads)."""

    def __init__(self, raw: HTTPResponse) -> None:
        self.raw = raw
        self.status: int = raw.status
        self.headers: Dict[str, str] = {k.lower(): v for k, v in raw.headers.items()}

    def read(self) -> bytes:
        try:
            return self.raw.read()
        finally:
            self.raw.close()

    def close(self) -> None:
        self.raw.close()


def _encode_query(query: Optional[Mapping[str, Any]]) -> str:
    if not query:
        return ""
    pairs = []
    for key, value in query.items():
        if value is None:
            continue
        pairs.append((key, "true" if value is True else "false" if value is False else str(value)))
    return "?" + urllib.parse.urlencode(pairs) if pairs else ""


def _parse_body(data: bytes, content_type: str) -> Any:
    text = data.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # An Authorization header must not follow a redirect to another host.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Transport:
    def __init__(self, api_url: str, session: Session, timeout: float, headers: Optional[Mapping[str, str]]) -> None:
        self.root, self.api_base = resolve_urls(api_url)
        self.session = session
        self.timeout = timeout
        self.headers = dict(headers or {})
        self._opener = urllib.request.build_opener(_NoRedirect)

    def open(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, Any]] = None,
        json_body: Any = None,
        body: Body = None,
        headers: Optional[Mapping[str, str]] = None,
        auth: Union[bool, str] = True,
        accept_statuses: Iterable[int] = (),
    ) -> Response:
        """Sends the request and answers the unread response, or raises the typed error.
        ``auth``: True sends the session's token (refreshed first when due); a string sends that token."""
        all_headers = {"Accept": "application/json", **self.headers, **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        token = auth if isinstance(auth, str) else self.session.current_token() if auth else None
        if token:
            all_headers["Authorization"] = "Bearer " + token
        request = urllib.request.Request(self.api_base + path + _encode_query(query), data=body, headers=all_headers, method=method)
        try:
            raw = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as failure:
            status = failure.code
            if status in accept_statuses:
                return Response(failure)  # type: ignore[arg-type]
            response_headers = {k.lower(): v for k, v in failure.headers.items()}
            try:
                data = failure.read()
            finally:
                failure.close()
            raise error_from_response(status, _parse_body(data, response_headers.get("content-type", "")), response_headers) from None
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as failure:
            reason = getattr(failure, "reason", failure)
            raise APIConnectionError(0, "connection_error", "Could not reach T66: %s" % (reason,)) from failure
        return Response(raw)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Like ``open``, and answers the parsed JSON body (None for 204)."""
        response = self.open(method, path, **kwargs)
        data = response.read()
        if response.status == 204 or not data:
            return None
        parsed = _parse_body(data, response.headers.get("content-type", ""))
        if isinstance(parsed, str):
            raise T66Error(response.status, "invalid_response", "T66 answered something that is not JSON: %s" % parsed[:200])
        return parsed
