"""Search: Arabic typed the way readers type it, in the reader's language, and odd queries."""

import pytest
from django.db import connection

from articles import search
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
    ("query", "status", "message"),
    [
        ("", 200, "اكتب كلمة أو أكثر"),
        ("   ", 200, "اكتب كلمة أو أكثر"),
        ("?!.،؛ --", 200, "لا شيء يمكن البحث عنه"),
        ("و", 200, "لا شيء يمكن البحث عنه"),
        ("' OR 1=1; DROP TABLE articles_article; --", 200, "لا يوجد مقال يطابق"),
        ("%_%\\", 200, "لا شيء يمكن البحث عنه"),
        # Not queries a reader typed: refused, with the search page saying why.
        ("x" * 5000, 400, f"بحثك طويل جدا: يجب ألا يتجاوز عدد الحروف {MAX_QUERY_LENGTH}."),
        ("الأمن\x00", 400, 'class="form-errors"'),
    ],
    ids=["empty", "spaces", "punctuation", "one-letter", "sql", "wildcards", "5000-characters", "nul-byte"],
)
def test_odd_queries_get_a_clear_page(client, security_article, query, status, message):
    response = client.get("/search/", {"q": query})
    assert response.status_code == status
    assert message in response.content.decode()
    assert Article.objects.filter(pk=security_article.pk).exists()


def test_an_over_long_query_is_answered_400_with_the_site_page(client, db):
    response = client.get("/search/", {"q": "امن " * 60})

    assert response.status_code == 400
    html = response.content.decode()
    assert '<form class="search-form" role="search"' in html
    assert '<header class="site-header">' in html  # the site's own page, not a bare error
    assert f"{MAX_QUERY_LENGTH}" in html


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
        # As on a large table, where reading every row or walking another index costs more.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        found = search.matching(Article.objects.all(), "ar", query_terms("الأمن"))
        plan = found.filter(~Q(pk=0)).order_by().explain()
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    assert "article_search_vector_ar_gin" in plan


@needs_postgresql
def test_postgresql_ranks_the_better_match_first(make_article):
    once = make_article(title_ar="اجتماع حكومي", body_ar="<p>ذكر البرلمان مرة</p>")
    often = make_article(title_ar="البرلمان يصوت", body_ar="<p>البرلمان البرلمان والبرلمان</p>")
    assert list(Article.objects.published().search(query_terms("برلمان"), "ar")) == [often, once]


# --- the stored index: every word findable, the same on both databases -------------------------

STRUCTURED_BODY = (
    "<h2>Réunion du conseil</h2><p>Pour en savoir plus</p>"
    "<ul><li>Terrorisme</li><li>Cybercriminalité</li><li>Traite des êtres humains</li></ul>"
    "<blockquote><p>Citation du ministre</p></blockquote>"
    "<table><tr><th>Région</th><th>Sièges</th></tr><tr><td>Souss</td><td>Massa</td></tr></table>"
    "<ol><li>cybercrime</li><li>human trafficking</li></ol><div>premier</div><div>second</div>"
)
ARABIC_STRUCTURED_BODY = (
    "<h2>الاجتماع</h2><p>للمزيد من المعلومات</p><ul><li>الارهاب</li><li>الجريمة المنظمة</li>"
    "<li>الاتجار بالبشر</li></ul><blockquote>قال الوزير</blockquote>"
)


def words_of(html):
    from articles.sanitize import plain_text

    return plain_text(html).split()


def test_every_word_of_a_structured_french_body_is_found(make_article):
    article = make_article(title_ar="عنوان", title_fr="Le conseil", body_fr=STRUCTURED_BODY)

    for word in words_of(STRUCTURED_BODY):
        found = list(Article.objects.published().search(query_terms(word), "fr"))
        assert found == [article], word


def test_every_word_of_a_structured_arabic_body_is_found(make_article):
    article = make_article(title_ar="اجتماع امني", body_ar=ARABIC_STRUCTURED_BODY)

    for word in words_of(ARABIC_STRUCTURED_BODY):
        if query_terms(word):
            assert list(Article.objects.published().search(query_terms(word), "ar")) == [article], word


