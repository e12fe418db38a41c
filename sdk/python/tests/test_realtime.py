"""client.realtime against a running T66: rooms, typing, events, and reconnection with rejoined rooms."""

import socket
import threading
import unittest
import urllib.parse

import t66
from support import MODEL, URL, client, eventually, needs_server, signed_up


class Relay:
    """A TCP relay to the server whose connections the test can cut, as a network drop would."""

    def __init__(self, target):
        parsed = urllib.parse.urlsplit(target)
        self.target = (parsed.hostname, parsed.port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.sockets = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                inbound, _ = self.listener.accept()
            except OSError:
                return
            outbound = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [inbound, outbound]
            for a, b in ((inbound, outbound), (outbound, inbound)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut_all(self):
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.sockets = []

    def close(self):
        self.cut_all()
        self.listener.close()


def recorder(c):
    events = []
    c.realtime.on("*", events.append)
    return events


@needs_server
class RoomsAndEvents(unittest.TestCase):
    def setUp(self):
        self.opened = []

    def tearDown(self):
        for c in self.opened:
            c.realtime.close()

    def tab(self, token, **options):
        c = t66.Client(options.pop("api_url", URL), token=token, reconnect_initial_delay=0.05, reconnect_max_delay=0.2, **options)
        self.opened.append(c)
        return c

    def test_two_tabs_join_see_presence_and_typing_and_leave(self):
        owner, _, _ = signed_up()
        chat = owner.chats.create(title="Live")
        a, b = self.tab(owner.token), self.tab(owner.token)
        a.realtime.connect()
        b.realtime.connect()
        seen_by_a, seen_by_b = recorder(a), recorder(b)
        a.realtime.join(chat["id"])
        b.realtime.join(chat["id"])
        eventually(lambda: len([e for e in seen_by_a if e["type"] == "presence"]) >= 2, "A to see B join")
        b.realtime.typing(chat["id"])
        eventually(lambda: any(e["type"] == "typing" for e in seen_by_a), "typing at A")
        self.assertFalse(any(e["type"] == "typing" for e in seen_by_b))
        b.realtime.leave(chat["id"])
        eventually(lambda: any(e["type"] == "presence" and e["state"] == "left" for e in seen_by_a), "A to see B leave")

    def test_joining_someone_elses_chat_raises_forbidden(self):
        me, _, _ = signed_up()
        other, _, _ = signed_up()
        theirs = other.chats.create(title="not yours")
        tab = self.tab(me.token)
        tab.realtime.connect()
        with self.assertRaises(t66.T66Error) as caught:
            tab.realtime.join(theirs["id"])
        self.assertEqual(caught.exception.code, "forbidden")
        self.assertNotIn(theirs["id"], tab.realtime.rooms)

    def test_message_created_and_message_delta_events(self):
        owner, _, _ = signed_up()
        chat = owner.chats.create(title="Events", settings={"model": MODEL})
        tab = self.tab(owner.token)
        events = recorder(tab)
        tab.realtime.connect()
        tab.realtime.join(chat["id"])
        message = owner.messages.create(chat["id"], "over REST")
        eventually(lambda: any(e["type"] == "message.created" and e["message"]["id"] == message["id"] for e in events), "message.created")
        answer = owner.chat.completions.create(chat=chat["id"], messages=[{"role": "user", "content": "into the room"}], stream=True).final_completion()
        text = t66.completion_text(answer)
        eventually(lambda: "".join(e["delta"] for e in events if e["type"] == "message.delta") == text, "deltas adding up to the answer")

    def test_reconnects_after_a_drop_and_rejoins(self):
        owner, _, _ = signed_up()
        chat = owner.chats.create(title="Flaky network")
        relay = Relay(URL)
        try:
            tab = self.tab(owner.token, api_url=relay.url)
            events, opens = recorder(tab), []
            tab.realtime.on("open", lambda e: opens.append(e["reconnected"]))
            tab.realtime.connect()
            tab.realtime.join(chat["id"])
            relay.cut_all()
            eventually(lambda: opens == [False, True], "the reconnect")
            eventually(lambda: len([e for e in events if e["type"] == "presence" and e["state"] == "joined"]) >= 2, "the rejoin")
            message = owner.messages.create(chat["id"], "after the drop")
            eventually(lambda: any(e["type"] == "message.created" and e["message"]["id"] == message["id"] for e in events), "an event after reconnecting")
        finally:
            for c in self.opened:
                c.realtime.close()
            relay.close()

    def test_reconnects_with_the_new_token_after_a_refresh_and_stops_after_logout(self):
        owner, _, _ = signed_up()
        chat = owner.chats.create(title="Rotating")
        tab = self.tab(owner.token)
        opens, closes = [], []
        tab.realtime.on("open", lambda e: opens.append(e["reconnected"]))
        tab.realtime.on("close", lambda e: closes.append((e["code"], e["will_reconnect"])))
        tab.realtime.connect()
        tab.realtime.join(chat["id"])
        tab.auth.refresh()
        eventually(lambda: opens == [False, True], "the reconnect with the new token")
        self.assertEqual(closes, [(4001, True)])
        tab.auth.logout()
        eventually(lambda: len(closes) == 2, "the close after logout")
        self.assertEqual(closes[1], (4001, False))
        eventually(lambda: tab.realtime.state == "closed", "the closed state")

    def test_connect_fails_clearly_without_a_valid_token(self):
        with self.assertRaises(t66.T66Error):
            client().realtime.connect()
        with self.assertRaises(t66.APIConnectionError) as caught:
            client(token="not-a-jwt").realtime.connect()
        self.assertEqual(caught.exception.status, 401)


if __name__ == "__main__":
    unittest.main()
