"""``import_wordpress --fetch-images``: featured images missing from ``--uploads`` are fetched
from their addresses, safely: a local HTTP server started here plays the old site."""

import http.server
import threading

import pytest

from articles.models import Article
from articles.tests.image_files import photo_bytes

from .test_import import SITE, export, post, run_import

PHOTO = photo_bytes(size=(800, 500))


class OldSite(http.server.BaseHTTPRequestHandler):
    routes = {}
    asked = []

    def do_GET(self):
        self.asked.append(self.path)
        status, headers, body = self.routes.get(self.path, (404, {}, b"not here"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def old_site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OldSite)
    base = f"http://127.0.0.1:{server.server_port}"
    OldSite.asked = []
    OldSite.routes = {
        "/wp-content/uploads/2024/05/photo.jpg": (200, {"Content-Type": "image/jpeg"}, PHOTO),
        "/wp-content/uploads/2024/05/page.jpg": (
            200,
            {"Content-Type": "image/jpeg"},
            b"<html>no image</html>",
        ),
        "/wp-content/uploads/2024/05/moved.jpg": (
            301,
            {"Location": "/wp-content/uploads/2024/05/photo.jpg"},
            b"",
        ),
        "/wp-content/uploads/2024/05/inward.jpg": (
            302,
            {"Location": f"http://localhost:{server.server_port}/wp-content/uploads/2024/05/photo.jpg"},
            b"",
        ),
        "/wp-content/uploads/2024/05/ftp.jpg": (302, {"Location": "ftp://old.example/photo.jpg"}, b""),
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()
    thread.join()


def attachment(attachment_id, url):
    return f"""<item><title>a</title><wp:post_id>{attachment_id}</wp:post_id>
    <wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>
    <wp:attachment_url>{url}</wp:attachment_url></item>"""


def with_image(post_id, attachment_id):
    meta = (
        "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
        f"<wp:meta_value>{attachment_id}</wp:meta_value></wp:postmeta>"
    )
    return post(post_id, f"خبر {post_id}", f"story-{post_id}", "<p>نص</p>", extra=meta)


def old_site_export(base, names):
    """An export of the site at ``base``: a post per image name, its featured image there."""
    items = []
    for number, name in enumerate(names, start=1):
        url = name if "://" in name else f"{base}/wp-content/uploads/2024/05/{name}"
        items += [attachment(100 + number, url), with_image(number, 100 + number)]
    return export(items).replace(SITE, base)


def image_of(post_number):
    return Article.objects.get(slug=f"story-{post_number}").image


def test_images_are_fetched_from_the_export_own_site_and_checked_like_uploads(db, tmp_path, old_site):
    names = ["photo.jpg", "missing.jpg", "page.jpg", "moved.jpg"]
    report = run_import(tmp_path, old_site_export(old_site, names), "--fetch-images")

    assert image_of(1).name.endswith(".jpg") and (image_of(1).width, image_of(1).height) == (800, 500)
    assert not image_of(2) and "post 2: featured image not fetched:" in report and "answered 404" in report
    assert not image_of(3) and "post 3: featured image 2024/05/page.jpg refused:" in report
    assert image_of(4)  # a redirect within the site is followed
    assert Article.objects.count() == 4  # a failed fetch is reported, the post imported


def test_without_the_option_nothing_is_fetched(db, tmp_path, old_site):
    report = run_import(tmp_path, old_site_export(old_site, ["photo.jpg"]))
    assert OldSite.asked == []
    assert not image_of(1) and "no --fetch-images" in report


def test_a_copy_in_uploads_is_taken_before_the_address(db, tmp_path, old_site):
    folder = tmp_path / "uploads" / "2024" / "05"
    folder.mkdir(parents=True)
    (folder / "photo.jpg").write_bytes(PHOTO)
    run_import(
        tmp_path,
        old_site_export(old_site, ["photo.jpg"]),
        "--uploads",
        str(tmp_path / "uploads"),
        "--fetch-images",
    )
    assert image_of(1) and OldSite.asked == []


def test_local_addresses_other_than_the_site_and_other_schemes_are_refused(db, tmp_path, old_site):
    port = old_site.rsplit(":", 1)[1]
    names = [
        f"http://localhost:{port}/wp-content/uploads/2024/05/photo.jpg",  # this machine, by another name
        "inward.jpg",  # the site sends it to this machine by another name
        "ftp.jpg",
        "file:///etc/passwd",
    ]
    report = run_import(tmp_path, old_site_export(old_site, names), "--fetch-images")

    assert not any(image_of(number) for number in range(1, 5))
    assert report.count("a private or local address, and not the export's own site") == 2
    assert report.count("only http and https addresses are fetched") == 2
    assert "/wp-content/uploads/2024/05/photo.jpg" not in OldSite.asked


def test_an_image_past_the_size_cap_is_refused(db, tmp_path, old_site, settings):
    settings.ARTICLE_IMAGE_MAX_BYTES = len(PHOTO) - 1
    report = run_import(tmp_path, old_site_export(old_site, ["photo.jpg"]), "--fetch-images")
    assert not image_of(1) and f"more than the {len(PHOTO) - 1:,} allowed" in report
