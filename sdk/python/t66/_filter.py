"""Binds values into a PocketBase filter expression: ``filter("chat = {:id}", {"id": chat_id})``.

The server's grammar reads a quoted string up to the first quote that has no backslash right
before it, then turns every backslash+quote into the quote; no other escape exists. So a value is
bound by putting a backslash before each of its quote characters. That round-trips every string
exactly (backslashes, newlines, unicode) except one that ends in a backslash: its closing quote
would read as escaped in either quote style, so such a value is refused instead of being changed.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from decimal import Decimal
from typing import Any, Mapping, Optional


class FilterBindingError(ValueError):
    """A value that the filter grammar cannot hold exactly, or a placeholder without a value."""


def quote_filter_string(value: str) -> str:
    if value.endswith("\\"):
        raise FilterBindingError("a filter string cannot end with a backslash: the filter grammar reads the closing quote as escaped")
    # Pick the quote the value holds fewer of; both read back the same, this only keeps filters readable.
    quote = '"' if value.count('"') < value.count("'") else "'"
    return quote + value.replace(quote, "\\" + quote) + quote


def _format_number(value: float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise FilterBindingError("cannot bind %r: the filter grammar has no such number" % value)
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    if "e" not in text.lower():
        return text
    # The grammar has no exponent notation; write the number out in full.
    return format(Decimal(text), "f")


def _format_datetime(value: datetime.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    # PocketBase's form, as the JS SDK writes a Date: 2025-01-01 10:30:00.000Z (naive means UTC).
    return value.strftime("%Y-%m-%d %H:%M:%S.") + "%03dZ" % (value.microsecond // 1000)


def format_filter_value(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return quote_filter_string(value)
    if isinstance(value, (int, float)):
        return _format_number(value)
    if isinstance(value, datetime.datetime):
        return quote_filter_string(_format_datetime(value))
    if isinstance(value, datetime.date):
        return quote_filter_string(value.isoformat())
    return quote_filter_string(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def filter(expression: str, params: Optional[Mapping[str, Any]] = None, **named: Any) -> str:  # noqa: A001 - mirrors the JS SDK
    """Replaces each ``{:name}`` with the bound, escaped value. A placeholder without a value raises,
    so a typo cannot widen a filter."""
    values = {**(params or {}), **named}

    def bind(match: "re.Match[str]") -> str:
        name = match.group(1)
        if name not in values:
            raise FilterBindingError("no value bound for {:%s}" % name)
        return format_filter_value(values[name])

    return re.sub(r"\{:([A-Za-z0-9_]+)\}", bind, expression)
