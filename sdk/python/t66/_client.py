"""``t66.Client``: the entry point, with one attribute per resource group."""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Optional

from ._auth import Auth, rotate_token
from ._completions import Completions
from ._files import Files
from ._filter import filter as bind_filter
from ._realtime import Realtime
from ._records import Chats, Messages, Settings
from ._transport import Session, Transport
from ._webhooks import Webhooks


class _Chat:
    def __init__(self, transport: Transport) -> None:
        self.completions = Completions(transport)


class _Models:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def list(self) -> Dict[str, Any]:
        """The catalogue: ``{"object": "list", "data": [{"id", "provider", "name", "pricing", ...}]}``."""
        return self._t.request("GET", "/models")


class _Images:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def generate(self, prompt: str, **body: Any) -> Dict[str, Any]:
        """``model``, ``size``, ``quality``, ``n``, ``style``. Each image is stored as one of your files."""
        return self._t.request("POST", "/images/generate", json_body={"prompt": prompt, **body})


class _Search:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def web(self, query: str, num_results: Optional[int] = None, include_images: Optional[bool] = None) -> Dict[str, Any]:
        body: Dict[str, Any] = {"query": query}
        if num_results is not None:
            body["num_results"] = num_results
        if include_images is not None:
            body["include_images"] = include_images
        return self._t.request("POST", "/search/web", json_body=body)


class Client:
    """A T66 client.

    ``api_url`` is the server root (``http://localhost:8090``; a URL ending in ``/api`` works too).
    ``api_key`` and ``token`` are the same thing: a T66 access token (JWT), e.g. from ``auth.login``.
    A token the client gets itself is refreshed shortly before it expires; one you pass in is left
    alone unless ``auto_refresh=True`` (a refresh revokes the old token).
    """

    def __init__(
        self,
        api_url: str,
        api_key: Optional[str] = None,
        token: Optional[str] = None,
        *,
        timeout: float = 60.0,
        headers: Optional[Mapping[str, str]] = None,
        auto_refresh: Optional[bool] = None,
        refresh_window_seconds: float = 60.0,
        on_token_change: Optional[Callable[[Optional[str]], None]] = None,
        reconnect: bool = True,
        reconnect_initial_delay: float = 0.5,
        reconnect_max_delay: float = 30.0,
    ) -> None:
        session = Session(token or api_key, auto_refresh, refresh_window_seconds, on_token_change)
        self._transport = Transport(api_url, session, timeout, headers)
        session.refresher = lambda old: rotate_token(self._transport, old)
        self.api_base = self._transport.api_base
        self.auth = Auth(self._transport)
        self.chats = Chats(self._transport)
        self.messages = Messages(self._transport)
        self.settings = Settings(self._transport)
        self.chat = _Chat(self._transport)
        self.models = _Models(self._transport)
        self.images = _Images(self._transport)
        self.files = Files(self._transport)
        self.search = _Search(self._transport)
        self.webhooks = Webhooks(self._transport)
        self.realtime = Realtime(self._transport.root, session, reconnect, reconnect_initial_delay, reconnect_max_delay)

    @property
    def token(self) -> Optional[str]:
        """The token requests are sent with (after login, register or refresh, the new one)."""
        return self._transport.session.token

    def set_token(self, token: Optional[str]) -> None:
        self._transport.session.set_token(token, owned=False)

    def filter(self, expression: str, params: Optional[Mapping[str, Any]] = None, **named: Any) -> str:
        """Binds values into a filter, escaped so the server reads them back exactly:
        ``client.filter("chat = {:id} && content ~ {:q}", {"id": chat_id, "q": text})``."""
        return bind_filter(expression, params, **named)

    def health(self) -> Dict[str, Any]:
        """Liveness and database health (no token needed)."""
        return self._transport.request("GET", "/health", auth=False)
