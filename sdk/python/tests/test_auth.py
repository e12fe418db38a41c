"""client.auth against a running T66: the token is kept, sent, rotated, refreshed before expiry; errors are typed."""

import socket
import time
import unittest
from unittest import mock

import t66
from support import LIMITED_URL, PASSWORD, URL, client, needs_server, signed_up, unique_email


@needs_server
class RegisterLoginAndTheKeptToken(unittest.TestCase):
    def test_keeps_the_token_from_register_and_login_and_sends_it(self):
        c, user, email = signed_up()
        self.assertTrue(c.token.startswith("ey"))
        changes = []
        other = client(on_token_change=changes.append)
        login = other.auth.login(email, PASSWORD)
        self.assertEqual(login["user"]["id"], user["id"])
        self.assertEqual(other.token, login["token"])
        self.assertEqual(changes, [login["token"]])
        registered = c.token
        refreshed = c.auth.refresh()
        self.assertEqual(refreshed["user"]["id"], user["id"])
        self.assertEqual(c.token, refreshed["token"])
        self.assertNotEqual(c.token, registered)

    def test_accepts_api_key_and_an_api_url_ending_in_api(self):
        c, user, _ = signed_up()
        seeded = t66.Client(api_url=URL + "/api", api_key=c.token)
        self.assertEqual(seeded.auth.auth_refresh()["record"]["id"], user["id"])

    def test_logs_in_the_pocketbase_way_too(self):
        _, user, email = signed_up()
        c = client()
        self.assertEqual(c.auth.auth_with_password(email, PASSWORD)["record"]["id"], user["id"])
        self.assertIsNotNone(c.token)


@needs_server
class RotationAndLogout(unittest.TestCase):
    def test_refresh_revokes_the_old_token(self):
        c, _, _ = signed_up()
        stale = client(token=c.token)
        c.auth.refresh()
        with self.assertRaises(t66.AuthenticationError) as caught:
            stale.auth.refresh()
        self.assertEqual((caught.exception.status, caught.exception.code), (401, "token_revoked"))

    def test_logout_revokes_the_token_and_forgets_it(self):
        c, _, _ = signed_up()
        token = c.token
        c.auth.logout()
        self.assertIsNone(c.token)
        with self.assertRaises(t66.AuthenticationError):
            client(token=token).auth.refresh()


@needs_server
class RefreshingBeforeExpiry(unittest.TestCase):
    def later(self):
        # 23h59m30s on: the 24h token has 30 s left, inside the 60 s window (the client's clock only).
        return mock.patch("t66._transport.time.time", return_value=time.time() + 24 * 3600 - 30)

    def test_rotates_its_own_token_before_the_next_call(self):
        c, _, _ = signed_up()
        before = c.token
        with self.later():
            self.assertEqual(c.webhooks.list(), {"data": []})
        self.assertNotEqual(c.token, before)
        with self.assertRaises(t66.AuthenticationError):
            client(token=before).auth.refresh()

    def test_leaves_a_given_token_alone_unless_auto_refresh_is_set(self):
        c, _, _ = signed_up()
        given = client(token=c.token)
        opted = client(token=c.token, auto_refresh=True)
        with self.later():
            given.webhooks.list()
            self.assertEqual(given.token, c.token)
            opted.webhooks.list()
            self.assertNotEqual(opted.token, c.token)


@needs_server
class TypedErrorsFromTheServer(unittest.TestCase):
    def test_bad_request_conflict_and_authentication(self):
        c = client()
        with self.assertRaises(t66.BadRequestError) as short:
            c.auth.register(unique_email(), "short")
        self.assertEqual(short.exception.code, "invalid_request")
        self.assertTrue(short.exception.request_id)
        _, _, email = signed_up()
        with self.assertRaises(t66.ConflictError) as taken:
            c.auth.register(email, "long enough password")
        self.assertEqual(taken.exception.code, "email_taken")
        with self.assertRaises(t66.AuthenticationError):
            c.auth.login(email, "wrong password")
        self.assertIsNone(c.token)

    def test_connection_error_when_nothing_listens(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        with self.assertRaises(t66.APIConnectionError) as caught:
            t66.Client("http://127.0.0.1:%d" % port).health()
        self.assertEqual((caught.exception.status, caught.exception.code), (0, "connection_error"))


@unittest.skipUnless(LIMITED_URL, "T66_LIMITED_URL is not set: run `npm test`, which starts a server with T66_RATE_LIMIT_AUTH=2/1m")
class RateLimits(unittest.TestCase):
    def test_rate_limit_error_with_retry_after(self):
        c = t66.Client(LIMITED_URL)
        errors = []
        for _ in range(3):
            try:
                c.auth.login("nobody@example.com", "whatever it is")
            except t66.T66Error as error:
                errors.append(error)
        self.assertIsInstance(errors[0], t66.AuthenticationError)
        self.assertIsInstance(errors[2], t66.RateLimitError)
        self.assertEqual((errors[2].status, errors[2].code), (429, "rate_limited"))
        self.assertGreater(errors[2].retry_after, 0)
        self.assertLessEqual(errors[2].retry_after, 60)


if __name__ == "__main__":
    unittest.main()
