"""Every kind of reader page is valid HTML for the W3C Nu HTML checker (vnu), in Arabic and French.

The pages are checked as a reader gets them: the test client's answer, through the readers'
cache and its per-reader holes. The checker is a Java program whose start costs seconds, so the
first test that needs it renders every page (from the project's factories, inside that test's
own transaction and settings), writes them to files and runs the checker once over all of
them; each page is then a test of its own, failing with the checker's messages. Without Java or
the checker (``scripts/test`` installs it with ``npm ci``) the tests skip and say why.
"""

import datetime
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.views import defaults

from articles import images
from articles.models import ArticleViewCount, Author, BreakingNews, RelatedArticle, Tag
from articles.popularity import current_hour
from articles.tests.image_files import photo_bytes, upload
from comments.models import Comment
from comments.views import posted_flag, unsubscribe_token
from newsletter.models import Subscriber
from wordpress.content import to_html

CHECKER_JAR = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LANGUAGES = ["ar", "fr"]


def _photo(name):
    return images.clean_upload(upload(photo_bytes(size=(900, 600)), f"{name}.jpg"))


class Newsroom:
    """What the pages show: a section of articles with pictures, tags, comments and readers."""

    def __init__(self, make_article, make_category, editor_user):
        now = timezone.now()
        self.editor = editor_user
        self.category = make_category(name_ar="سياسة", name_fr="Politique", slug="politique")
        make_category(name_ar="رياضة", name_fr="Sport", slug="sport")
        self.tag = Tag.objects.create(name_ar="الانتخابات", name_fr="Élections", slug="elections")
        self.article = make_article(
            category=self.category,
            title_ar="البرلمان يصادق على قانون المالية",
            title_fr="Le Parlement adopte la loi de finances",
            lead_ar="صادق مجلس النواب على مشروع قانون المالية.",
            lead_fr="La Chambre des représentants a adopté le projet de loi de finances.",
            # No French body: the French page shows the Arabic one, marked as Arabic.
            body_ar=(
                "<p>فقرة أولى مع <a href='https://example.com/'>رابط</a> و<strong>نص بارز</strong>.</p>"
                "<h2>عنوان فرعي</h2><ul><li>بند أول</li><li>بند ثان</li></ul>"
                "<blockquote><p>قول مقتبس.</p></blockquote><p>سطر<br>سطر ثان</p>"
            ),
            byline="الرباط: هيئة التحرير",
            image=_photo("parliament"),
            image_caption_ar="قبة البرلمان",
            image_caption_fr="La coupole du Parlement",
            image_alt_ar="مبنى البرلمان",
            image_alt_fr="Le bâtiment du Parlement",
            image_credit="Kawalis",
            published_at=now - datetime.timedelta(hours=1),
        )
        self.article.tags.add(self.tag, through_defaults={"article_published_at": self.article.published_at})
        # What a WordPress import makes of odd markup: shortcodes, block comments, unclosed tags.
        self.imported = make_article(
            category=self.category,
            title_ar="مقال مستورد من ووردبريس",
            title_fr="Article importé de WordPress",
            body_ar=to_html(
                'فقرة أولى\nسطر ثان\n\n[caption width="300"]<img src="a.jpg"> تعليق الصورة[/caption]\n\n'
                "<!-- wp:list --><ul><li>بند <b>غير مغلق<li>بند ثان</ul><!-- /wp:list -->\n\n"
                '<table><tr><td>خلية</td><td>أخرى</td></tr></table>[gallery ids="1"][unknown]نص[/unknown]\n\n'
                "https://www.youtube.com/watch?v=abc\n\n<div><p>فقرة في div<blockquote>اقتباس"
            ).html,
        )
        self.author = Author.objects.create(
            name_ar="سعيد الصحفي", name_fr="Saïd le journaliste", bio_ar="صحفي في قسم السياسة.", slug="said"
        )
        self.article.authors.add(self.author)
        self.featured = make_article(
            category=self.category,
            title_ar="مقال الواجهة",
            title_fr="À la une",
            lead_ar="موجز مقال الواجهة.",
            lead_fr="Le chapeau de l'article à la une.",
            image=_photo("featured"),
            is_featured=True,
        )
        self.others = [
            make_article(
                category=self.category,
                title_ar=f"مقال سياسي رقم {n}",
                title_fr=f"Article politique n° {n}",
                image=_photo(f"other-{n}") if n == 1 else None,
                published_at=now - datetime.timedelta(hours=2 + n),
            )
            for n in range(1, 4)
        ]
        for other in self.others[:2]:
            other.tags.add(self.tag, through_defaults={"article_published_at": other.published_at})
        RelatedArticle.objects.create(article=self.article, related=self.others[2], position=1)
        self.closed = make_article(
            category=self.category, title_ar="مقال مغلق التعليقات", title_fr="Commentaires fermés"
        )
        self.closed.comments_open = False
        self.closed.save()
        self.draft = make_article(
            category=self.category, title_ar="مسودة", title_fr="Brouillon", status="draft"
        )

        self.comment = self._comment(
            self.article, name="أحمد", body="تعليق أول.\n\nفقرة ثانية https://example.com"
        )
        self.reply = self._comment(self.article, name="Claire", body="Une réponse.", parent=self.comment)
        self._comment(self.article, name="سارة", body="تعليق آخر")
        self._comment(self.article, body="ينتظر الإشراف", status=Comment.Status.PENDING)

        BreakingNews.objects.create(
            text_ar="عاجل: زلزال بقوة 5 درجات",
            text_fr="Urgent : un séisme de magnitude 5",
            starts_at=now - datetime.timedelta(minutes=5),
            expires_at=now + datetime.timedelta(hours=1),
        )
        BreakingNews.objects.create(
            article=self.others[0],
            starts_at=now - datetime.timedelta(minutes=5),
            expires_at=now + datetime.timedelta(hours=1),
        )
        for hours_ago, article, views in [
            (1, self.article, 40),
            (2, self.others[0], 10),
            (72, self.featured, 90),
        ]:
            hour = current_hour(now) - datetime.timedelta(hours=hours_ago)
            ArticleViewCount.objects.create(article=article, hour=hour, views=views)

        self.pending = self._subscriber("pending@example.com", Subscriber.Status.PENDING)
        self.subscriber = self._subscriber("reader@example.com", Subscriber.Status.CONFIRMED)
        self.leaving = self._subscriber("leaving@example.com", Subscriber.Status.CONFIRMED)

    @staticmethod
    def _comment(article, status=Comment.Status.APPROVED, **fields):
        fields.setdefault("name", "قارئ")
        fields.setdefault("email", "reader@example.com")
        return Comment.objects.create(article=article, status=status, **fields)

    @staticmethod
    def _subscriber(email, status):
        return Subscriber.objects.create(email=email, status=status, consent_text="consent", language="ar")


