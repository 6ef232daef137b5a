"""What bounds a search: which matches are ranked, what the page says past them, how deep it
pages, how often one network may search, and how long an answer is kept."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import search
from articles.models import Article
from articles.search import MAX_PAGES, query_terms


def newest_matches(word, limit):
    """The ``limit`` newest published articles holding ``word``, found the slow, obvious way."""
    published = Article.objects.published().order_by("-published_at", "-id")
    return [article.pk for article in published if word in article.title_ar][:limit]


@pytest.mark.parametrize("every", [1, 2, 3, 7], ids=["in-every-article", "one-in-2", "one-in-3", "one-in-7"])
def test_the_ranked_candidates_are_the_newest_matches_however_common_the_word(
    make_article, monkeypatch, every
):
    monkeypatch.setattr(search, "MAX_RANKED", 4)
    for n in range(40):
        make_article(title_ar=f"جلسة البرلمان {n}" if n % every == 0 else f"خبر محلي {n}")

    found = search.find(Article.objects.published(), "ar", query_terms("البرلمان"))

    assert sorted(found.ids) == sorted(newest_matches("البرلمان", 4))
    matches = -(-40 // every)
    assert matches > 4 and not found.exact and found.count > 4


def test_a_rare_word_is_found_with_its_exact_count(make_article, monkeypatch):
    monkeypatch.setattr(search, "MAX_RANKED", 4)
    for n in range(30):
        make_article(title_ar=f"خبر محلي {n}")
    rare = make_article(title_ar="زلزال الحوز", published_at=timezone.now() - timezone.timedelta(days=1))

    found = search.find(Article.objects.published(), "ar", query_terms("زلزال"))

    assert found == search.Found([rare.pk], 1, True)


def test_equal_matches_come_newest_first(make_article):
    made = [make_article(title_ar=f"جلسة البرلمان {n}") for n in range(5)]  # made first: newest

    assert search.find(Article.objects.published(), "ar", query_terms("جلسة")).ids == [a.pk for a in made]


def result_heading(response):
    html = response.content.decode()
    return re.search(r'<section class="search-results"[^>]*>\s*<h2>(.*?)</h2>', html).group(1)


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("ar", "نحو 14 نتيجة للبحث عن «Wydad»"),
        ("fr", "Environ 14 résultats pour « Wydad »"),
        ("en", "About 14 results for “Wydad”"),
    ],
)
def test_past_the_ranked_matches_the_page_says_about_how_many(
    client, make_article, monkeypatch, language, heading
):
    monkeypatch.setattr(search, "MAX_RANKED", 3)
    monkeypatch.setattr(search, "_planned_rows", lambda queryset: 14)  # what the planner would guess
    for n in range(14):
        make_article(**{"title_ar": f"مباراة الوداد {n} Wydad", f"title_{language}": f"Wydad {n}"})

    response = client.get("/search/" if language == "ar" else f"/{language}/search/", {"q": "Wydad"})

    assert result_heading(response) == heading
    assert response.context["found"].exact is False
    assert len(response.context["page"].object_list) == 3


def test_the_count_past_the_ranked_matches_is_rounded_to_two_figures():
    from articles.views import _said_count

    assert _said_count(search.Found([], 12_345, False)) == 12_000
    assert _said_count(search.Found([], 987, False)) == 990
    assert _said_count(search.Found([], 12_345, True)) == 12_345


def test_a_page_past_the_deepest_is_refused_with_what_to_do(client, make_article):
    make_article(title_ar="جلسة البرلمان")

    response = client.get("/search/", {"q": "البرلمان", "page": MAX_PAGES + 1})

    assert response.status_code == 400
    assert f"لا يعرض البحث إلا أول {MAX_PAGES} صفحة من النتائج" in response.content.decode()
    assert client.get("/search/", {"q": "البرلمان", "page": MAX_PAGES}).status_code == 404  # past the end


def test_one_network_past_its_allowance_of_searches_is_asked_to_wait(client, make_article, settings):
    settings.SEARCHES_PER_NETWORK = 2
    make_article(title_ar="جلسة البرلمان")
    neighbour = {"REMOTE_ADDR": "127.0.0.9"}  # same /24

    answers = [client.get("/search/", {"q": "البرلمان"}).status_code for _ in range(2)]
    refused = client.get("/search/", {"q": "جلسة"}, **neighbour)

    assert answers == [200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "انتظر دقيقة ثم أعد البحث" in refused.content.decode()
    assert client.get("/search/", {"q": "جلسة"}, REMOTE_ADDR="10.1.2.3").status_code == 200  # another network


def test_a_search_answer_is_kept_until_an_article_changes(client, make_article):
    article = make_article(title_ar="جلسة البرلمان")
    client.get("/search/", {"q": "البرلمان"})

    with CaptureQueriesContext(connection) as again:
        second = client.get("/search/", {"q": "  البرلمان "})  # the same terms
    article.title_ar = "جلسة مجلس المستشارين"
    article.save()
    after_edit = client.get("/search/", {"q": "البرلمان"})

    assert second.context["page"].object_list == [article]
    searched = [
        query for query in again.captured_queries if search.FTS_TABLE in query["sql"] or "@@" in query["sql"]
    ]
    assert searched == []
    assert after_edit.context["page"] is not None and after_edit.context["page"].object_list == []


def test_the_order_is_the_same_after_the_index_is_rebuilt_whichever_step_found_the_matches(
    make_article, monkeypatch
):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setattr(search, "MAX_RANKED", 4)
    for n in range(30):
        body = "<p>البرلمان يناقش الميزانية</p>" if n % 3 == 0 else "<p>خبر محلي</p>"
        make_article(title_ar=f"جلسة {n}" if n % 2 else f"جلسة البرلمان {n}", body_ar=body)
    queries = ["جلسة", "البرلمان", "الميزانية", "جلسة 17"]
    published = Article.objects.published()
    before = {query: search.find(published, "ar", query_terms(query)).ids for query in queries}

    call_command("rebuild_search_index", stdout=StringIO())

    assert {query: search.find(published, "ar", query_terms(query)).ids for query in queries} == before
    assert all(before.values())


@pytest.mark.parametrize(("language", "shown"), [("ar", "12٬000"), ("fr", "12\xa0000"), ("en", "12,000")])
def test_an_estimated_count_is_written_with_its_thousands_apart(language, shown):
    from django.utils import translation

    from articles.views import _grouped, _said_count

    with translation.override(language):
        assert _grouped(_said_count(search.Found([], 12_345, False))) == shown
