"""Live coverage («تغطية مباشرة»): entries posted, corrected and deleted from the admin with their
history, shown newest first, the page's updates after a stamp, cached and cooled per article."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from articles.models import LiveEntry
from kawalis.readercache.testing import tag_versions


@pytest.fixture
def coverage(make_article):
    return make_article(title_ar="الانتخابات مباشرة", coverage_start=timezone.now() - timedelta(hours=1))


def post(article, text, **fields):
    return LiveEntry.objects.create(article=article, text=text, **fields)


def get(url, client=None, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = (client or Client()).get(url, **headers)
    return response, len(captured)


def updates_url(article, since=None):
    return f"/live/{article.pk}/" + (f"?since={since}" if since is not None else "")


# --- the model's rules ------------------------------------------------------------------------


def test_an_article_is_live_between_its_coverage_start_and_end(make_article):
    now = timezone.now()
    assert not make_article().is_live
    assert make_article(coverage_start=now - timedelta(minutes=5)).is_live
    assert not make_article(coverage_start=now + timedelta(minutes=5)).is_live
    ended = make_article(coverage_start=now - timedelta(hours=2), coverage_end=now - timedelta(hours=1))
    assert ended.has_live_coverage and not ended.is_live


def test_coverage_cannot_end_before_it_starts_or_without_a_start(make_article):
    now = timezone.now()
    with pytest.raises(ValidationError):
        make_article(coverage_start=now, coverage_end=now - timedelta(minutes=1)).clean()
    with pytest.raises(ValidationError):
        make_article(coverage_end=now).clean()


def test_each_change_of_an_entry_gives_the_article_its_next_stamp(coverage):
    first = post(coverage, "<p>أول</p>")
    second = post(coverage, "<p>ثان</p>")
    first.text = "<p>أول مصحح</p>"
    first.save()
    second.mark_deleted()
    coverage.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stamp, second.stamp, coverage.live_stamp) == (3, 4, 4)
    assert list(LiveEntry.objects.shown()) == [first]


def test_entry_text_is_sanitised_on_save(coverage):
    entry = post(coverage, '<p onclick="x()">نص<script>alert(1)</script></p>')
    assert "script" not in entry.text and "onclick" not in entry.text and "نص" in entry.text


# --- readers' page ----------------------------------------------------------------------------


def test_the_page_shows_entries_newest_first_key_points_on_top_with_anchors(coverage):
    now = timezone.now()
    post(coverage, "<p>الخبر الأقدم</p>", posted_at=now - timedelta(minutes=10))
    key = post(coverage, "<p>نقطة أساسية</p>", is_key_point=True, posted_at=now - timedelta(minutes=5))
    post(coverage, "<p>الخبر الأحدث</p>", posted_at=now)
    html = Client().get(coverage.get_absolute_url()).content.decode()
    assert "تغطية مباشرة" in html and "أهم النقاط" in html
    assert html.index("الخبر الأحدث") < html.index("الخبر الأقدم")
    key_points = html[html.index("live-key-points-list") :]
    assert key_points.index(f'href="#live-{key.pk}"') < key_points.index("الخبر الأحدث")
    assert f'id="live-{key.pk}"' in html
    assert 'src="/static/js/live.js"' in html


def test_an_ended_coverage_says_so_and_loads_no_script(make_article):
    now = timezone.now()
    ended = make_article(coverage_start=now - timedelta(hours=2), coverage_end=now - timedelta(minutes=1))
    post(ended, "<p>آخر خبر</p>")
    html = Client().get(ended.get_absolute_url()).content.decode()
    assert "انتهت التغطية المباشرة" in html and "آخر خبر" in html
    assert "js/live.js" not in html


def test_a_deleted_entry_leaves_the_page(coverage):
    entry = post(coverage, "<p>خبر خاطئ</p>")
    assert "خبر خاطئ" in Client().get(coverage.get_absolute_url()).content.decode()
    entry.mark_deleted()
    assert "خبر خاطئ" not in Client().get(coverage.get_absolute_url()).content.decode()


def test_the_french_page_dates_entries_in_french(coverage):
    coverage.title_fr = "Élections en direct"
    coverage.save()
    post(coverage, "<p>texte</p>", posted_at=timezone.now().replace(month=12, day=3))
    html = Client().get(f"/fr{coverage.get_absolute_url()}").content.decode()
    assert "Couverture en direct" in html and "décembre" in html


# --- updates after a stamp -------------------------------------------------------------------


def test_updates_since_a_stamp_hold_only_what_changed_after_it(coverage):
    old = post(coverage, "<p>قديم</p>")
    new = post(coverage, "<p>جديد</p>")
    response, _queries = get(updates_url(coverage, old.stamp))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-stamp="{new.stamp}"' in html and "جديد" in html and "قديم" not in html
    assert response["X-Robots-Tag"] == "noindex"


def test_a_deletion_comes_as_a_tombstone_and_a_correction_as_the_new_text(coverage):
    wrong = post(coverage, "<p>خطأ</p>")
    fixed = post(coverage, "<p>قبل</p>")
    stamp = fixed.stamp
    wrong.mark_deleted()
    fixed.text = "<p>بعد التصحيح</p>"
    fixed.save()
    html = Client().get(updates_url(coverage, stamp)).content.decode()
    assert f'<li id="live-{wrong.pk}" data-deleted></li>' in html
    assert "بعد التصحيح" in html and "خطأ" not in html


def test_updates_without_a_stamp_hold_every_entry(coverage):
    post(coverage, "<p>واحد</p>")
    post(coverage, "<p>اثنان</p>")
    html = Client().get(updates_url(coverage)).content.decode()
    assert "واحد" in html and "اثنان" in html


@pytest.mark.parametrize("since", ["abc", "-1", "0", "01", "1.5", "9999999"])
def test_a_since_that_is_no_stamp_is_refused_400_with_the_sites_page(coverage, since):
    response = Client().get(updates_url(coverage, since))
    assert response.status_code == 400
    assert "<html" in response.content.decode()


def test_no_updates_for_an_article_without_coverage_or_unpublished(make_article):
    assert Client().get(updates_url(make_article())).status_code == 404
    draft = make_article(status="draft", coverage_start=timezone.now())
    assert Client().get(updates_url(draft)).status_code == 404


def test_updates_are_cached_for_everyone_and_cooled_by_an_entry(coverage):
    first = post(coverage, "<p>أول</p>")
    url = updates_url(coverage, first.stamp)
    get(url)
    response, queries = get(url)
    assert queries == 0 and "أول" not in response.content.decode()
    post(coverage, "<p>عاجل جديد</p>")
    response, queries = get(url)
    assert queries > 0 and "عاجل جديد" in response.content.decode()


def test_an_entry_cools_its_article_only(coverage, make_article):
    other = make_article(title_ar="مقال آخر")
    pages = ["/", coverage.get_absolute_url(), other.get_absolute_url(), updates_url(coverage)]
    for url in pages:
        get(url)
    assert [get(url)[1] for url in pages] == [0, 0, 0, 0]
    before = tag_versions(f"article:{coverage.pk}", f"article:{other.pk}", "articles")
    post(coverage, "<p>خبر جديد</p>")
    assert tag_versions(f"article:{coverage.pk}", f"article:{other.pk}", "articles") == before
    cooled = [url for url in pages if get(url)[1] > 0]
    assert cooled == [coverage.get_absolute_url(), updates_url(coverage)]


def test_polls_are_not_counted_as_article_views(coverage):
    from django.test import RequestFactory
    from django.urls import resolve

    from articles.popularity import viewed_article_pk

    request = RequestFactory().get(updates_url(coverage, 1))
    request.resolver_match = resolve(request.path_info)
    assert viewed_article_pk(request) is None


# --- structured data --------------------------------------------------------------------------


def structured_data(html):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_json_ld_is_a_live_blog_posting_with_its_latest_entries(coverage):
    coverage.coverage_end = timezone.now() + timedelta(hours=3)
    coverage.save()
    for n in range(25):
        post(coverage, f"<p>تحديث {n}</p>", posted_at=timezone.now() - timedelta(minutes=60 - n))
    data = structured_data(Client().get(coverage.get_absolute_url()).content.decode())
    assert data["@type"] == "LiveBlogPosting"
    assert data["coverageStartTime"] == coverage.coverage_start.isoformat()
    assert data["coverageEndTime"] == coverage.coverage_end.isoformat()
    updates = data["liveBlogUpdate"]
    assert len(updates) == 20 and updates[0]["articleBody"] == "تحديث 24"
    assert updates[0]["url"].endswith(f"#live-{LiveEntry.objects.first().pk}")


def test_an_ordinary_article_stays_a_news_article(make_article):
    data = structured_data(Client().get(make_article().get_absolute_url()).content.decode())
    assert data["@type"] == "NewsArticle" and "liveBlogUpdate" not in data


# --- the admin ---------------------------------------------------------------------------------


@pytest.fixture
def editor_client(editor_user):
    client = Client()
    client.force_login(editor_user)
    return client


def test_an_editor_posts_an_entry_from_the_minimal_form(editor_client, editor_user, coverage):
    form = editor_client.get(f"/admin/articles/liveentry/add/?article={coverage.pk}")
    assert form.status_code == 200
    assert f'<option value="{coverage.pk}" selected>' in form.content.decode()
    response = editor_client.post(
        "/admin/articles/liveentry/add/",
        {
            "article": coverage.pk,
            "text_ar": "<p>النتائج الأولى</p>",
            "is_key_point": "on",
            "posted_at_0": timezone.localtime().strftime("%Y-%m-%d"),
            "posted_at_1": timezone.localtime().strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = LiveEntry.objects.get()
    assert entry.is_key_point and entry.posted_by == editor_user
    assert "النتائج الأولى" in Client().get(coverage.get_absolute_url()).content.decode()


def test_a_correction_and_a_deletion_keep_the_history(editor_client, editor_user, coverage):
    entry = post(coverage, "<p>النص الأول</p>")
    local = timezone.localtime(entry.posted_at)
    response = editor_client.post(
        f"/admin/articles/liveentry/{entry.pk}/change/",
        {
            "article": coverage.pk,
            "text_ar": "<p>النص المصحح</p>",
            "posted_at_0": local.strftime("%Y-%m-%d"),
            "posted_at_1": local.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302
    response = editor_client.post(f"/admin/articles/liveentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.is_deleted and entry.text == "<p>النص المصحح</p>"
    versions = list(Version.objects.get_for_object(entry).select_related("revision__user"))
    assert len(versions) == 2
    assert {version.revision.user for version in versions} == {editor_user}
    assert [version.field_dict["text_ar"] for version in versions][-1] == "<p>النص المصحح</p>"
    history = editor_client.get(f"/admin/articles/liveentry/{entry.pk}/history/")
    assert history.status_code == 200


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/admin/articles/liveentry/add/"),
        ("post", "/admin/articles/liveentry/add/"),
        ("post", "/admin/articles/liveentry/{pk}/change/"),
        ("post", "/admin/articles/liveentry/{pk}/delete/"),
    ],
)
def test_staff_without_the_permission_get_403(coverage, method, url):
    entry = post(coverage, "<p>نص</p>")
    user = User.objects.create_user("intern", password="x", is_staff=True)
    client = Client()
    client.force_login(user)
    response = getattr(client, method)(url.format(pk=entry.pk), {"article": coverage.pk, "text_ar": "x"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.text == "<p>نص</p>" and not entry.is_deleted
    assert LiveEntry.objects.count() == 1


def test_the_editor_group_may_post_correct_and_delete_entries(editor_user):
    assert all(
        editor_user.has_perm(f"articles.{action}_liveentry") for action in ("add", "change", "delete", "view")
    )
