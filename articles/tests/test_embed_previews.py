"""Embeds' titles and thumbnails fetched once by the worker (articles/embed_fetch.py) and shown
in the site's placeholder, against a real HTTP server on 127.0.0.1 standing in for the providers
(EMBED_FETCH_BASE): never the Internet."""

import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from articles import embed_fetch, images
from articles.models import Embed, LiveEntry, live_tag
from articles.tasks import fetch_embeds
from kawalis.readercache.testing import tag_versions

VIDEO = "dQw4w9WgXcQ"
OTHER = "aaaaaaaaaaa"


def jpeg(width=480, height=360, color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


class Providers(ThreadingHTTPServer):
    """oEmbed answers by the address asked about, files by path; every request it gets is kept."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.oembed = {}  # original's address -> (status, dict)
        self.files = {}  # path -> (status, content type, bytes)
        self.requests = []

    def youtube(self, video, title, thumbnail=None):
        self.oembed[f"https://www.youtube.com/watch?v={video}"] = (
            200,
            {
                "title": title,
                "thumbnail_url": thumbnail or f"https://i.ytimg.com/vi/{video}/hqdefault.jpg",
                "type": "video",
            },
        )
        self.files.setdefault(f"/vi/{video}/hqdefault.jpg", (200, "image/jpeg", jpeg()))


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.requests.append(self.path)
        parts = urlsplit(self.path)
        if parts.path in {"/oembed", "/services/oembed"}:
            address = parse_qs(parts.query).get("url", [""])[0]
            status, data = server.oembed.get(address, (404, {}))
            body, kind = json.dumps(data).encode(), "application/json"
        else:
            status, kind, body = server.files.get(parts.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def providers(settings):
    server = Providers()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMBED_FETCH_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def youtube_body(*videos):
    return "".join(f"<p>https://www.youtube.com/watch?v={video}</p>" for video in videos)


@pytest.fixture
def saved(make_article, django_capture_on_commit_callbacks):
    """``saved(body)``: an article saved and committed (its fetch ran: the tests' worker runs
    tasks at once)."""

    def make(body, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return make_article(body_ar=body, **fields)

    return make


def page_of(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_the_fetch_stores_the_title_and_a_rendition_of_the_thumbnail_on_our_media(providers, saved):
    providers.youtube(VIDEO, "خطاب العرش")
    saved(youtube_body(VIDEO))
    record = Embed.objects.get(provider="youtube", provider_id=VIDEO)
    assert record.title == "خطاب العرش"
    assert record.fetched_at is not None and record.fetch_error == "" and record.attempts == 1
    assert (record.thumbnail_width, record.thumbnail_height) == (480, 360)
    assert record.renditions_of == record.thumbnail.name
    storage = record.thumbnail.storage
    for extension in ("jpg", "webp"):
        assert storage.exists(images.rendition_name(record.thumbnail.name, 480, extension))
    with storage.open(record.thumbnail.name) as stored:
        stored_image = Image.open(stored)
        assert stored_image.format == "JPEG" and "icc_profile" not in stored_image.info
    assert providers.requests[0].startswith("/oembed?")
    assert providers.requests[1:] == [f"/vi/{VIDEO}/hqdefault.jpg"]


def test_the_page_shows_title_and_our_thumbnail_and_the_json_ld_uses_them(providers, saved, client):
    providers.youtube(VIDEO, "خطاب العرش")
    article = saved(youtube_body(VIDEO))
    record = Embed.objects.get(provider_id=VIDEO)
    page = page_of(client, article)
    assert '<span class="embed-title" dir="auto">خطاب العرش</span>' in page
    src = images.rendition_name(record.thumbnail.name, 480, "jpg")
    img = re.search(r'<img class="embed-thumbnail"[^>]*>', page).group(0)
    assert f'src="/media/{src}"' in img
    assert 'alt="خطاب العرش"' in img and 'width="480"' in img and 'height="360"' in img
    assert 'loading="lazy"' in img
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    video = next(item for item in data["video"])
    assert video["name"] == "خطاب العرش"
    assert video["thumbnailUrl"] == [f"http://127.0.0.1:8000/media/{src}"]


def test_a_page_costs_the_same_queries_with_two_embeds_as_with_one(
    providers, saved, client, django_assert_num_queries
):
    for video, title in [(VIDEO, "الأول"), (OTHER, "الثاني"), ("bbbbbbbbbbb", "الثالث")]:
        providers.youtube(video, title)
    warm = saved(youtube_body("bbbbbbbbbbb"))
    one = saved(youtube_body(VIDEO))
    two = saved(youtube_body(VIDEO, OTHER))
    page_of(client, warm)  # the parts every page shares (the menu...) are cached from now on
    with CaptureQueriesContext(connection) as counted:
        assert "الأول" in page_of(client, one)
    with django_assert_num_queries(len(counted.captured_queries)):
        page = page_of(client, two)
    assert "الأول" in page and "الثاني" in page
    assert page.count('<img class="embed-thumbnail"') == 2


def test_facebook_and_instagram_are_skipped_without_a_request(providers, saved, client):
    article = saved(
        "<p>https://www.facebook.com/hespress/posts/10160000000000001</p>"
        "<p>https://www.instagram.com/p/C1aBcDeFgHi/</p>"
    )
    assert providers.requests == []
    assert not Embed.objects.exists()
    page = page_of(client, article)
    assert "Facebook" in page and "Instagram" in page and "embed-title" not in page


def test_x_gives_its_author_as_title_and_no_thumbnail_is_asked_for(providers, saved, client):
    providers.oembed["https://x.com/i/status/1790000000000000001"] = (
        200,
        {"author_name": "MAP Information", "thumbnail_url": "https://pbs.twimg.com/a.jpg"},
    )
    article = saved("<p>https://x.com/MAP_Information/status/1790000000000000001</p>")
    record = Embed.objects.get(provider="x")
    assert record.title == "MAP Information" and not record.thumbnail
    assert len(providers.requests) == 1 and providers.requests[0].startswith("/oembed?")
    assert "MAP Information" in page_of(client, article)


@pytest.mark.parametrize(
    "thumbnail, error",
    [
        ((404, "text/plain", b"gone"), "HTTP 404"),
        ((200, "image/jpeg", b"<html>not an image</html>"), "not_an_image"),
        ((200, "image/jpeg", jpeg(1600, 1600) + b"\0" * (3 * 1024 * 1024)), "larger than"),
    ],
    ids=["404", "not-an-image", "oversized"],
)
def test_a_bad_thumbnail_is_recorded_as_the_error_and_the_page_keeps_the_plain_placeholder(
    providers, saved, client, thumbnail, error
):
    providers.youtube(VIDEO, "خطاب العرش")
    providers.files[f"/vi/{VIDEO}/hqdefault.jpg"] = thumbnail
    article = saved(youtube_body(VIDEO))
    record = Embed.objects.get(provider_id=VIDEO)
    assert error in record.fetch_error
    assert record.fetched_at is None and record.attempts == 1 and not record.thumbnail
    page = page_of(client, article)
    assert '<a class="embed-link" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in page
    assert "embed-thumbnail" not in page and "خطاب العرش" not in page


def test_a_thumbnail_on_a_host_outside_the_providers_allowlist_is_refused_unfetched(providers, saved):
    providers.youtube(VIDEO, "خطاب", thumbnail="https://i.ytimg.com.evil.example/vi/x/hq.jpg")
    providers.files["/vi/x/hq.jpg"] = (200, "image/jpeg", jpeg())
    saved(youtube_body(VIDEO))
    record = Embed.objects.get(provider_id=VIDEO)
    assert "outside the provider's allowlist" in record.fetch_error
    assert "/vi/x/hq.jpg" not in providers.requests


@pytest.mark.parametrize(
    "address, allowed",
    [
        ("https://i.ytimg.com/vi/x/hqdefault.jpg", True),
        ("https://s2.dmcdn.net/v/abc/x240", True),
        ("https://p16-sign-va.tiktokcdn.com/obj/x.jpeg", True),
        ("http://i.ytimg.com/vi/x/hqdefault.jpg", False),
        ("https://i.ytimg.com:8443/vi/x.jpg", False),
        ("https://user@i.ytimg.com/vi/x.jpg", False),
        ("https://i.ytimg.com.evil.example/x.jpg", False),
        ("https://evildmcdn.net/x.jpg", False),
        ("https://127.0.0.1/x.jpg", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_https_on_a_providers_thumbnail_hosts_is_fetched(address, allowed):
    hosts = {"i.ytimg.com", "dmcdn.net", "tiktokcdn.com"}
    if allowed:
        assert embed_fetch.checked_url(address, hosts).href == address
    else:
        with pytest.raises(embed_fetch.Refused):
            embed_fetch.checked_url(address, hosts)


def test_a_failed_embed_is_tried_a_few_times_at_most(providers, saved, django_capture_on_commit_callbacks):
    article = saved(youtube_body(VIDEO))  # no oEmbed answer: 404
    for _ in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            article.save()
    record = Embed.objects.get(provider_id=VIDEO)
    assert record.attempts == embed_fetch.MAX_ATTEMPTS
    assert "HTTP 404" in record.fetch_error
    assert sum(path.startswith("/oembed?") for path in providers.requests) == embed_fetch.MAX_ATTEMPTS


def test_the_fetch_makes_the_cached_page_show_the_title(providers, make_article, client):
    providers.youtube(VIDEO, "خطاب العرش")
    article = make_article(body_ar=youtube_body(VIDEO))  # not committed: nothing fetched yet
    assert "خطاب العرش" not in page_of(client, article)
    assert "خطاب العرش" not in page_of(client, article)  # from the readers' cache
    before = tag_versions(article.reader_tag)
    fetch_embeds.enqueue([["youtube", VIDEO]], article.pk)
    assert tag_versions(article.reader_tag) != before
    assert "خطاب العرش" in page_of(client, article)


def test_a_live_entrys_embed_is_fetched_and_its_coverage_refreshed(
    providers, make_article, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    providers.youtube(VIDEO, "مباشر")
    article = make_article(coverage_start=timezone.now())
    before = tag_versions(live_tag(article.pk), article.reader_tag)
    with django_capture_on_commit_callbacks(execute=True):
        LiveEntry.objects.create(article=article, text=youtube_body(VIDEO))
    assert Embed.objects.get(provider_id=VIDEO).title == "مباشر"
    assert tag_versions(live_tag(article.pk), article.reader_tag) != before


def test_fetch_again_from_the_admin_needs_the_change_permission(
    providers, saved, client, django_capture_on_commit_callbacks
):
    providers.youtube(VIDEO, "القديم")
    saved(youtube_body(VIDEO))
    record = Embed.objects.get(provider_id=VIDEO)
    providers.youtube(VIDEO, "الجديد")
    providers.oembed[f"https://www.youtube.com/watch?v={VIDEO}"][1]["title"] = "الجديد"
    url = "/admin/articles/embed/"
    action = {"action": "fetch_again", "_selected_action": [record.pk]}

    viewer = User.objects.create_user("viewer", password="pass-123-viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_embed"))
    client.force_login(viewer)
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, action)
    record.refresh_from_db()
    assert record.title == "القديم"

    viewer.user_permissions.add(Permission.objects.get(codename="change_embed"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, action)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.title == "الجديد" and record.attempts == 1


def test_a_live_coverage_reads_its_entries_previews_in_one_query(
    providers, make_article, client, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    videos = [(VIDEO, "الأول"), (OTHER, "الثاني"), ("bbbbbbbbbbb", "الثالث")]
    for video, title in videos:
        providers.youtube(video, title)
    one = make_article(coverage_start=timezone.now() - timedelta(hours=1))
    three = make_article(coverage_start=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        LiveEntry.objects.create(article=one, text=youtube_body(VIDEO))
        for video, _title in videos:
            LiveEntry.objects.create(article=three, text=youtube_body(video))

    def queries(url):
        with CaptureQueriesContext(connection) as counted:
            response = client.get(url)
        assert response.status_code == 200
        return len(counted.captured_queries), response.content.decode()

    page_of(client, make_article())  # the parts every page shares are cached from now on
    for url_of in (lambda article: article.get_absolute_url(), lambda article: f"/live/{article.pk}/"):
        with_one, _page = queries(url_of(one))
        with_three, page = queries(url_of(three))
        assert with_three == with_one
        assert all(title in page for _video, title in videos)
        assert page.count('<img class="embed-thumbnail"') == 3
