"""client.webhooks against a running T66, and verify_webhook on its real deliveries."""

import http.server
import threading
import time
import unittest

import t66
from support import eventually, needs_server, signed_up


class _Capture(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append({"path": self.path, "body": body, "headers": dict(self.headers.items())})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@needs_server
class Webhooks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        _Capture.received = []
        cls.receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
        threading.Thread(target=cls.receiver.serve_forever, daemon=True).start()
        cls.base = "http://127.0.0.1:%d" % cls.receiver.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.receiver.shutdown()
        cls.receiver.server_close()

    def test_create_list_deliveries_and_delete(self):
        c, _, _ = signed_up()
        created = c.webhooks.create(self.base + "/one", ["chat.message.created"], secret="webhook_secret")
        self.assertEqual(created["secret"], "webhook_secret")
        generated = c.webhooks.create(self.base + "/two", ["chat.completed"])
        self.assertTrue(generated["secret"].startswith("whsec_"))
        listed = c.webhooks.list()
        self.assertEqual(sorted(w["id"] for w in listed["data"]), sorted([created["id"], generated["id"]]))
        self.assertNotIn("webhook_secret", str(listed))
        self.assertEqual(c.webhooks.deliveries(created["id"]), {"data": []})
        c.webhooks.delete(created["id"])
        c.webhooks.delete(generated["id"])
        self.assertEqual(c.webhooks.list(), {"data": []})
        with self.assertRaises(t66.NotFoundError):
            c.webhooks.deliveries(created["id"])
        with self.assertRaises(t66.BadRequestError):
            c.webhooks.create(self.base + "/x", ["chat.exploded"])

    def test_real_deliveries_verify_with_the_secret(self):
        c, _, _ = signed_up()
        chosen = c.webhooks.create(self.base + "/chosen", ["chat.message.created"], secret="my chosen secret")
        generated = c.webhooks.create(self.base + "/generated", ["chat.message.created"])
        chat = c.chats.create(title="hooked")
        message = c.messages.create(chat["id"], "ping the hooks")
        mine = lambda: [r for r in _Capture.received if r["path"] in ("/chosen", "/generated") and message["id"].encode() in r["body"]]
        eventually(lambda: len(mine()) >= 2, "two deliveries", timeout=10)
        for delivery in mine():
            secret = chosen["secret"] if delivery["path"] == "/chosen" else generated["secret"]
            event = t66.verify_webhook(delivery["body"], delivery["headers"], secret)
            self.assertEqual((event["type"], event["data"]["message"]["id"]), ("chat.message.created", message["id"]))
            wrong = generated["secret"] if secret == chosen["secret"] else chosen["secret"]
            with self.assertRaises(t66.WebhookVerificationError):
                t66.verify_webhook(delivery["body"], delivery["headers"], wrong)
        deadline = time.time() + 5
        log = c.webhooks.deliveries(chosen["id"])
        while log["data"][0]["status"] != "succeeded" and time.time() < deadline:
            time.sleep(0.05)
            log = c.webhooks.deliveries(chosen["id"])
        self.assertEqual((log["data"][0]["status"], log["data"][0]["response_status"]), ("succeeded", 200))


if __name__ == "__main__":
    unittest.main()
