"""multipart/form-data for one file, built by hand (RFC 7578), streamed from disk or a file object."""

from __future__ import annotations

import os
import secrets
from typing import IO, Dict, Iterator, Optional, Tuple, Union

FileSource = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", IO[bytes]]

CHUNK = 64 * 1024


def _escape_filename(name: str) -> str:
    # What browsers (and the JS SDK's FormData) do: the quoted string cannot hold these as they are.
    return name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def _remaining_size(handle: IO[bytes]) -> Optional[int]:
    try:
        position = handle.tell()
        end = handle.seek(0, os.SEEK_END)
        handle.seek(position)
        return end - position
    except (AttributeError, OSError, ValueError):
        return None


def _chunks(handle: IO[bytes], close: bool) -> Iterator[bytes]:
    try:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                return
            yield bytes(chunk)
    finally:
        if close:
            handle.close()


def multipart_file(
    source: FileSource, filename: Optional[str], content_type: Optional[str]
) -> Tuple[Union[bytes, Iterator[bytes]], Dict[str, str]]:
    """The body (bytes, or an iterator that reads the file as it is sent) and its headers."""
    close = False
    data: Optional[bytes] = None
    handle: Optional[IO[bytes]] = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        filename = filename or os.path.basename(path)
        handle, close = open(path, "rb"), True
    elif hasattr(source, "read"):
        handle = source
        name = getattr(source, "name", None)
        if not filename and isinstance(name, str):
            filename = os.path.basename(name)
    else:
        raise TypeError("upload takes bytes, a path, or a binary file object (got %s)" % type(source).__name__)

    boundary = "----t66-" + secrets.token_hex(16)
    head = (
        "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
        % (boundary, _escape_filename(filename or "file"), content_type or "application/octet-stream")
    ).encode("utf-8")
    tail = ("\r\n--%s--\r\n" % boundary).encode("ascii")
    headers = {"Content-Type": "multipart/form-data; boundary=" + boundary}

    if data is not None:
        body = head + data + tail
        headers["Content-Length"] = str(len(body))
        return body, headers

    assert handle is not None
    size = _remaining_size(handle)

    def stream() -> Iterator[bytes]:
        yield head
        yield from _chunks(handle, close)
        yield tail

    if size is not None:
        headers["Content-Length"] = str(len(head) + size + len(tail))
    # Without a length, urllib sends the iterator with chunked transfer encoding.
    return stream(), headers
