"""Breaking news ("عاجل"): the strip on every reader page, its expiry, and the editors' form."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.breaking import current_breaking_news, seconds_until_next_change
from articles.models import BreakingNews

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.timezone.utc)


def strip_of(response):
    """The breaking-news section of a page, or "" when the page has none."""
    html = response.content.decode()
    start = html.find('<section class="breaking-news"')
    if start == -1:
        return ""
    return html[start : html.index("</section>", start)]


def make_line(**fields):
    now = timezone.now()
    fields.setdefault("text_ar", "زلزال بقوة 5 درجات يضرب إقليم الحوز")
    fields.setdefault("starts_at", now - datetime.timedelta(minutes=1))
    fields.setdefault("expires_at", now + datetime.timedelta(hours=1))
    return BreakingNews.objects.create(**fields)


def test_active_line_shows_on_every_reader_page(client, make_article):
    article = make_article()
    make_line(link=article.get_absolute_url())

    for url in ["/", article.category.get_absolute_url(), article.get_absolute_url()]:
        strip = strip_of(client.get(url))
        assert "عاجل" in strip
        assert "زلزال بقوة 5 درجات يضرب إقليم الحوز" in strip
        assert f'href="{article.get_absolute_url()}"' in strip


def test_no_strip_without_breaking_news(client, make_article):
    make_article()
    assert strip_of(client.get("/")) == ""


def test_line_is_shown_in_the_readers_language_with_arabic_fallback(client, make_article):
    make_line(text_ar="عاجل بالعربية", text_fr="Urgent en français")
    make_line(text_ar="خبر بلا ترجمة")

    french = strip_of(client.get("/fr/"))
    english = strip_of(client.get("/en/"))

    assert "Urgent en français" in french
    assert "عاجل بالعربية" not in french
    assert "Dernière minute" in french  # the label, translated
    # Untranslated lines show the Arabic original, marked as such for screen readers.
    assert 'lang="ar" dir="rtl">خبر بلا ترجمة' in french
    assert 'lang="ar" dir="rtl">عاجل بالعربية' in english


def test_line_tied_to_an_article_shows_its_title_and_links_to_it(client, make_article):
    article = make_article(title_ar="الحكومة تعلن خطة جديدة", title_fr="Le gouvernement annonce un plan")
    make_line(article=article, text_ar="")

    assert "الحكومة تعلن خطة جديدة" in strip_of(client.get("/"))
    french = strip_of(client.get("/fr/"))
    assert "Le gouvernement annonce un plan" in french
    assert f'href="/fr/article/{article.pk}/' in french


@pytest.fixture
def clock_controls_cache_expiry(settings):
    """Whole cached pages expire by the cache's clock. Local memory follows the frozen clock;
    Redis keeps its own, so there the test looks at uncached pages (the strip's own cache
    checks its expiry time itself, on any backend). The embedded default's file follows it too."""
    if "redis" in settings.CACHES["default"]["BACKEND"]:
        settings.READER_CACHE_SECONDS = 0


def test_line_disappears_by_itself_at_expiry(client, make_article, clock_controls_cache_expiry):
    make_article()
    with time_machine.travel(NOON, tick=False) as clock:
        make_line(
            starts_at=NOON - datetime.timedelta(minutes=5), expires_at=NOON + datetime.timedelta(minutes=30)
        )
        assert strip_of(client.get("/")) != ""  # shown, and now cached

        clock.move_to(NOON + datetime.timedelta(minutes=29, seconds=59))
        assert strip_of(client.get("/")) != ""

        clock.move_to(NOON + datetime.timedelta(minutes=30))
        assert strip_of(client.get("/")) == ""


def test_line_scheduled_for_later_appears_by_itself(client, make_article, clock_controls_cache_expiry):
    make_article()
    with time_machine.travel(NOON, tick=False) as clock:
        make_line(
            starts_at=NOON + datetime.timedelta(minutes=10), expires_at=NOON + datetime.timedelta(hours=1)
        )
        assert strip_of(client.get("/")) == ""
        assert seconds_until_next_change() == 600

        clock.move_to(NOON + datetime.timedelta(minutes=10))
        assert strip_of(client.get("/")) != ""


def test_turning_a_line_on_and_off_shows_at_once_on_cached_pages(client, make_article):
    make_article()
    assert strip_of(client.get("/")) == ""  # the empty strip is now cached

    line = make_line()
    assert strip_of(client.get("/")) != ""

    line.delete()
    assert strip_of(client.get("/")) == ""


def test_strip_costs_one_query_then_none_while_cached(make_article):
    make_line()
    with CaptureQueriesContext(connection) as first:
        lines = current_breaking_news("ar")
    with CaptureQueriesContext(connection) as second:
        again = current_breaking_news("ar")

    assert len(first.captured_queries) == 1
    assert len(second.captured_queries) == 0
    assert lines == again and len(lines) == 1


def test_line_of_an_unpublished_article_is_not_shown(client, make_article):
    article = make_article()
    make_line(article=article, text_ar="")
    article.status = article.Status.DRAFT
    article.save()

    assert strip_of(client.get("/")) == ""


# --- The editors' form ----------------------------------------------------------------------


def admin_form(**values):
    """POST data for the breaking-news admin form, times in the site's time zone."""
    starts = timezone.localtime(values.pop("starts_at", timezone.now() - datetime.timedelta(minutes=1)))
    expires = timezone.localtime(values.pop("expires_at", timezone.now() + datetime.timedelta(hours=1)))
    data = {
        "text_ar": "",
        "text_fr": "",
        "text_en": "",
        "article": "",
        "link": "",
        "starts_at_0": starts.strftime("%Y-%m-%d"),
        "starts_at_1": starts.strftime("%H:%M:%S"),
        "expires_at_0": expires.strftime("%Y-%m-%d"),
        "expires_at_1": expires.strftime("%H:%M:%S"),
    }
    data.update(values)
    return data


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


