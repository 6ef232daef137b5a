"""The search results page: how many articles were found, and the words found marked in them."""

import re

import pytest

from articles.search import highlight, query_terms, snippet


def result_heading(response):
    return re.search(
        r'<section class="search-results"[^>]*>\s*<h2>(.*?)</h2>', response.content.decode()
    ).group(1)


@pytest.mark.parametrize(
    ("found", "heading"),
    [
        (1, "نتيجة واحدة للبحث عن «الوداد»"),
        (2, "نتيجتان للبحث عن «الوداد»"),
        (3, "3 نتائج للبحث عن «الوداد»"),
        (10, "10 نتائج للبحث عن «الوداد»"),
        (11, "11 نتيجة للبحث عن «الوداد»"),
    ],
)
def test_arabic_results_say_how_many_in_the_right_plural_form(client, make_article, settings, found, heading):
    settings.ARTICLES_PER_PAGE = 2  # the count is of every result, not of the page
    for n in range(found):
        make_article(title_ar=f"مباراة الوداد رقم {n}")
    make_article(title_ar="خبر آخر")

    response = client.get("/search/", {"q": "الوداد"})

    assert result_heading(response) == heading


@pytest.mark.parametrize(
    ("language", "found", "heading"),
    [
        ("fr", 1, "1 résultat pour « Wydad »"),
        ("fr", 2, "2 résultats pour « Wydad »"),
        ("en", 1, "1 result for “Wydad”"),
        ("en", 12, "12 results for “Wydad”"),
    ],
)
def test_french_and_english_results_say_how_many(client, make_article, language, found, heading):
    for n in range(found):
        make_article(**{f"title_{language}": f"Match du Wydad {n}"})

    response = client.get(f"/{language}/search/", {"q": "Wydad"})

    assert result_heading(response) == heading


def test_a_spelling_the_search_folds_is_marked_as_written(client, make_article):
    make_article(title_ar="حملة لمكافحة الإتجار بالبشر", lead_ar="تفكيك شبكة للاتجار والإتجار بالبشر")

    html = client.get("/search/", {"q": "الاتجار"}).content.decode()

    assert "حملة لمكافحة <mark>الإتجار</mark> بالبشر</a></h3>" in html
    assert "تفكيك شبكة <mark>للاتجار</mark> <mark>والإتجار</mark> بالبشر" in html


def test_every_term_is_marked_and_other_words_are_not(client, make_article):
    make_article(title_fr="Le Wydad bat le Raja au stade", body_fr="<p>Texte</p>")

    html = client.get("/fr/search/", {"q": "wydad raja"}).content.decode()

    assert "Le <mark>Wydad</mark> bat le <mark>Raja</mark> au stade</a>" in html


def test_a_match_deep_in_the_body_is_shown_around_the_word_found(client, make_article):
    words = [f"كلمة{n}" for n in range(100)]
    words[60] = "الأنتربول"
    make_article(title_ar="مؤتمر دولي", lead_ar="مقدمة بلا ما يبحث عنه", body_ar=f"<p>{' '.join(words)}</p>")

    html = client.get("/search/", {"q": "انتربول"}).content.decode()

    shown = re.search(r'<p class="card-lead search-snippet">(.*?)</p>', html).group(1)
    assert shown.startswith("… ") and shown.endswith(" …")
    assert "<mark>الأنتربول</mark>" in shown
    assert "مقدمة" not in shown


def test_the_query_comes_back_escaped(client, make_article):
    make_article(title_fr="Un script et ses alertes", body_fr="<p>Texte</p>")

    response = client.get("/fr/search/", {"q": "<script>alert(1)</script>"})

    assert "<script>alert" not in response.content.decode()
    assert result_heading(response) == "1 résultat pour « &lt;script&gt;alert(1)&lt;/script&gt; »"
    assert "<title>Recherche : &lt;script&gt;alert(1)&lt;/script&gt; |" in response.content.decode()


def test_marking_never_cuts_an_entity_nor_lets_markup_through(client, make_article):
    make_article(title_fr="R&D <b>amplifiée</b> & amp", body_fr="<p>Texte</p>")

    html = client.get("/fr/search/", {"q": "amp"}).content.decode()

    assert "R&amp;D &lt;b&gt;<mark>amplifiée</mark>&lt;/b&gt; &amp; <mark>amp</mark></a>" in html


@pytest.mark.parametrize(
    ("text", "query", "marked"),
    [
        ("الأَمْنُ الوطني", "امن", "<mark>الأَمْنُ</mark> الوطني"),  # tashkeel kept as written
        ("«الإتجار»", "الاتجار", "«<mark>الإتجار</mark>»"),  # quotes stay outside the mark
        ("Élection présidentielle", "election", "<mark>Élection</mark> présidentielle"),
        ("Tom & Jerry", "amp", "Tom &amp; Jerry"),  # "amp" is no word of the text
        ("a < b", "script", "a &lt; b"),
        ("نطنطة", "طني", "نطنطة"),  # a term matches the start of a word, not its middle
    ],
)
def test_highlight_marks_the_words_the_search_finds(text, query, marked):
    assert highlight(text, query_terms(query)) == marked


def test_snippet_prefers_the_lead_then_the_body_then_the_beginning():
    terms = query_terms("مراكش")

    assert snippet(["زيارة إلى مراكش", "مراكش في النص"], terms) == "زيارة إلى <mark>مراكش</mark>"
    assert snippet(["زيارة", "النص عن مراكش"], terms) == "النص عن <mark>مراكش</mark>"
    assert snippet(["", "نص لا يذكرها"], terms) == "نص لا يذكرها"
    assert snippet(["", ""], terms) == ""
