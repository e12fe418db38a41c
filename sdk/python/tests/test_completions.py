"""client.chat.completions and client.models against a running T66 with its offline model."""

import unittest

import t66
from support import MODEL, client, needs_server, signed_up


@needs_server
class Completions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client, _, _ = signed_up()

    def test_models_list_includes_the_offline_model(self):
        models = self.client.models.list()
        local = [m for m in models["data"] if m["id"] == MODEL]
        self.assertEqual(local[0]["provider"], "local")

    def test_a_whole_completion_as_the_seed_snippet_uses_it(self):
        response = self.client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hello!"}])
        self.assertEqual(response["object"], "chat.completion")
        self.assertIn("Hello!", t66.completion_text(response))
        self.assertGreater(response["usage"]["total_tokens"], 0)

    def test_stream_yields_chunks_whose_text_adds_up_to_the_whole_answer(self):
        request = {"model": MODEL, "messages": [{"role": "user", "content": "Stream me"}]}
        whole = self.client.chat.completions.create(**request)
        stream = self.client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **request)
        self.assertIn("text/event-stream", stream.headers["content-type"])
        chunks = list(stream)
        self.assertGreater(len(chunks), 3)
        self.assertEqual(chunks[0]["choices"][0]["delta"]["role"], "assistant")
        text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c["choices"])
        self.assertEqual(text, t66.completion_text(whole))
        self.assertEqual(chunks[-1]["usage"]["total_tokens"], whole["usage"]["total_tokens"])

    def test_accumulates_into_the_same_completion_as_without_streaming(self):
        request = {"model": MODEL, "messages": [{"role": "user", "content": "Accumulate me"}]}
        whole = self.client.chat.completions.create(**request)
        accumulated = t66.accumulate_completion(self.client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **request))
        self.assertEqual(accumulated["choices"], whole["choices"])
        self.assertEqual(accumulated["usage"], whole["usage"])
        with self.client.chat.completions.create(stream=True, **request) as stream:
            self.assertEqual(t66.completion_text(stream.final_completion()), t66.completion_text(whole))

    def test_closing_a_stream_early_does_not_hang(self):
        with self.client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Stop"}], stream=True) as stream:
            first = next(iter(stream))
            self.assertEqual(first["object"], "chat.completion.chunk")
        self.assertEqual(list(stream), [])

    def test_stores_the_answer_in_a_chat_when_chat_names_one(self):
        chat = self.client.chats.create(title="Stored", settings={"model": MODEL})
        answer = self.client.chat.completions.create(chat=chat["id"], messages=[{"role": "user", "content": "Remember"}], stream=True).final_completion()
        stored = self.client.messages.list(filter=self.client.filter("chat = {:c} && role = 'assistant'", c=chat["id"]))
        self.assertEqual([m["content"] for m in stored["items"]], [t66.completion_text(answer)])
        self.assertEqual(stored["items"][0]["status"], "complete")

    def test_errors_are_typed_streaming_or_not(self):
        for stream in (False, True):
            with self.assertRaises(t66.NotFoundError):
                self.client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}], stream=stream)
        with self.assertRaises(t66.BadRequestError) as missing:
            self.client.chat.completions.create()
        self.assertEqual(set(missing.exception.details["missing_fields"]), {"model", "messages"})
        with self.assertRaises(t66.AuthenticationError):
            client().chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])


if __name__ == "__main__":
    unittest.main()
