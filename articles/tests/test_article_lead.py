"""The lead ("المقدمة") under the headline of the article page, in the reader's language."""

import re

import pytest


@pytest.fixture
def article_with_lead(make_article):
    return make_article(
        title_ar="الأمن الوطني يشارك في مؤتمر الأنتربول",
        lead_ar="مشاركة مغربية رفيعة المستوى في اجتماع غلاسكو.",
        title_fr="La DGSN au congrès d'Interpol",
        lead_fr="Une délégation marocaine de haut niveau à Glasgow.",
        body_fr="<p>Texte.</p>",
        title_en="Morocco at the Interpol congress",
        body_en="<p>Text.</p>",
    )


def lead_paragraph(html):
    match = re.search(r'<p class="article-lead"([^>]*)>(.*?)</p>', html, re.DOTALL)
    return match and (match.group(1), match.group(2))


def test_lead_is_shown_under_the_headline(client, article_with_lead):
    html = client.get(article_with_lead.get_absolute_url()).content.decode()

    assert lead_paragraph(html) == ("", "مشاركة مغربية رفيعة المستوى في اجتماع غلاسكو.")
    headline, lead, byline = (
        html.index(mark) for mark in ('class="article-title"', 'class="article-lead"', 'class="article-meta"')
    )
    assert headline < lead < byline


def test_french_page_shows_the_french_lead(client, article_with_lead):
    html = client.get(f"/fr{article_with_lead.get_absolute_url()}").content.decode()

    assert lead_paragraph(html) == ("", "Une délégation marocaine de haut niveau à Glasgow.")


def test_untranslated_lead_shows_the_arabic_one_marked_as_arabic(client, article_with_lead):
    html = client.get(f"/en{article_with_lead.get_absolute_url()}").content.decode()

    assert lead_paragraph(html) == (' lang="ar" dir="rtl"', "مشاركة مغربية رفيعة المستوى في اجتماع غلاسكو.")


def test_lead_is_escaped(client, make_article):
    article = make_article(lead_ar='<img src=x onerror="alert(1)"> مقدمة')

    html = client.get(article.get_absolute_url()).content.decode()

    assert lead_paragraph(html) == ("", "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; مقدمة")


def test_no_lead_no_empty_paragraph(client, make_article):
    article = make_article(lead_ar="")

    html = client.get(article.get_absolute_url()).content.decode()

    assert 'class="article-lead"' not in html


def test_lead_is_the_pages_description_when_the_editor_wrote_none(client, article_with_lead):
    html = client.get(f"/fr{article_with_lead.get_absolute_url()}").content.decode()

    description = 'content="Une délégation marocaine de haut niveau à Glasgow."'
    assert f'<meta name="description" {description}>' in html
    assert f'<meta property="og:description" {description}>' in html
