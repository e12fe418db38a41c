"""Shared helpers: the running T66 the tests talk to (``T66_URL``), and factories.

``npm test`` runs these through test/sdk/python.test.ts, which starts a T66 on the embedded
database with the offline models and sets ``T66_URL`` (plus ``T66_LIMITED_URL``, a second server
with a tiny auth rate limit). Without ``T66_URL`` the server tests are skipped, saying so.
"""

import os
import secrets
import time
import unittest

import t66

URL = os.environ.get("T66_URL")
LIMITED_URL = os.environ.get("T66_LIMITED_URL")
needs_server = unittest.skipUnless(URL, "T66_URL is not set: run `npm test`, or point T66_URL at a running T66")
MODEL = "local-dev"
PASSWORD = "correct horse battery"


def unique_email():
    return "py.%s@example.com" % secrets.token_hex(6)


def client(**options):
    return t66.Client(URL, **options)


def signed_up(**options):
    """A client that registered a fresh user and holds its token; answers (client, user, email)."""
    c = client(**options)
    email = unique_email()
    answer = c.auth.register(email=email, password=PASSWORD, name="Python User")
    return c, answer["user"], email


def eventually(condition, what, timeout=5.0):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)
