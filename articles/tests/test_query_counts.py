"""Reader pages cost a fixed number of SQL queries, however many categories and articles exist."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article


@pytest.fixture
def newsroom(make_category, make_article):
    """``newsroom(n)``: n categories with an article each, every article with an image."""

    def build(size):
        articles = []
        for _index in range(size):
            category = make_category()
            articles.append(make_article(category=category, title_fr="Titre", body_fr="<p>Texte</p>"))
        # A stored image name and size is all a page reads about an image (renditions are
        # found by name), so no file is needed here.
        Article.objects.update(image="articles/2026/11/photo.jpg", image_width=1600, image_height=900)
        return articles

    return build


def queries_for(client, url):
    cache.clear()  # measure the page as built, not as served from a cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["article", "home", "category", "french home"])
def test_reader_page_query_count_does_not_grow_with_the_site(client, newsroom, page):
    def url(articles):
        return {
            "article": articles[0].get_absolute_url(),
            "home": "/",
            "category": articles[0].category.get_absolute_url(),
            "french home": "/fr/",
        }[page]

    small = newsroom(1)
    few = queries_for(client, url(small))
    large = newsroom(30)
    many = queries_for(client, url(small))
    many_other = queries_for(client, url(large))

    assert few == many == many_other
    assert few <= 12  # a handful of queries, not one per category or article


def test_article_page_queries_are_few_and_known(client, newsroom):
    article = newsroom(30)[0]
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get(article.get_absolute_url())
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    # The article arrives with its category in one query (no separate category lookup).
    assert tables.count('FROM "articles_article" INNER JOIN "articles_category"') >= 1
    assert len(captured) <= 12


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_search_results_query_count_does_not_grow_with_the_results(client, newsroom, settings, language):
    # Snippets and highlights come from the columns the results query already fetched.
    settings.ARTICLES_PER_PAGE = 20
    query = {"ar": "مقال", "fr": "titre"}[language]
    url = f"{'' if language == 'ar' else '/' + language}/search/?q={query}"

    newsroom(1)
    one = queries_for(client, url)
    newsroom(29)
    many = queries_for(client, url)

    html = client.get(url).content.decode()
    assert html.count('class="card search-result"') == 20
    assert html.count("<mark>") >= 20
    assert one == many
    assert one <= 8
