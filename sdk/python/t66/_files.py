"""``client.files``: upload (multipart built by hand), metadata, download (Range, ETag) and delete."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, Dict, Iterator, Optional, Tuple, Union

from ._multipart import FileSource, multipart_file
from ._transport import Response, Transport


def _filename(disposition: Optional[str]) -> Optional[str]:
    if not disposition:
        return None
    extended = re.search(r"filename\*\s*=\s*UTF-8''([^;]+)", disposition, re.I)
    if extended:
        return urllib.parse.unquote(extended.group(1).strip())
    plain = re.search(r'filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;]+)', disposition, re.I)
    if not plain:
        return None
    return re.sub(r"\\(.)", r"\1", plain.group(1)) if plain.group(1) is not None else plain.group(2).strip()


class FileDownload:
    """A download: ``status`` (200, 206 or 304), ``etag``, ``content_type``, ``content_range``,
    ``filename``; the bytes through ``content`` (read once, whole) or ``iter_bytes()`` (streamed)."""

    def __init__(self, response: Response) -> None:
        self._response = response
        self.status: int = response.status
        self.not_modified = response.status == 304
        headers = response.headers
        self.etag = headers.get("etag")
        self.content_type = headers.get("content-type")
        self.content_range = headers.get("content-range")
        self.filename = _filename(headers.get("content-disposition"))
        self._content: Optional[bytes] = b"" if self.not_modified else None
        if self.not_modified:
            response.close()

    @property
    def content(self) -> bytes:
        if self._content is None:
            self._content = self._response.read()
        return self._content

    def iter_bytes(self, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        try:
            while True:
                chunk = self._response.raw.read(chunk_size)
                if not chunk:
                    return
                yield chunk
        finally:
            self._response.close()

    def close(self) -> None:
        self._response.close()


class Files:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def upload(self, file: FileSource, filename: Optional[str] = None, content_type: Optional[str] = None) -> Dict[str, Any]:
        """Uploads bytes, a path (streamed from disk), or a binary file object (streamed). Answers the
        stored file's metadata. The server sniffs the type from the bytes; ``content_type`` counts only for text."""
        body, headers = multipart_file(file, filename, content_type)
        return self._t.request("POST", "/files/upload", body=body, headers=headers)

    def get(self, file_id: str) -> Dict[str, Any]:
        return self._t.request("GET", "/files/" + urllib.parse.quote(file_id, safe=""))

    def delete(self, file_id: str) -> None:
        self._t.request("DELETE", "/files/" + urllib.parse.quote(file_id, safe=""))

    def download(
        self, file_id: str, range: Union[str, Tuple[int, Optional[int]], None] = None, if_none_match: Optional[str] = None  # noqa: A002
    ) -> FileDownload:
        """``range``: ``(start, end)`` inclusive (``end`` None: to the end) or a raw ``"bytes=0-99"``.
        ``if_none_match``: an ETag from an earlier download; an unchanged file answers ``not_modified``."""
        headers = {"Accept": "*/*"}
        if range is not None:
            headers["Range"] = range if isinstance(range, str) else "bytes=%d-%s" % (range[0], "" if range[1] is None else range[1])
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        path = "/files/%s/content" % urllib.parse.quote(file_id, safe="")
        return FileDownload(self._t.open("GET", path, headers=headers, accept_statuses=(304,)))
