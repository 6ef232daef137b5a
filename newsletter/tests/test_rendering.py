"""What a mailing's e-mail shows: each article's image as a file sized for the e-mail."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail.message import sanitize_address
from django.utils import timezone
from PIL import Image

from articles import images
from articles.tests.image_files import photo_bytes, upload
from newsletter.models import Mailing
from newsletter.rendering import recipient_address, render_mailing

pytestmark = pytest.mark.django_db


def digest_until_now():
    now = timezone.now()
    return Mailing.objects.create(
        kind=Mailing.Kind.DIGEST, status=Mailing.Status.SENDING, digest_key="test", covers_until=now
    )


def email_image(html):
    """(src, width, height) of the one article image in an e-mail's HTML."""
    tag = re.search(r"<img [^>]+>", html).group(0)
    width, height = (re.search(rf' {name}="(\d+)"', tag) for name in ("width", "height"))
    return (
        re.search(r' src="([^"]+)"', tag).group(1),
        int(width.group(1)),
        int(height.group(1)) if height else None,
    )


def stored(url):
    """The stored file an absolute media URL of the e-mail points to."""
    assert url.startswith(f"{settings.SITE_URL}{settings.MEDIA_URL}"), url
    return urlsplit(url).path.removeprefix(settings.MEDIA_URL)


def photo_article(make_article, size):
    return make_article(title_ar="صورة", image=images.clean_upload(upload(photo_bytes(size=size))))


def test_digest_image_is_the_jpeg_rendition_sized_for_the_email_not_the_upload(make_article):
    article = photo_article(make_article, (2000, 1333))
    digest = digest_until_now()

    body = render_mailing(digest, "ar", since=digest.covers_until - timezone.timedelta(days=1))

    src, width, height = email_image(body.html)
    name = stored(src)
    assert name == images.rendition_name(article.image.name, 640, "jpg")
    with default_storage.open(name) as rendition:
        image = Image.open(rendition)
        assert (image.format, image.size) == ("JPEG", (640, 427))
    assert default_storage.size(name) < default_storage.size(article.image.name)
    # Shown across the 552 px column, in the photo's proportions.
    assert (width, height) == (552, 368)


def test_a_narrow_photo_gets_its_own_width_not_stretched_to_the_column(make_article):
    article = photo_article(make_article, (400, 300))
    digest = digest_until_now()

    body = render_mailing(digest, "ar", since=digest.covers_until - timezone.timedelta(days=1))

    src, width, height = email_image(body.html)
    assert stored(src) == images.rendition_name(article.image.name, 400, "jpg")
    assert (width, height) == (400, 300)
    assert "max-width:400px" in body.html


def test_until_its_renditions_are_written_the_email_shows_the_uploaded_image_with_its_size(
    make_article, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued, not run
    article = photo_article(make_article, (2000, 1333))
    assert not images.renditions_ready(article)
    digest = digest_until_now()

    body = render_mailing(digest, "ar", since=digest.covers_until - timezone.timedelta(days=1))

    src, width, height = email_image(body.html)
    assert stored(src) == article.image.name  # no link to a file that does not exist yet
    assert (width, height) == (552, 368)


def test_an_article_without_an_image_has_no_img_in_the_email(make_article):
    make_article(title_ar="بلا صورة")
    digest = digest_until_now()

    body = render_mailing(digest, "ar", since=digest.covers_until - timezone.timedelta(days=1))

    assert "بلا صورة" in body.html
    assert "<img" not in body.html


@pytest.mark.parametrize(
    "email",
    [
        "reader@example.com",
        "first.last+news@mail.example.org",
        "o'brien@example.ie",
        "a..b@example.com",  # not a dot-atom: quoted by sanitize_address
        '"quoted local"@example.com',
        "qaria@مثال.com",  # an internationalised domain: encoded
        "qāri'@example.com",
        "Reader@Example.COM",
    ],
)
def test_recipient_address_is_what_sanitize_address_gives(email):
    assert recipient_address(email) == sanitize_address(email, "utf-8")
