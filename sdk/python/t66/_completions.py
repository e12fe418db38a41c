"""``client.chat.completions``: OpenAI-compatible completions, whole or streamed over SSE."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

from ._errors import APIConnectionError, T66Error, envelope_of
from ._sse import read_server_sent_events
from ._transport import Response, Transport


class CompletionStream:
    """A streamed completion: iterate it for ``chat.completion.chunk`` dicts. Use it as a context
    manager, or call ``close()``, to stop early (the server then stops the upstream request too)."""

    def __init__(self, response: Response) -> None:
        self.response = response
        self.headers = response.headers
        self._iterator = self._chunks()

    def _chunks(self) -> Iterator[Dict[str, Any]]:
        try:
            for event in read_server_sent_events(self.response.raw):
                if event.data == "[DONE]":
                    return
                try:
                    parsed = json.loads(event.data)
                except ValueError:
                    raise T66Error(0, "invalid_stream", "The stream sent a frame that is not JSON: %s" % event.data[:200]) from None
                failure = envelope_of(parsed)
                if failure:
                    raise T66Error(0, failure["code"], failure["message"], failure["details"])
                yield parsed
        except (OSError, ValueError) as failure:
            raise APIConnectionError(0, "connection_error", "The stream broke: %s" % failure) from failure
        finally:
            self.response.close()
        raise T66Error(0, "incomplete_stream", "The stream ended before data: [DONE]")

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        return self._iterator

    def __next__(self) -> Dict[str, Any]:
        return next(self._iterator)

    def close(self) -> None:
        self._iterator.close()
        self.response.close()

    def __enter__(self) -> "CompletionStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def final_completion(self) -> Dict[str, Any]:
        """Reads the rest of the stream and answers it accumulated into one ``chat.completion``."""
        return accumulate_completion(self)


class Completions:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def create(self, **body: Any) -> Union[Dict[str, Any], CompletionStream]:
        """Takes OpenAI's request fields (``model``, ``messages``, ``temperature``, ``max_tokens``, ``tools``,
        ``stream``, ...) and T66's ``chat``. Answers the ``chat.completion`` dict, or with ``stream=True``
        a CompletionStream of chunk dicts."""
        if not body.get("stream"):
            return self._t.request("POST", "/chat/completions", json_body=body)
        response = self._t.open("POST", "/chat/completions", json_body=body, headers={"Accept": "text/event-stream"})
        return CompletionStream(response)


def _merge_tool_call(calls: List[Dict[str, Any]], delta: Dict[str, Any], position: int) -> None:
    index = delta.get("index", position)
    while len(calls) <= index:
        calls.append({"id": "", "type": "function", "function": {"name": "", "arguments": ""}})
    call = calls[index]
    if delta.get("id"):
        call["id"] = delta["id"]
    if delta.get("type"):
        call["type"] = delta["type"]
    function = delta.get("function") or {}
    if function.get("name"):
        call["function"]["name"] = function["name"]
    if isinstance(function.get("arguments"), str):
        call["function"]["arguments"] += function["arguments"]


def accumulate_completion(
    chunks: Iterable[Dict[str, Any]], on_chunk: Optional[Callable[[Dict[str, Any]], None]] = None
) -> Dict[str, Any]:
    """Accumulates streamed chunks into the ``chat.completion`` the same request answers without
    ``stream``: text concatenated, tool calls merged by ``index`` (arguments joined), the finish
    reason and, with ``stream_options={"include_usage": True}``, the usage."""
    completion: Dict[str, Any] = {"id": "", "object": "chat.completion", "created": 0, "model": "", "choices": []}
    choices: Dict[int, Dict[str, Any]] = {}
    for chunk in chunks:
        if on_chunk:
            on_chunk(chunk)
        for key in ("id", "created", "model"):
            if not completion[key] and chunk.get(key):
                completion[key] = chunk[key]
        if chunk.get("usage"):
            completion["usage"] = chunk["usage"]
        for part in chunk.get("choices") or []:
            index = part.get("index", 0)
            choice = choices.setdefault(index, {"index": index, "message": {"role": "assistant", "content": None}, "finish_reason": None})
            delta = part.get("delta") or {}
            if isinstance(delta.get("content"), str):
                choice["message"]["content"] = (choice["message"]["content"] or "") + delta["content"]
            if isinstance(delta.get("tool_calls"), list):
                calls = choice["message"].setdefault("tool_calls", [])
                for position, call in enumerate(delta["tool_calls"]):
                    _merge_tool_call(calls, call, position)
            if part.get("finish_reason"):
                choice["finish_reason"] = part["finish_reason"]
    completion["choices"] = [choices[i] for i in sorted(choices)]
    return completion


def completion_text(completion: Dict[str, Any]) -> str:
    """The text of the first choice, or '' when it has none."""
    choices = completion.get("choices") or []
    return (choices[0]["message"].get("content") or "") if choices else ""
