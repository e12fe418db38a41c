"""``client.webhooks`` and ``verify_webhook``, the receiver's side of Standard Webhooks."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import urllib.parse
from typing import Any, Dict, List, Mapping, Optional, Union

from ._errors import WebhookVerificationError
from ._transport import Transport


class Webhooks:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def create(self, url: str, events: List[str], secret: Optional[str] = None) -> Dict[str, Any]:
        """Registers a webhook for ``chat.message.created`` and/or ``chat.completed``. The answer holds
        the signing ``secret`` in clear this once (T66 generates a ``whsec_`` one when left out)."""
        body: Dict[str, Any] = {"url": url, "events": list(events)}
        if secret is not None:
            body["secret"] = secret
        return self._t.request("POST", "/webhooks", json_body=body)

    def list(self) -> Dict[str, Any]:
        return self._t.request("GET", "/webhooks")

    def delete(self, webhook_id: str) -> None:
        self._t.request("DELETE", "/webhooks/" + urllib.parse.quote(webhook_id, safe=""))

    def deliveries(self, webhook_id: str) -> Dict[str, Any]:
        """Recent delivery attempts, newest first."""
        return self._t.request("GET", "/webhooks/%s/deliveries" % urllib.parse.quote(webhook_id, safe=""))


def _signing_key(secret: str) -> bytes:
    # As T66 signs: a Standard Webhooks "whsec_<base64>" secret is the bytes it decodes to; any other
    # secret chosen at registration is its UTF-8 bytes.
    if not secret.startswith("whsec_"):
        return secret.encode("utf-8")
    try:
        return base64.b64decode(secret[len("whsec_"):], validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("The secret starts with whsec_ but is not valid base64") from None


def _header(headers: Mapping[str, Any], name: str) -> Optional[str]:
    for key, value in headers.items():
        if key.lower() == name:
            return " ".join(value) if isinstance(value, (list, tuple)) else str(value)
    return None


def verify_webhook(
    payload: Union[str, bytes],
    headers: Mapping[str, Any],
    secret: str,
    tolerance_seconds: int = 300,
    now: Optional[float] = None,
) -> Dict[str, Any]:
    """Verifies a webhook delivery (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``) and
    answers its parsed body. Pass the raw body exactly as received. Raises WebhookVerificationError
    when a header is missing, the timestamp is outside the tolerance, or no signature matches."""
    message_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if not message_id or not timestamp or not signatures:
        raise WebhookVerificationError("Missing webhook-id, webhook-timestamp or webhook-signature")
    if not timestamp.isdigit():
        raise WebhookVerificationError("webhook-timestamp is not a number of seconds")
    current = int(time.time() if now is None else now)
    if current - int(timestamp) > tolerance_seconds:
        raise WebhookVerificationError("Message timestamp too old")
    if int(timestamp) - current > tolerance_seconds:
        raise WebhookVerificationError("Message timestamp too new")

    body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    signed = ("%s.%s." % (message_id, timestamp)).encode("utf-8") + body
    expected = "v1," + base64.b64encode(hmac.new(_signing_key(secret), signed, hashlib.sha256).digest()).decode("ascii")
    # Several signatures may be listed (e.g. during a secret rotation): any one may match.
    if not any(hmac.compare_digest(candidate.encode("utf-8"), expected.encode("utf-8")) for candidate in signatures.split(" ")):
        raise WebhookVerificationError("No matching signature found")
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError:
        raise WebhookVerificationError("The signed body is not JSON") from None