# Each kind of reader page, as a reader gets it: ``reader`` is a test client of its own (rate
# limits and cookies do not carry over); the page's language is active (``reverse`` speaks it).
PAGES = {}


def reader_page(status):
    """Register the decorated function as a kind of page, answered with ``status``."""

    def register(get):
        PAGES[get.__name__.replace("_", "-")] = (status, get)
        return get

    return register


@reader_page(200)
def home(reader, newsroom):
    return reader.get(reverse("articles:home"))


@reader_page(200)
def home_page_2(reader, newsroom):
    return reader.get(reverse("articles:home"), {"page": 2})


@reader_page(200)
def category(reader, newsroom):
    return reader.get(newsroom.category.get_absolute_url())


@reader_page(200)
def tag(reader, newsroom):
    return reader.get(newsroom.tag.get_absolute_url())


@reader_page(200)
def author(reader, newsroom):
    return reader.get(newsroom.author.get_absolute_url())


@reader_page(200)
def imported_wordpress_article(reader, newsroom):
    return reader.get(newsroom.imported.get_absolute_url())


@reader_page(200)
def search_with_results(reader, newsroom):
    words = "البرلمان" if get_language() == "ar" else "Parlement"
    return reader.get(reverse("articles:search"), {"q": words})


@reader_page(200)
def search_without_results(reader, newsroom):
    return reader.get(reverse("articles:search"), {"q": "كلمةغيرموجودة"})


@reader_page(200)
def search_form_alone(reader, newsroom):
    return reader.get(reverse("articles:search"))


@reader_page(400)
def search_too_long(reader, newsroom):
    return reader.get(reverse("articles:search"), {"q": "ب" * 300})


@reader_page(400)
def search_too_deep(reader, newsroom):
    from articles.search import MAX_PAGES

    return reader.get(reverse("articles:search"), {"q": "البرلمان", "page": MAX_PAGES + 1})


@reader_page(200)
def article(reader, newsroom):
    return reader.get(newsroom.article.get_absolute_url())


@reader_page(200)
def article_from_the_cache(reader, newsroom):
    reader.get(newsroom.article.get_absolute_url())
    return reader.get(newsroom.article.get_absolute_url())


@reader_page(200)
def article_reply_form(reader, newsroom):
    return reader.get(newsroom.article.get_absolute_url(), {"replyto": newsroom.comment.pk})


