"""t66: the Python client of T66 (standard library only).

    import t66
    client = t66.Client(api_url="http://localhost:8090", api_key=token)
    response = client.chat.completions.create(model="local-dev", messages=[{"role": "user", "content": "Hello!"}])
"""

from ._client import Client
from ._completions import CompletionStream, accumulate_completion, completion_text
from ._errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    T66Error,
    WebhookVerificationError,
)
from ._files import FileDownload
from ._filter import FilterBindingError, filter, format_filter_value
from ._realtime import EVENT_TYPES, Realtime
from ._sse import ServerSentEvent, read_server_sent_events
from ._webhooks import verify_webhook

__version__ = "0.1.0"

__all__ = [
    "Client",
    "CompletionStream",
    "FileDownload",
    "Realtime",
    "EVENT_TYPES",
    "accumulate_completion",
    "completion_text",
    "filter",
    "format_filter_value",
    "read_server_sent_events",
    "ServerSentEvent",
    "verify_webhook",
    "T66Error",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "ServerError",
    "APIConnectionError",
    "WebhookVerificationError",
    "FilterBindingError",
]
