"""client.files, client.images and client.search against a running T66."""

import io
import os
import tempfile
import unittest

import t66
from support import needs_server, signed_up

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@needs_server
class UploadingFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client, _, _ = signed_up()

    def test_uploads_bytes_with_a_name_and_type(self):
        stored = self.client.files.upload(b"a,b\n1,2\n", filename="table.csv", content_type="text/csv")
        self.assertEqual((stored["filename"], stored["size"], stored["type"]), ("table.csv", 8, "text/csv"))
        self.assertTrue(stored["id"].startswith("file_"))
        self.assertEqual(self.client.files.get(stored["id"]), stored)

    def test_streams_a_path_and_a_file_object_from_disk(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "résumé ✓.txt")
            with open(path, "wb") as handle:
                handle.write(b"x" * (3 * 1024 * 1024 + 7))
            from_path = self.client.files.upload(path, content_type="text/plain")
            self.assertEqual((from_path["filename"], from_path["size"]), ("résumé ✓.txt", 3 * 1024 * 1024 + 7))
            with open(path, "rb") as handle:
                from_handle = self.client.files.upload(handle, content_type="text/plain")
            self.assertEqual(from_handle["size"], 3 * 1024 * 1024 + 7)

    def test_streams_a_file_object_of_unknown_length_with_chunked_encoding(self):
        class Unseekable(io.RawIOBase):
            def __init__(self, data):
                self._inner = io.BytesIO(data)

            def readable(self):
                return True

            def read(self, size=-1):
                return self._inner.read(size)

        stored = self.client.files.upload(Unseekable(b"streamed without a length"), filename="pipe.txt", content_type="text/plain")
        self.assertEqual(stored["size"], len(b"streamed without a length"))
        self.assertEqual(self.client.files.download(stored["id"]).content, b"streamed without a length")

    def test_the_server_sniffs_the_type_from_the_bytes(self):
        generated = self.client.images.generate("a tiny square", model="local-image")
        png = self.client.files.download(generated["data"][0]["file_id"]).content
        stored = self.client.files.upload(png, filename="image.pdf", content_type="application/pdf")
        self.assertEqual(stored["type"], "image/png")


@needs_server
class Downloading(unittest.TestCase):
    def test_bytes_range_etag_and_delete(self):
        c, _, _ = signed_up()
        stored = c.files.upload(b"0123456789", filename="digits.txt", content_type="text/plain")
        whole = c.files.download(stored["id"])
        self.assertEqual((whole.status, whole.filename, whole.content), (200, "digits.txt", b"0123456789"))
        ranged = c.files.download(stored["id"], range=(2, 5))
        self.assertEqual((ranged.status, ranged.content_range, ranged.content), (206, "bytes 2-5/10", b"2345"))
        again = c.files.download(stored["id"], if_none_match=whole.etag)
        self.assertEqual((again.status, again.not_modified, again.content), (304, True, b""))
        streamed = b"".join(c.files.download(stored["id"]).iter_bytes(chunk_size=3))
        self.assertEqual(streamed, b"0123456789")
        c.files.delete(stored["id"])
        with self.assertRaises(t66.NotFoundError):
            c.files.get(stored["id"])

    def test_another_users_file_is_not_found(self):
        c, _, _ = signed_up()
        other, _, _ = signed_up()
        theirs = other.files.upload(b"secret", filename="secret.txt")
        with self.assertRaises(t66.NotFoundError):
            c.files.download(theirs["id"])


@needs_server
class ImagesAndSearch(unittest.TestCase):
    def test_generates_an_image_stored_as_a_file(self):
        c, _, _ = signed_up()
        generated = c.images.generate("A beautiful sunset over mountains", model="local-image", n=1)
        self.assertEqual(len(generated["data"]), 1)
        file_id = generated["data"][0]["file_id"]
        self.assertEqual(c.files.get(file_id)["type"], "image/png")
        self.assertTrue(c.files.download(file_id).content.startswith(PNG_SIGNATURE))

    def test_web_search_answers_results(self):
        c, _, _ = signed_up()
        found = c.search.web("latest AI developments 2025", num_results=3)
        self.assertEqual(found["query"], "latest AI developments 2025")
        self.assertEqual(len(found["results"]), 3)
        self.assertTrue(found["results"][0]["url"].startswith("https://"))


if __name__ == "__main__":
    unittest.main()