@reader_page(200)
def article_after_posting_and_reporting(reader, newsroom):
    notices = {"comment": posted_flag(newsroom.reply), "reported": newsroom.comment.pk}
    return reader.get(newsroom.article.get_absolute_url(), notices)


@reader_page(200)
def article_comments_closed(reader, newsroom):
    return reader.get(newsroom.closed.get_absolute_url())


@reader_page(200)
def article_staff_preview(reader, newsroom):
    reader.force_login(newsroom.editor)
    return reader.get(newsroom.draft.get_absolute_url())


@reader_page(404)
def article_not_found(reader, newsroom):
    return reader.get(reverse("articles:detail", args=[999999, "no-such-article"]))


@reader_page(200)
def comment_form_with_errors(reader, newsroom):
    typed = {"name": "", "email": "not-an-address", "body": ""}
    return reader.post(reverse("comments:post", args=[newsroom.article.pk]), typed)


@reader_page(403)
def comment_form_comments_closed(reader, newsroom):
    return reader.post(reverse("comments:post", args=[newsroom.closed.pk]), {"body": "نص يحفظ للقارئ"})


@reader_page(429)
def comment_rate_limited(reader, newsroom):
    for _attempt in range(settings.COMMENTS_RATE_LIMIT_IP + 1):
        response = reader.post(reverse("comments:post", args=[newsroom.article.pk]), {"body": "مرة أخرى"})
    return response


@reader_page(200)
def comment_report(reader, newsroom):
    return reader.get(reverse("comments:report", args=[newsroom.comment.pk]))


@reader_page(200)
def comment_reply_emails(reader, newsroom):
    return reader.get(reverse("comments:unsubscribe", args=[unsubscribe_token(newsroom.comment)]))


@reader_page(200)
def comment_reply_emails_stopped(reader, newsroom):
    return reader.post(reverse("comments:unsubscribe", args=[unsubscribe_token(newsroom.comment)]))


@reader_page(404)
def comment_reply_emails_bad_link(reader, newsroom):
    return reader.get(reverse("comments:unsubscribe", args=["bad-link"]))


@reader_page(200)
def newsletter_signup(reader, newsroom):
    return reader.get(reverse("newsletter:subscribe"))


@reader_page(400)
def newsletter_signup_with_errors(reader, newsroom):
    return reader.post(reverse("newsletter:subscribe"), {"email": "no-at-sign"})


@reader_page(200)
def newsletter_check_inbox(reader, newsroom):
    return reader.get(reverse("newsletter:check_inbox"))


@reader_page(429)
def newsletter_too_many_signups(reader, newsroom):
    for _attempt in range(settings.NEWSLETTER_SIGNUPS_PER_IP + 1):
        response = reader.post(reverse("newsletter:subscribe"), {"email": "no-at-sign"})
    return response


@reader_page(200)
def newsletter_confirmed(reader, newsroom):
    token = newsroom.pending.confirmation_url().rstrip("/").rpartition("/")[2]
    return reader.get(reverse("newsletter:confirm", args=[token]))


@reader_page(400)
def newsletter_bad_confirmation_link(reader, newsroom):
    return reader.get(reverse("newsletter:confirm", args=["bad-link"]))


@reader_page(200)
def newsletter_unsubscribe(reader, newsroom):
    return reader.get(reverse("newsletter:unsubscribe", args=[newsroom.subscriber.unsubscribe_token()]))


@reader_page(200)
def newsletter_unsubscribed(reader, newsroom):
    return reader.post(reverse("newsletter:unsubscribe", args=[newsroom.leaving.unsubscribe_token()]))


@reader_page(400)
def newsletter_bad_unsubscribe_link(reader, newsroom):
    return reader.get(reverse("newsletter:unsubscribe", args=["bad-link"]))


@reader_page(403)
def csrf_token_missing(reader, newsroom):
    browser = Client(enforce_csrf_checks=True)
    return browser.post(reverse("newsletter:unsubscribe", args=[newsroom.subscriber.unsubscribe_token()]))


@reader_page(403)
def form_sent_from_another_site(reader, newsroom):
    forged = {"Sec-Fetch-Site": "cross-site", "Origin": "https://elsewhere.example"}
    return reader.post(reverse("newsletter:subscribe"), {"email": "victim@example.com"}, headers=forged)


@reader_page(400)
def bad_request(reader, newsroom):
    return reader.get(reverse("articles:tag", args=["\x00"]))


@reader_page(404)
def not_found(reader, newsroom):
    return reader.get(reverse("articles:home") + "no-such-page/")


@reader_page(500)
def server_error(reader, newsroom):
    # Static, in the three languages at once (it must not depend on anything that may be down):
    # Django serves it from its handler, which the test client would raise through instead.
    return defaults.server_error(RequestFactory().get(reverse("articles:home")))


