"""The SDK's pure parts, without a server: SSE, accumulation, errors, filters, multipart, webhook signatures."""

import base64
import datetime
import email.parser
import email.policy
import hashlib
import hmac
import io
import time
import unittest

import t66
from t66._errors import error_from_response, parse_retry_after
from t66._multipart import multipart_file
from t66._transport import resolve_urls


def events(text):
    return [(e.event, e.data, e.id) for e in t66.read_server_sent_events(io.BytesIO(text.encode("utf-8")))]


class ReadingServerSentEvents(unittest.TestCase):
    def test_yields_data_frames_and_skips_comment_lines(self):
        self.assertEqual(
            [data for _, data, _ in events(': ping\n\ndata: {"a":1}\n\ndata: [DONE]\n\n')],
            ['{"a":1}', "[DONE]"],
        )

    def test_reads_crlf_multi_line_data_event_names_and_ids(self):
        self.assertEqual(events("event: update\r\nid: 7\r\ndata: one\r\ndata: two ✓\r\n\r\n"), [("update", "one\ntwo ✓", "7")])

    def test_drops_an_event_cut_off_before_its_blank_line(self):
        self.assertEqual([d for _, d, _ in events('data: whole\n\ndata: {"half":')], ["whole"])


def chunk(choices, **extra):
    return {"id": "chatcmpl_1", "object": "chat.completion.chunk", "created": 1700000000, "model": "m", "choices": choices, **extra}


class AccumulatingACompletion(unittest.TestCase):
    def test_concatenates_text_and_keeps_finish_reason_and_usage(self):
        completion = t66.accumulate_completion(
            [
                chunk([{"index": 0, "delta": {"role": "assistant", "content": "Hel"}, "finish_reason": None}]),
                chunk([{"index": 0, "delta": {"content": "lo"}, "finish_reason": "stop"}]),
                chunk([], usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}),
            ]
        )
        self.assertEqual(
            completion,
            {
                "id": "chatcmpl_1",
                "object": "chat.completion",
                "created": 1700000000,
                "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
            },
        )

    def test_merges_parallel_tool_calls_by_index(self):
        completion = t66.accumulate_completion(
            [
                chunk([{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "weather", "arguments": ""}}]}}]),
                chunk([{"index": 0, "delta": {"tool_calls": [{"index": 1, "id": "call_b", "type": "function", "function": {"name": "time", "arguments": '{"tz":'}}]}}]),
                chunk([{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"city":"Paris"}'}}]}}]),
                chunk([{"index": 0, "delta": {"tool_calls": [{"index": 1, "function": {"arguments": '"UTC"}'}}]}, "finish_reason": "tool_calls"}]),
            ]
        )
        message = completion["choices"][0]["message"]
        self.assertEqual(
            message["tool_calls"],
            [
                {"id": "call_a", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Paris"}'}},
                {"id": "call_b", "type": "function", "function": {"name": "time", "arguments": '{"tz":"UTC"}'}},
            ],
        )
        self.assertIsNone(message["content"])
        self.assertEqual(completion["choices"][0]["finish_reason"], "tool_calls")


class TypedErrors(unittest.TestCase):
    def test_maps_each_status_to_its_class_keeping_the_envelope(self):
        cases = {400: t66.BadRequestError, 401: t66.AuthenticationError, 403: t66.PermissionDeniedError, 404: t66.NotFoundError,
                 409: t66.ConflictError, 429: t66.RateLimitError, 502: t66.ServerError}
        for status, cls in cases.items():
            error = error_from_response(status, {"error": {"code": "c", "message": "m", "details": {"f": 1}}}, {"x-request-id": "r1"})
            self.assertIsInstance(error, cls)
            self.assertIsInstance(error, t66.T66Error)
            self.assertEqual((error.status, error.code, error.message, error.details, error.request_id), (status, "c", "m", {"f": 1}, "r1"))

    def test_reads_retry_after_from_seconds_an_http_date_or_details(self):
        self.assertEqual(error_from_response(429, {"error": {"code": "rate_limited", "message": "x"}}, {"retry-after": "30"}).retry_after, 30)
        self.assertEqual(parse_retry_after("Wed, 01 Jan 2025 00:00:42 GMT", now=datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc).timestamp()), 42)
        self.assertEqual(error_from_response(429, {"error": {"code": "rate_limited", "message": "x", "details": {"retry_after": 12}}}).retry_after, 12)

    def test_still_answers_a_t66_error_for_a_body_that_is_not_the_envelope(self):
        error = error_from_response(503, "Service Unavailable")
        self.assertIsInstance(error, t66.ServerError)
        self.assertEqual((error.code, error.message, error.details), ("http_503", "Service Unavailable", {}))


