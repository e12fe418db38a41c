"""A server-sent-events reader over a blocking byte stream (the WHATWG event-stream format)."""

from __future__ import annotations

from typing import IO, Iterator, NamedTuple, Optional


class ServerSentEvent(NamedTuple):
    event: str
    data: str
    id: Optional[str]


def read_server_sent_events(stream: IO[bytes]) -> Iterator[ServerSentEvent]:
    """Yields each event. Comment lines (``: ping``) are skipped, multi-line ``data:`` fields are
    joined with ``\\n``, and an event cut off before its closing blank line is dropped. Lines end
    with ``\\n`` or ``\\r\\n`` (a lone ``\\r``, which T66 never sends, is not read as a line end)."""
    data = []
    event = ""
    last_id: Optional[str] = None
    first = True
    for raw in iter(stream.readline, b""):
        if not raw.endswith(b"\n"):
            return  # the stream ended inside a line
        line = raw.decode("utf-8").rstrip("\n").rstrip("\r")
        if first:
            line = line.lstrip("\ufeff")
            first = False
        if line == "":
            if data:
                yield ServerSentEvent(event or "message", "\n".join(data), last_id)
            data, event = [], ""
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            data.append(value)
        elif field == "event":
            event = value
        elif field == "id":
            last_id = value
