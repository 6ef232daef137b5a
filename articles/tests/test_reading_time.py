"""The reading time of an article ("3 دقائق قراءة", "3 min read"), from the words of its body."""

import pytest

from articles.models import READING_WORDS_PER_MINUTE, Article, count_words


def arabic_body(words):
    """``words`` Arabic words in paragraphs of ten, with tashkeel and punctuation around them."""
    paragraphs = [" ".join(["الأَمْنُ،"] * 10) for _ in range(words // 10)]
    return "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<p>واحد اثنان</p><p>ثلاثة</p>", 3),  # a paragraph's last word is not glued to the next
        ("<p>مُحَمَّدٌ وَالمَدِينَةُ</p>", 2),  # tashkeel does not split a word
        ("<p>Le Maroc — l'engagement, 2024 !</p>", 4),  # a dash or a "!" is no word
        ("<p>un&nbsp;deux&amp;trois</p>", 2),  # entities are characters
        ("<p><strong>كلمة</strong> <a href='/x'>أخرى</a></p>", 2),
        ("<p>مدر<em>سة</em></p>", 1),  # inline markup inside a word splits nothing: it reads as one
        ("", 0),
    ],
)
def test_words_are_counted_as_a_reader_reads_them(body, words):
    assert count_words(body) == words


def test_arabic_reading_time_is_the_words_at_the_arabic_rate_rounded_up(make_article):
    assert READING_WORDS_PER_MINUTE["ar"] == 180
    article = make_article(body_ar=arabic_body(450))  # 450 / 180 = 2.5

    assert article.reading_minutes_in("ar") == 3


def test_a_short_story_reads_in_one_minute(make_article):
    article = make_article(body_ar="<p>خبر قصير</p>")

    assert article.reading_minutes_in("ar") == 1


def test_each_language_counts_its_own_body(make_article):
    article = make_article(body_ar=arabic_body(180), title_fr="Titre", body_fr="<p>mot </p>" * 500)

    assert (article.reading_minutes_in("ar"), article.reading_minutes_in("fr")) == (1, 3)  # 500 / 238


def test_a_page_without_the_translated_body_times_the_arabic_one(make_article):
    article = make_article(body_ar=arabic_body(400), title_en="Title")

    assert article.reading_minutes_in("en") == 3  # 400 / 180, the Arabic body at the Arabic rate


@pytest.mark.parametrize(
    ("words", "shown"),
    [
        (170, "دقيقة قراءة واحدة"),
        (350, "دقيقتا قراءة"),
        (900, "5 دقائق قراءة"),
        (2000, "12 دقيقة قراءة"),
    ],
)
def test_arabic_page_says_the_reading_time_in_arabic_plural_forms(client, make_article, words, shown):
    article = make_article(body_ar=arabic_body(words))

    html = client.get(article.get_absolute_url()).content.decode()

    assert f'<span class="reading-time">{shown}</span>' in html


@pytest.mark.parametrize(
    ("language", "words", "shown"),
    [
        ("fr", 200, "1 min de lecture"),
        ("fr", 700, "3 min de lecture"),
        ("en", 200, "1 min read"),
        ("en", 700, "3 min read"),
    ],
)
def test_french_and_english_pages_say_it_in_their_language(client, make_article, language, words, shown):
    article = make_article(
        **{f"title_{language}": "Title", f"body_{language}": "<p>" + "word " * words + "</p>"}
    )

    html = client.get(f"/{language}{article.get_absolute_url()}").content.decode()

    assert f'<span class="reading-time">{shown}</span>' in html


def test_an_article_without_a_body_shows_no_reading_time(client, make_article):
    article = make_article(body_ar="")

    html = client.get(article.get_absolute_url()).content.decode()

    assert Article.objects.get(pk=article.pk).reading_minutes_in("ar") == 0
    assert 'class="reading-time"' not in html
