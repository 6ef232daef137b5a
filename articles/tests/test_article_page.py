"""The article page: canonical URLs, what readers may see, and the seed article as captured."""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.demo import content
from articles.models import Article

SHARED_SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "source-page.txt"


class _BodyParagraphs(HTMLParser):
    """Collects the text of each <p> inside the element with class "article-body"."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.in_p = False
        self.paragraphs = []

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class", "") or ""
        if self.depth:
            self.depth += 1
        elif "article-body" in classes.split():
            self.depth = 1
        if self.depth and tag == "p":
            self.in_p = True
            self.paragraphs.append("")

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
        if tag == "p":
            self.in_p = False

    def handle_data(self, data):
        if self.depth and self.in_p:
            self.paragraphs[-1] += data


def rendered_paragraphs(html):
    parser = _BodyParagraphs()
    parser.feed(html)
    return parser.paragraphs


@pytest.fixture
def seed_article(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    title, _paragraphs = content.read_seed()
    return Article.objects.get(title_ar=title)


def test_demo_article_paragraphs_equal_the_seed_paragraphs_in_order(client, seed_article):
    _title, paragraphs = content.read_seed()
    response = client.get(seed_article.get_absolute_url())
    assert response.status_code == 200
    assert rendered_paragraphs(response.content.decode()) == paragraphs
    assert len(paragraphs) == 11


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="the captured source page is not beside the repo")
def test_repo_seed_copy_matches_the_captured_source_page():
    source = SHARED_SEED.read_text(encoding="utf-8")
    article_part = source[: source.index("شارك بتعليقك")]
    blocks = [line.strip() for line in article_part.splitlines() if line.strip("\u00a0 \t")]
    title, paragraphs = content.read_seed()
    assert blocks == [title, *paragraphs]


def test_seed_page_has_headline_and_moroccan_date(client, seed_article):
    html = client.get(seed_article.get_absolute_url()).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "في مؤتمر الأنتربول بغلاسكو" in html
    assert "الجمعة 8 نونبر 2024 - 11:30" in html


def test_loading_the_demo_twice_changes_nothing(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    before = list(Article.objects.values_list("pk", "title_ar", "body_ar").order_by("pk"))
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = list(Article.objects.values_list("pk", "title_ar", "body_ar").order_by("pk"))
    assert before == after


def test_wrong_slug_redirects_to_canonical_url(client, make_article):
    article = make_article(title_ar="عنوان المقال")
    response = client.get(f"/article/{article.pk}/old-slug/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_missing_slug_redirects_to_canonical_url(client, make_article):
    article = make_article()
    response = client.get(f"/fr/article/{article.pk}/")
    assert response.status_code == 301
    assert response["Location"].startswith("/fr/article/")


def test_canonical_url_survives_a_title_edit(client, make_article):
    article = make_article(title_ar="العنوان الأول")
    url = article.get_absolute_url()
    article.title_ar = "العنوان بعد التعديل"
    article.save()
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Article.Status.DRAFT},
        {"published_at": timezone.now() + datetime.timedelta(hours=2)},
    ],
    ids=["draft", "scheduled"],
)
def test_unpublished_articles_are_404_for_readers(client, make_article, fields):
    article = make_article(**fields)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 404
    assert (
        "الصفحة المطلوبة غير موجودة" in response.content.decode() or response.templates[0].name == "404.html"
    )


@pytest.mark.parametrize("path", ["//evil.example/", "///evil.example/x", "/fr//evil.example/"])
def test_language_links_of_a_404_stay_on_the_site(client, db, path):
    import re

    from kawalis.site_url import stays_on_site

    response = client.get("/", PATH_INFO=path)  # as sent: the client would take "//x/" for a host

    assert response.status_code == 404
    links = re.findall(r'<a href="([^"]*)" lang="(\w+)" hreflang', response.content.decode())
    assert {language for _href, language in links} == {"ar", "fr", "en"}
    assert all(stays_on_site(href) and href.startswith("/") for href, _language in links), links


def test_unknown_article_is_404(client, db):
    assert client.get("/article/999999/nothing/").status_code == 404


def test_scheduled_article_appears_when_its_time_comes(client, make_article):
    article = make_article(published_at=timezone.now() + datetime.timedelta(minutes=5))
    assert article not in Article.objects.published()
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(article.get_absolute_url()).status_code == 200


def test_staff_preview_of_a_draft_shows_a_banner(client, make_article, editor_user):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(editor_user)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert 'class="preview-banner"' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"


def test_body_has_no_empty_paragraphs(make_article):
    article = make_article(body_ar="<p>أ</p><p> </p><p>&nbsp;</p><p><br></p><p>ب</p>")
    assert article.body_ar == "<p>أ</p><p>ب</p>"


def test_french_page_marks_arabic_fallback_blocks(client, make_article):
    article = make_article(title_ar="عنوان فقط بالعربية")
    html = client.get(f"/fr{article.get_absolute_url()}").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert re.search(r'<h1 class="article-title" lang="ar" dir="rtl">', html)


def test_share_links_carry_the_canonical_url(client, make_article):
    article = make_article()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2F127.0.0.1%3A8000%2Farticle%2F" in html
    assert "https://wa.me/?text=" in html
    assert "https://x.com/intent/post?url=" in html


def test_machine_readable_times_have_no_microseconds(client, make_article):
    import re

    an_hour_ago = timezone.now().replace(microsecond=123456) - datetime.timedelta(hours=1)
    article = make_article(published_at=an_hour_ago)
    html = client.get(article.get_absolute_url()).content.decode()
    stamps = re.findall(r'<time[^>]* datetime="([^"]+)"', html)
    assert stamps
    for stamp in stamps:  # what the W3C checker accepts: at most three digits of a fraction
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", stamp), stamp
