"""client.chats, client.messages, client.settings and client.filter against a running T66."""

import datetime
import unittest

import t66
from support import needs_server, signed_up


@needs_server
class Chats(unittest.TestCase):
    def test_create_get_update_merging_settings_list_and_delete(self):
        c, _, _ = signed_up()
        chat = c.chats.create(title="Trip planning", settings={"model": "local-dev", "temperature": 0.7, "systemMessage": "Be brief"})
        self.assertEqual((chat["title"], chat["messages"]), ("Trip planning", []))
        self.assertEqual(c.chats.get(chat["id"]), chat)
        updated = c.chats.update(chat["id"], settings={"temperature": 0.8})
        self.assertEqual(updated["settings"], {"model": "local-dev", "temperature": 0.8, "systemMessage": "Be brief"})
        page = c.chats.list(filter=c.filter("id = {:id}", id=chat["id"]))
        self.assertEqual([item["id"] for item in page["items"]], [chat["id"]])
        c.chats.delete(chat["id"])
        with self.assertRaises(t66.NotFoundError):
            c.chats.get(chat["id"])

    def test_pages_and_sorts(self):
        c, _, _ = signed_up()
        for title in ("b", "c", "a"):
            c.chats.create(title=title)
        first = c.chats.list(page=1, per_page=2, sort="title")
        self.assertEqual((first["totalItems"], first["totalPages"]), (3, 2))
        self.assertEqual([i["title"] for i in first["items"]], ["a", "b"])
        self.assertEqual([i["title"] for i in c.chats.list(page=2, per_page=2, sort="title")["items"]], ["c"])
        skipped = c.chats.list(sort="-title", skip_total=True)
        self.assertEqual((skipped["totalItems"], [i["title"] for i in skipped["items"]]), (-1, ["c", "b", "a"]))

    def test_typed_errors(self):
        c, _, _ = signed_up()
        other, other_user, _ = signed_up()
        theirs = other.chats.create(title="private")
        with self.assertRaises(t66.BadRequestError):
            c.chats.list(sort="nonsense")
        with self.assertRaises(t66.NotFoundError):
            c.chats.get(theirs["id"])
        with self.assertRaises(t66.PermissionDeniedError):
            c.chats.create(title="x", user=other_user["id"])


@needs_server
class Messages(unittest.TestCase):
    def test_add_list_by_chat_update_and_delete(self):
        c, _, _ = signed_up()
        chat = c.chats.create(title="With messages")
        hello = c.messages.create(chat["id"], "Hello, how are you?", role="user")
        reply = c.messages.create(chat["id"], "Fine, thanks.", role="assistant")
        self.assertEqual(c.chats.get(chat["id"])["messages"], [hello["id"], reply["id"]])
        listed = c.messages.list(filter=c.filter("chat = {:chat}", chat=chat["id"]), sort="created")
        self.assertEqual([m["content"] for m in listed["items"]], ["Hello, how are you?", "Fine, thanks."])
        self.assertEqual(c.messages.update(hello["id"], content="Hello again")["content"], "Hello again")
        c.messages.delete(reply["id"])
        self.assertEqual(c.chats.get(chat["id"])["messages"], [hello["id"]])


@needs_server
class UserSettings(unittest.TestCase):
    def test_get_and_update_own_settings_with_masked_merged_keys(self):
        c, user, _ = signed_up()
        settings = c.settings.get()
        self.assertEqual(settings["user"], user["id"])
        updated = c.settings.update(theme="dark", api_keys={"openai": "sk-test-1234567890abcd"})
        self.assertEqual((updated["id"], updated["theme"]), (settings["id"], "dark"))
        self.assertNotIn("1234567890", updated["api_keys"]["openai"])
        self.assertEqual(c.settings.update(settings["id"], api_keys={"openai": None})["api_keys"], {})
        self.assertEqual(c.settings.get(settings["id"])["theme"], "dark")

    def test_the_contracts_refusals(self):
        c, _, _ = signed_up()
        with self.assertRaises(t66.ConflictError):
            c.settings.create(theme="light")
        with self.assertRaises(t66.PermissionDeniedError):
            c.settings.delete(c.settings.get()["id"])


TRICKY = [
    "it's",
    'say "hi"',
    "both ' and \"",
    "back\\slash",
    "escaped-looking \\' inside",
    'escaped-looking \\" inside',
    "double \\\\' backslashes",
    "line one\nline two\r\nline three\ttabbed",
    "unicode: héllo wörld ✓ 🚀 日本語 مرحبا e\u0301",
    "' || user != '",
    "x') || (title != 'x",
    "{:notAPlaceholder} && // not a comment",
    "100% of_the_time",
    "",
    " leading and trailing spaces ",
]


@needs_server
class FilterValuesReadBackExactly(unittest.TestCase):
    def test_title_equals_each_tricky_value_finds_exactly_that_chat(self):
        c, _, _ = signed_up()
        created = {}
        for title in TRICKY:
            created[title] = c.chats.create(title=title)["id"]
            c.chats.create(title=title + "-other")
        for title in TRICKY:
            with self.subTest(title=title):
                found = c.chats.list(filter=c.filter("title = {:title}", title=title))
                self.assertEqual([i["id"] for i in found["items"]], [created[title]])
                self.assertEqual(found["items"][0]["title"], title)

    def test_contains_numbers_and_datetimes(self):
        c, _, _ = signed_up()
        quoted = c.chats.create(title="Bob's \"big\" trip", settings={"temperature": 0.25})
        c.chats.create(title="Other trip", settings={"temperature": 1.5})
        self.assertEqual([i["id"] for i in c.chats.list(filter=c.filter("title ~ {:q}", q="'s \"big"))["items"]], [quoted["id"]])
        self.assertEqual([i["id"] for i in c.chats.list(filter=c.filter("settings.temperature = {:t}", t=0.25))["items"]], [quoted["id"]])
        created = datetime.datetime.fromisoformat(quoted["created"].replace("Z", "+00:00"))
        since = c.filter("created >= {:since} && title != {:other}", since=created - datetime.timedelta(seconds=1), other="Other trip")
        self.assertEqual([i["id"] for i in c.chats.list(filter=since)["items"]], [quoted["id"]])


if __name__ == "__main__":
    unittest.main()
