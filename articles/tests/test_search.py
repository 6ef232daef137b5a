"""Search: Arabic typed the way readers type it, in the reader's language, and odd queries."""

import pytest
from django.db import connection

from articles.arabic import normalise
from articles.models import Article
from articles.search import MAX_QUERY_LENGTH, query_terms

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search and its GIN index exist on PostgreSQL only"
)


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("الأَمْنُ", "الامن"),  # tashkeel
        ("الوطنـــي", "الوطني"),  # tatweel
        ("أإآا", "اااا"),  # alef and hamza forms
        ("مدرسة", "مدرسه"),  # ta marbuta
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("٢٠٢٤", "2024"),  # Arabic-Indic digits
        ("Élection, PRÉSIDENTIELLE!", "election presidentielle"),
        ("<script>alert(1)</script>", "script alert 1 script"),
    ],
)
def test_normalise_folds_the_spellings_readers_mix(typed, folded):
    assert normalise(typed) == folded


def test_query_terms_drop_the_arabic_article_and_single_letters():
    assert query_terms("الأمن و الوطني") == ["امن", "وطني"]
    assert query_terms("?!... ،؛") == []


@pytest.fixture
def security_article(make_article):
    return make_article(
        title_ar="المديرية العامة للأمن الوطني تشارك في مؤتمر الأنتربول",
        lead_ar="مشاركة مغربية في اجتماع بغلاسكو",
        body_ar="<p>ترأس المدير العامّ وفداً رفيعَ المستوى إلى المؤتمر الدوليّ للشرطة الجنائية.</p>",
        title_fr="La DGSN au congrès d'Interpol",
        body_fr="<p>Une délégation marocaine à Glasgow.</p>",
    )


@pytest.fixture
def other_article(make_article):
    return make_article(title_ar="افتتاح مدرسة جديدة في مراكش", body_ar="<p>تلاميذ وأساتذة.</p>")


@pytest.mark.parametrize(
    "query",
    [
        "الأمن",  # as written
        "الامن",  # without hamza
        "أمن",  # without the article
        "الأَمْنُ",  # with tashkeel
        "الأمـــن",  # with tatweel
        "الانتربول",  # hamza dropped inside a word
        "الدولي",  # the body carries a shadda the reader did not type
        "رفيع المستوى",  # two words, from the body
        "المستوي",  # ى typed as ي
        "مغربيه",  # ة typed as ه
        "امن وطني",
    ],
)
def test_arabic_query_finds_the_article_however_it_is_typed(client, security_article, other_article, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    found = list(response.context["page"].object_list)
    assert found == [security_article]


def test_every_term_must_match(security_article, other_article):
    assert list(Article.objects.published().search(query_terms("الأمن مراكش"), "ar")) == []


def test_a_term_matches_the_start_of_a_word_not_its_middle(security_article):
    assert list(Article.objects.published().search(query_terms("وطني"), "ar")) == [security_article]
    assert list(Article.objects.published().search(query_terms("طني"), "ar")) == []


def test_search_is_in_the_readers_language(client, security_article, other_article):
    french = client.get("/fr/search/", {"q": "delegation"})
    assert list(french.context["page"].object_list) == [security_article]
    # An article without a French translation is not in French results.
    assert client.get("/fr/search/", {"q": "مدرسة"}).context["page"] is None or not list(
        client.get("/fr/search/", {"q": "مدرسة"}).context["page"].object_list
    )
    # Arabic results do not look in the French text.
    assert not list(client.get("/search/", {"q": "Glasgow"}).context["page"].object_list)


def test_drafts_and_scheduled_articles_are_not_found(client, make_article):
    import datetime

    from django.utils import timezone

    make_article(title_ar="خبر سري", status=Article.Status.DRAFT)
    make_article(title_ar="خبر سري مبرمج", published_at=timezone.now() + datetime.timedelta(hours=1))
    response = client.get("/search/", {"q": "سري"})
    assert list(response.context["page"].object_list) == []
    assert "لا يوجد مقال يطابق" in response.content.decode()


def test_an_edited_article_is_found_by_its_new_words(security_article):
    security_article.title_ar = "عنوان جديد تماما"
    security_article.save()
    assert list(Article.objects.published().search(query_terms("تماما"), "ar")) == [security_article]


def test_results_are_paginated_and_keep_the_query(client, make_article, settings):
    settings.ARTICLES_PER_PAGE = 2
    for n in range(5):
        make_article(title_ar=f"مباراة الوداد رقم {n}")
    first = client.get("/search/", {"q": "الوداد"})
    assert first.context["page"].paginator.count == 5
    assert "q=%D8%A7%D9%84%D9%88%D8%AF%D8%A7%D8%AF&amp;page=2" in first.content.decode()
    last = client.get("/search/", {"q": "الوداد", "page": "abc"})
    assert last.status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "اكتب كلمة أو أكثر"),
        ("   ", "اكتب كلمة أو أكثر"),
        ("?!.،؛ --", "لا شيء يمكن البحث عنه"),
        ("و", "لا شيء يمكن البحث عنه"),
        ("x" * 5000, f"بحثك طويل جدا: يجب ألا يتجاوز عدد الحروف {MAX_QUERY_LENGTH}."),
        ("الأمن\x00", 'class="form-errors"'),
        ("' OR 1=1; DROP TABLE articles_article; --", "لا يوجد مقال يطابق"),
        ("%_%\\", "لا شيء يمكن البحث عنه"),
    ],
    ids=["empty", "spaces", "punctuation", "one-letter", "5000-characters", "nul-byte", "sql", "wildcards"],
)
def test_odd_queries_get_a_clear_page(client, security_article, query, message):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Article.objects.filter(pk=security_article.pk).exists()


def test_a_query_without_q_is_a_search_page(client, db):
    response = client.get("/search/?page=abc")
    assert response.status_code == 200
    assert response.context["page"] is None


def test_header_has_a_labelled_search_box(client, db):
    html = client.get("/").content.decode()
    assert '<form class="site-search" role="search" method="get" action="/search/">' in html
    assert '<label for="site-search-q">' in html
    assert 'id="site-search-q" type="search" name="q"' in html


def test_search_page_box_is_one_search_input_with_the_length_limit(client, db):
    html = client.get("/search/", {"q": "مقال"}).content.decode()
    assert '<input type="search" name="q" value="مقال" maxlength="200" id="id_q">' in html


@needs_postgresql
def test_postgresql_search_uses_the_gin_index(security_article):
    from django.db.models import Q

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        queryset = Article.objects.search(query_terms("الأمن"), "ar").filter(~Q(pk=0))
        plan = queryset.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "article_search_ar_gin" in plan


@needs_postgresql
def test_postgresql_ranks_the_better_match_first(make_article):
    once = make_article(title_ar="اجتماع حكومي", body_ar="<p>ذكر البرلمان مرة</p>")
    often = make_article(title_ar="البرلمان يصوت", body_ar="<p>البرلمان البرلمان والبرلمان</p>")
    assert list(Article.objects.published().search(query_terms("برلمان"), "ar")) == [often, once]