def test_editor_adds_a_breaking_line_in_the_admin(editor_client, editor_user, client):
    response = editor_client.post(
        "/admin/articles/breakingnews/add/",
        admin_form(text_ar="عاجل: انقطاع الكهرباء", text_fr="Urgent : panne", link="/category/national/"),
    )

    assert response.status_code == 302
    line = BreakingNews.objects.get()
    assert (line.text_ar, line.text_fr, line.created_by) == (
        "عاجل: انقطاع الكهرباء",
        "Urgent : panne",
        editor_user,
    )
    client.logout()
    assert "عاجل: انقطاع الكهرباء" in strip_of(client.get("/"))


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"text_ar": "خبر"}, "expires_at", "This time has already passed"),
        ({"text_ar": "   "}, "text_ar", "Write the line in Arabic"),
        (
            {"text_ar": "خبر", "link": "https://example.org/news"},
            "link",
            "Links to other sites are not allowed",
        ),
        ({"text_ar": "خبر", "link": "//example.org/news"}, "link", "Links to other sites are not allowed"),
        ({"text_ar": "خبر", "link": "javascript:alert(1)"}, "link", "Use an address that starts with"),
        ({"text_ar": "خبر", "link": "article/12/"}, "link", "Start the address with"),
    ],
    ids=[
        "expiry-in-the-past",
        "empty-line",
        "external-link",
        "scheme-relative-link",
        "javascript",
        "relative",
    ],
)
def test_bad_breaking_news_is_refused_with_a_clear_error(editor_client, values, field, message):
    if field == "expires_at":
        values = {
            **values,
            "starts_at": timezone.now() - datetime.timedelta(hours=1),
            "expires_at": timezone.now() - datetime.timedelta(minutes=5),
        }

    # The English admin, so the message is compared with its msgid.
    response = editor_client.post("/en/admin/articles/breakingnews/add/", admin_form(**values))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert BreakingNews.objects.count() == 0


@pytest.mark.parametrize(
    "link",
    [
        "///evil.example/",
        "////evil.example/news",
        "/\\evil.example/",
        "https:evil.example",
        "http://evil.example",
    ],
)
def test_links_a_browser_reads_as_another_host_are_refused(link):
    # Each is a path (or has no host) to urllib; every browser goes to evil.example.
    from django.core.exceptions import ValidationError

    from articles.breaking import check_breaking_link, is_external

    with pytest.raises(ValidationError):
        check_breaking_link(link)
    assert is_external(link)


@pytest.mark.parametrize(
    "link", ["/article/12/", "/fr/", "http://127.0.0.1:8000/article/12/", "/search/?q=a//b"]
)
def test_links_to_this_site_are_accepted(link):
    from articles.breaking import check_breaking_link, is_external

    check_breaking_link(link)

    assert not is_external(link)


def test_errors_are_translated_for_the_editor(editor_client):
    response = editor_client.post(
        "/admin/articles/breakingnews/add/",
        admin_form(text_ar="خبر", link="https://example.org/news"),
    )

    assert "غير مسموح" in response.content.decode()
    assert BreakingNews.objects.count() == 0


def test_external_links_are_allowed_when_the_site_allows_them(editor_client, settings):
    settings.BREAKING_ALLOW_EXTERNAL_LINKS = True

    response = editor_client.post(
        "/admin/articles/breakingnews/add/", admin_form(text_ar="خبر", link="https://example.org/news")
    )

    assert response.status_code == 302
    assert BreakingNews.objects.get().link == "https://example.org/news"


def test_link_to_this_site_by_full_address_is_accepted(editor_client, settings):
    settings.SITE_URL = "https://kawalis.example"

    response = editor_client.post(
        "/admin/articles/breakingnews/add/",
        admin_form(text_ar="خبر", link="https://kawalis.example/article/1/"),
    )

    assert response.status_code == 302


def test_end_now_action_takes_the_line_off_every_page(editor_client, client, make_article):
    make_article()
    line = make_line()
    assert strip_of(client.get("/")) != ""

    editor_client.post(
        "/admin/articles/breakingnews/", {"action": "end_now", "_selected_action": [line.pk]}, follow=True
    )

    editor_client.logout()
    assert strip_of(client.get("/")) == ""


def test_editor_marks_an_article_as_breaking_from_the_article_list(editor_client, client, make_article):
    article = make_article(title_ar="مقال عاجل")
    draft = make_article(status="draft")

    editor_client.post(
        "/admin/articles/article/",
        {"action": "mark_as_breaking_news", "_selected_action": [article.pk, draft.pk]},
        follow=True,
    )

    line = BreakingNews.objects.get()
    assert line.article == article
    assert line.expires_at - line.starts_at == datetime.timedelta(hours=1)
    editor_client.logout()
    assert "مقال عاجل" in strip_of(client.get("/"))


def test_strip_and_page_cache_expiry_share_one_query(client, make_article):
    article = make_article()
    make_line(link=article.get_absolute_url(), expires_at=timezone.now() + datetime.timedelta(minutes=10))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())

    assert "breaking-news" in strip_of(response)
    breaking_queries = [q["sql"] for q in queries.captured_queries if "articles_breakingnews" in q["sql"]]
    assert len(breaking_queries) == 1
