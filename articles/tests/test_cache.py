from articles.cache import invalidate_reader_pages, reader_pages_version


def test_invalidation_moves_the_version_on(db):
    before = reader_pages_version()
    invalidate_reader_pages()
    assert reader_pages_version() != before


def test_saving_an_article_invalidates_reader_pages(make_article):
    article = make_article()
    before = reader_pages_version()
    article.title_ar = "عنوان جديد"
    article.save()
    assert reader_pages_version() != before


def test_deleting_an_article_invalidates_reader_pages(make_article):
    article = make_article()
    before = reader_pages_version()
    article.delete()
    assert reader_pages_version() != before


def test_a_page_reads_the_version_from_the_cache_once_whatever_its_cached_parts(client, make_article):
    from unittest import mock

    from django.core.cache import cache

    article = make_article()
    client.get(article.get_absolute_url())  # warm
    with mock.patch.object(cache, "get", wraps=cache.get) as get:
        client.get(article.get_absolute_url())
    version_reads = [
        call for call in get.call_args_list if call.args and call.args[0] == "reader-pages:version"
    ]
    assert len(version_reads) == 1


def test_a_page_cut_at_its_holes_joins_back_with_fresh_values(rf):
    from articles.cache import fill_page_holes, split_page_holes

    html = '<form><input name="csrfmiddlewaretoken" value="OLD"></form><script nonce="N1"></script>end'
    pieces = split_page_holes(html)
    assert "".join(pieces) == html
    assert pieces[1] == 'name="csrfmiddlewaretoken" value="OLD"'

    request = rf.get("/")
    request.csp_nonce = "FRESH"
    filled = fill_page_holes(request, pieces)
    assert 'value="OLD"' not in filled
    assert 'name="csrfmiddlewaretoken" value="' in filled
    assert '<script nonce="FRESH"></script>end' in filled