CHECKED = [f"{name}-{language}" for name in PAGES for language in LANGUAGES]


@pytest.fixture(scope="session")
def checker_command():
    """How to run the checker here, or a skip that says what is missing."""
    java = shutil.which("java")
    if java is None:
        pytest.skip("Java is not installed: the W3C HTML checker (vnu.jar) runs on it")
    if not CHECKER_JAR.is_file():
        pytest.skip(f"the W3C HTML checker is not installed ({CHECKER_JAR}): scripts/test installs it")
    return [java, "-jar", str(CHECKER_JAR)]


# A page the checker must find fault with, checked in the same run: proof that its errors reach
# the tests (a checker that reported nothing would pass every page).
KNOWN_INVALID = b"""<!DOCTYPE html>
<html lang="en"><head><title>Known invalid</title></head>
<body><p id="twice">One</p><p id="twice">Two</p></body></html>
"""


class CheckerError(Exception):
    """The checker did not run, or said something this module cannot read."""


class CheckerRun:
    """The one run of the checker in a test session: its messages per page, or why it failed."""

    def __init__(self):
        self.reports = None
        self.failure = None


@pytest.fixture(scope="session")
def _checker_run():
    return CheckerRun()


@pytest.fixture
def checked_pages(_checker_run, checker_command, tmp_path_factory, request, db):
    """``{page: [checker message, ...]}`` for every page: the first test to ask renders and checks
    them all, with its own database transaction and settings; the others read the result."""
    run = _checker_run
    if run.failure is not None:
        pytest.fail(f"rendering or checking the pages failed in an earlier test: {run.failure}")
    if run.reports is None:
        try:
            pages = {**_render_every_page(request), "known-invalid": KNOWN_INVALID}
            folder = tmp_path_factory.mktemp("reader-pages")
            files = {}
            for page, html in pages.items():
                files[page] = folder / f"{page}.html"
                files[page].write_bytes(html)
            run.reports = _run_checker(checker_command, files)
        except Exception as exc:
            run.failure = f"{type(exc).__name__}: {exc}"
            raise
    return run.reports


def _render_every_page(request):
    """``{"home-ar": b"<!DOCTYPE html>...", ...}``: each page's HTML as the reader receives it."""
    test_settings = request.getfixturevalue("settings")
    # Small pages of articles and comments, so that the lists have their page links.
    test_settings.ARTICLES_PER_PAGE = 2
    test_settings.COMMENTS_PER_PAGE = 1
    newsroom = Newsroom(
        request.getfixturevalue("make_article"),
        request.getfixturevalue("make_category"),
        request.getfixturevalue("editor_user"),
    )
    pages = {}
    for name, (status, get) in PAGES.items():
        for language in LANGUAGES:
            with translation.override(language):
                response = get(Client(REMOTE_ADDR=f"198.51.100.{len(pages) + 1}"), newsroom)
            page = f"{name}-{language}"
            assert response.status_code == status, f"{page}: {response.status_code}, expected {status}"
            assert response["Content-Type"].startswith("text/html"), page
            pages[page] = response.content
    return pages


def _run_checker(command, files):
    """``{page: [message, ...]}`` for ``files`` (``{page: path}``), from one run of the checker."""
    finished = subprocess.run(
        [*command, "--format", "json", "--errors-only", *map(str, files.values())],
        capture_output=True,
        timeout=600,
        check=False,
    )
    # The checker prints its report on standard error and exits 1 when it found errors.
    try:
        report = json.loads(finished.stderr)
    except ValueError:
        said = finished.stderr.decode(errors="replace")[-2000:]
        raise CheckerError(f"the checker failed (exit {finished.returncode}): {said}") from None
    by_name = {path.name: page for page, path in files.items()}
    found = {page: [] for page in files}
    for message in report["messages"]:
        page = by_name.get(message.get("url", "").rpartition("/")[2])
        if page is None:
            raise CheckerError(f"the checker reported on no page of ours: {message}")
        found[page].append(message)
    return found


def _described(messages):
    return "\n".join(
        f"line {message.get('lastLine', '?')}: {message['message']}\n    {message.get('extract', '')!r}"
        for message in messages
    )


@pytest.mark.parametrize("page", CHECKED)
def test_reader_page_is_valid_html(checked_pages, page):
    errors = checked_pages[page]
    assert not errors, f"{page}: {len(errors)} HTML error(s)\n{_described(errors)}"


def test_the_checker_reports_the_errors_of_a_known_invalid_page(checked_pages):
    errors = checked_pages["known-invalid"]
    assert [(error["lastLine"], error["message"]) for error in errors] == [(3, "Duplicate ID “twice”.")]