def test_blocks_stay_apart_when_the_body_is_saved(make_article):
    article = make_article(
        title_ar="عنوان", body_ar="<div>الارهاب</div><div>الجريمة</div><table><td>ا</td></table>"
    )

    assert "الارهاب الجريمه" in article.search_ar
    assert "الارهابالجريمه" not in article.search_ar


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("آثار", "اثار"),  # alef madda
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("مدرسة", "مدرسه"),  # ta marbuta
        ("الوطنـــية", "الوطنية"),  # tatweel
        ("الأَمْنُ", "الامن"),  # tashkeel
        ("إصلاح", "اصلاح"),  # hamza under alef
        ("عبد اللطيف", "عبداللطيف"),  # a name written apart, typed joined
        ("عبداللطيف", "عبد اللطيف"),  # and the other way round
    ],
)
def test_arabic_spellings_are_found_on_every_database(make_article, written, typed):
    article = make_article(title_ar=f"خبر عن {written} اليوم")

    assert list(Article.objects.published().search(query_terms(typed), "ar")) == [article]


@pytest.mark.parametrize(("written", "typed"), [("élections", "élection"), ("élection", "élections")])
def test_french_words_are_found_by_their_other_forms(make_article, written, typed):
    article = make_article(title_ar="انتخابات", title_fr=f"Les {written} communales")

    assert list(Article.objects.published().search(query_terms(typed), "fr")) == [article]


def test_a_title_match_ranks_above_a_body_match_on_postgresql_newest_first_elsewhere(make_article):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    in_title = make_article(title_ar="الزلزال يضرب الحوز", published_at=now - datetime.timedelta(days=2))
    in_body = make_article(
        title_ar="حصيلة جديدة", body_ar="<p>بعد الزلزال</p>", published_at=now - datetime.timedelta(days=1)
    )

    found = list(Article.objects.published().search(query_terms("الزلزال"), "ar"))

    assert found == ([in_title, in_body] if connection.vendor == "postgresql" else [in_body, in_title])


def test_only_the_newest_matches_are_ranked_and_the_count_is_estimated_past_them(make_article, monkeypatch):
    import datetime

    from django.utils import timezone

    from articles import search

    monkeypatch.setattr(search, "MAX_RANKED", 3)
    now = timezone.now()
    made = [
        make_article(title_ar=f"مباراة رقم {n}", published_at=now - datetime.timedelta(hours=n))
        for n in range(5)
    ]
    published = Article.objects.published()

    found = list(published.search(query_terms("مباراة"), "ar"))
    count, exact = search.estimated_count(published, "ar", query_terms("مباراة"))

    assert sorted(article.pk for article in found) == sorted(article.pk for article in made[:3])
    assert not exact and count >= 4
    make_article(title_ar="مباراة الوداد")
    assert search.estimated_count(published, "ar", query_terms("الوداد")) == (1, True)


def test_results_are_the_same_after_the_index_is_rebuilt(make_article):
    from io import StringIO

    from django.core.management import call_command

    for n in range(6):
        make_article(title_ar=f"مجلس النواب {n}", body_ar=f"<p>جلسة عامة رقم {n}</p>", title_fr=f"Séance {n}")
    queries = [("ar", "مجلس"), ("ar", "جلسة عامة"), ("fr", "seance"), ("ar", "نواب 3")]
    before = {
        query: list(Article.objects.published().search(query_terms(query[1]), query[0])) for query in queries
    }
    out = StringIO()

    call_command("rebuild_search_index", stdout=out)

    after = {
        query: list(Article.objects.published().search(query_terms(query[1]), query[0])) for query in queries
    }
    assert after == before
    assert all(before.values())
    assert "6 articles indexed" in out.getvalue()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the triggers are SQLite's full-text index")
def test_sqlite_index_triggers_are_restored_after_a_table_rebuild(make_article):
    from articles.search import FTS_TABLE, ensure_sqlite_index

    article = make_article(title_ar="خبر اول")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {FTS_TABLE}_update")
    article.title_ar = "عنوان مختلف"
    article.save()  # not seen by the index: its trigger is gone
    assert not Article.objects.search(query_terms("مختلف"), "ar").exists()

    ensure_sqlite_index(connection)

    assert list(Article.objects.search(query_terms("مختلف"), "ar")) == [article]
    article.title_ar = "عنوان ثالث"
    article.save()
    assert list(Article.objects.search(query_terms("ثالث"), "ar")) == [article]
