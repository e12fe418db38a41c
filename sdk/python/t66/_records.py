"""``client.chats``, ``client.messages``, ``client.settings``: the PocketBase-style record collections."""

from __future__ import annotations

import urllib.parse
from typing import Any, Dict, Optional

from ._errors import NotFoundError
from ._transport import Transport


def _list_query(page: Optional[int], per_page: Optional[int], sort: Optional[str], filter: Optional[str], skip_total: Optional[bool]) -> Dict[str, Any]:
    return {"page": page, "perPage": per_page, "sort": sort, "filter": filter, "skipTotal": skip_total}


def _quote(record_id: str) -> str:
    return urllib.parse.quote(record_id, safe="")


class _Collection:
    def __init__(self, transport: Transport, name: str) -> None:
        self._t = transport
        self._path = "/collections/%s/records" % name

    def list(
        self,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        sort: Optional[str] = None,
        filter: Optional[str] = None,  # noqa: A002 - the API's own name
        skip_total: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """One page: ``{"page", "perPage", "totalItems", "totalPages", "items"}``. ``per_page`` is at most 100;
        ``sort`` like ``"-created,title"``; build ``filter`` with ``client.filter``."""
        return self._t.request("GET", self._path, query=_list_query(page, per_page, sort, filter, skip_total))

    def get(self, record_id: str) -> Dict[str, Any]:
        return self._t.request("GET", "%s/%s" % (self._path, _quote(record_id)))

    def delete(self, record_id: str) -> None:
        self._t.request("DELETE", "%s/%s" % (self._path, _quote(record_id)))


class Chats(_Collection):
    def __init__(self, transport: Transport) -> None:
        super().__init__(transport, "chats")

    def create(self, **body: Any) -> Dict[str, Any]:
        """``title``, ``settings={"model", "temperature", "systemMessage"}``."""
        return self._t.request("POST", self._path, json_body=body)

    def update(self, chat_id: str, **body: Any) -> Dict[str, Any]:
        """``settings`` merges key by key: keys left out keep their stored values."""
        return self._t.request("PATCH", "%s/%s" % (self._path, _quote(chat_id)), json_body=body)


class Messages(_Collection):
    def __init__(self, transport: Transport) -> None:
        super().__init__(transport, "messages")

    def create(self, chat: str, content: str, **body: Any) -> Dict[str, Any]:
        """``role`` (user, assistant, system, tool) and ``attachments`` (file ids) are optional."""
        return self._t.request("POST", self._path, json_body={"chat": chat, "content": content, **body})

    def update(self, message_id: str, **body: Any) -> Dict[str, Any]:
        """``content`` and ``attachments``."""
        return self._t.request("PATCH", "%s/%s" % (self._path, _quote(message_id)), json_body=body)


class Settings(_Collection):
    """The caller's user settings (theme, default model, provider keys; keys come back masked)."""

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport, "user_settings")

    def _own(self) -> Dict[str, Any]:
        items = self.list(per_page=1)["items"]
        if not items:
            raise NotFoundError(404, "not_found", "This user has no settings record")
        return items[0]

    def get(self, record_id: Optional[str] = None) -> Dict[str, Any]:  # type: ignore[override]
        """The caller's settings (no id), or the record with this id."""
        return self._own() if record_id is None else super().get(record_id)

    def update(self, record_id: Optional[str] = None, **body: Any) -> Dict[str, Any]:
        """Updates the caller's settings (no id: looked up). ``api_keys`` merge provider by provider; ``None`` removes one."""
        target = record_id if record_id is not None else self._own()["id"]
        return self._t.request("PATCH", "%s/%s" % (self._path, _quote(target)), json_body=body)

    def create(self, **body: Any) -> Dict[str, Any]:
        """Every user gets one settings record at registration, so the server answers 409 unless it is missing."""
        return self._t.request("POST", self._path, json_body=body)