class BindingFilterValues(unittest.TestCase):
    def test_quotes_strings_so_only_a_backslash_before_the_quote_is_an_escape(self):
        self.assertEqual(t66.filter("t = {:v}", v="it's"), "t = \"it's\"")
        self.assertEqual(t66.filter("t = {:v}", v='say "hi"'), "t = 'say \"hi\"'")
        self.assertEqual(t66.filter("t = {:v}", v="both ' and \""), "t = 'both \\' and \"'")
        self.assertEqual(t66.filter("t = {:v}", {"v": "back\\slash"}), "t = 'back\\slash'")

    def test_writes_numbers_booleans_null_and_datetimes_as_the_grammar_reads_them(self):
        self.assertEqual(t66.filter("a = {:n} && b = {:m} && c = {:s}", n=-2.5, m=1e21, s=1e-7), "a = -2.5 && b = 1000000000000000000000 && c = 0.0000001")
        self.assertEqual(t66.filter("a = {:t} && b = {:f} && c = {:z}", t=True, f=False, z=None), "a = true && b = false && c = null")
        when = datetime.datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)
        self.assertEqual(t66.filter("created > {:d}", d=when), "created > '2025-01-02 03:04:05.678Z'")

    def test_refuses_what_the_grammar_cannot_hold_exactly(self):
        with self.assertRaises(t66.FilterBindingError):
            t66.filter("t = {:v}", v="ends with \\")
        with self.assertRaises(t66.FilterBindingError):
            t66.filter("a = {:n}", n=float("nan"))
        with self.assertRaisesRegex(t66.FilterBindingError, "no value bound"):
            t66.filter("a = {:missing}")


class BuildingMultipart(unittest.TestCase):
    def parse(self, body, headers):
        raw = b"".join(body) if not isinstance(body, bytes) else body
        if "Content-Length" in headers:
            self.assertEqual(int(headers["Content-Length"]), len(raw))
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + raw
        )
        (part,) = list(message.iter_parts())
        return part, raw

    def test_a_bytes_upload_is_one_file_part_with_name_type_and_exact_bytes(self):
        content = bytes(range(256)) * 4 + b"\r\n--not-a-boundary\r\n"
        part, _ = self.parse(*multipart_file(content, 'we"ird\nname.bin', "application/octet-stream"))
        self.assertEqual(part.get_param("name", header="content-disposition"), "file")
        self.assertEqual(part.get_filename(), "we%22ird%0Aname.bin")
        self.assertEqual(part.get_content_type(), "application/octet-stream")
        self.assertEqual(part.get_payload(decode=True), content)

    def test_a_file_object_streams_with_its_length_known(self):
        handle = io.BytesIO(b"0123456789")
        handle.name = "/tmp/digits.txt"
        body, headers = multipart_file(handle, None, "text/plain")
        self.assertNotIsInstance(body, bytes)
        part, _ = self.parse(body, headers)
        self.assertEqual(part.get_filename(), "digits.txt")
        self.assertEqual(part.get_payload(decode=True), b"0123456789")


def sign(key, message_id, timestamp, body):
    mac = hmac.new(key, ("%s.%s." % (message_id, timestamp)).encode() + body.encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class VerifyingWebhooks(unittest.TestCase):
    body = '{"type":"chat.completed","timestamp":"2025-01-01T00:00:00.000Z","data":{"text":"héllo"}}'

    def headers(self, key, at=None, message_id="msg_1"):
        timestamp = str(int(at if at is not None else time.time()))
        return {"Webhook-Id": message_id, "Webhook-Timestamp": timestamp, "Webhook-Signature": sign(key, message_id, timestamp, self.body)}

    def test_accepts_a_whsec_secret_and_a_chosen_secret(self):
        key = b"0123456789abcdef0123456789abcdef"
        secret = "whsec_" + base64.b64encode(key).decode()
        self.assertEqual(t66.verify_webhook(self.body, self.headers(key), secret)["data"]["text"], "héllo")
        self.assertEqual(t66.verify_webhook(self.body.encode(), self.headers(b"webhook_secret"), "webhook_secret")["type"], "chat.completed")

    def test_accepts_any_one_of_several_signatures(self):
        headers = self.headers(b"new key")
        headers["Webhook-Signature"] = self.headers(b"old key")["Webhook-Signature"] + " " + headers["Webhook-Signature"]
        self.assertEqual(t66.verify_webhook(self.body, headers, "new key")["type"], "chat.completed")

    def test_refuses_tampering_a_wrong_secret_a_stale_timestamp_and_missing_headers(self):
        headers = self.headers(b"secret key")
        with self.assertRaises(t66.WebhookVerificationError):
            t66.verify_webhook(self.body.replace("héllo", "hello"), headers, "secret key")
        with self.assertRaisesRegex(t66.WebhookVerificationError, "No matching signature"):
            t66.verify_webhook(self.body, headers, "another key")
        with self.assertRaisesRegex(t66.WebhookVerificationError, "too old"):
            t66.verify_webhook(self.body, self.headers(b"secret key", at=time.time() - 600), "secret key")
        with self.assertRaisesRegex(t66.WebhookVerificationError, "Missing"):
            t66.verify_webhook(self.body, {"webhook-id": "msg_1"}, "secret key")


class TheApiUrl(unittest.TestCase):
    def test_accepts_the_root_or_the_api_base(self):
        for url in ("http://localhost:8090", "http://localhost:8090/", "http://localhost:8090/api", "http://localhost:8090/api/"):
            self.assertEqual(resolve_urls(url), ("http://localhost:8090", "http://localhost:8090/api"))
        with self.assertRaises(ValueError):
            t66.Client("localhost:8090")


if __name__ == "__main__":
    unittest.main()
