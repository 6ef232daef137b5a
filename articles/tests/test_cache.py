import contextlib
from unittest import mock

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


VERSION_KEY = "reader-pages:version"


@contextlib.contextmanager
def cache_calls():
    """The requests the code makes to the cache, in order: ``(name, keys)``.

    Django cache methods by name (calls they make internally left out) and, on Redis, the
    commands sent to it directly as ``"redis:COMMAND"`` with their arguments.
    """
    from django.core.cache import cache

    from articles.cache import redis_client

    calls = []
    depth = [0]
    names = ("get", "get_many", "set", "add", "incr", "decr", "delete", "delete_many", "set_many")
    originals = {name: getattr(cache, name) for name in names}

    def recording(name, original):
        def call(*args, **kwargs):
            if depth[0] == 0:
                if name.startswith("redis:"):
                    calls.append((f"{name}{str(args[0]).upper()}", [str(arg) for arg in args[1:]]))
                else:
                    calls.append((name, args[0] if args else None))
            depth[0] += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    with contextlib.ExitStack() as stack:
        for name in names:
            stack.enter_context(mock.patch.object(cache, name, recording(name, originals[name])))
        client = redis_client()
        if client is not None:
            stack.enter_context(
                mock.patch.object(client, "execute_command", recording("redis:", client.execute_command))
            )
        yield calls


def reads_version(call):
    from django.core.cache import cache

    name, keys = call
    if name.startswith("redis:"):
        return cache.make_and_validate_key(VERSION_KEY) in keys
    return keys == VERSION_KEY or (name == "get_many" and VERSION_KEY in keys)


def test_a_cached_page_costs_one_cache_request(client, make_article, settings):
    # Version and page come back together: one get_many(), or on Redis one script call that
    # also counts the reader's view (kawalis/tests/test_redis_cache.py).
    article = make_article()
    client.get(article.get_absolute_url())  # stores the page
    client.get(article.get_absolute_url())  # this reader's view is counted: the next is a reload
    settings.VIEW_COUNTING = False

    with cache_calls() as calls:
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert len(calls) == 1, calls
    assert calls[0][0] in ("get_many", "redis:EVALSHA")
    assert reads_version(calls[0])


def test_a_page_reads_the_version_from_the_cache_once_whatever_its_cached_parts(
    client, make_article, settings
):
    settings.VIEW_COUNTING = False
    article = make_article()
    client.get("/")  # the parts every page shares are cached; this article's page is not

    with cache_calls() as calls:
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert len([call for call in calls if reads_version(call)]) == 1
    assert len([name for name, _keys in calls if name in ("get", "get_many")]) > 2  # parts were read


def test_pieces_stored_as_bytes_fill_to_the_same_page(rf):
    from articles.cache import encode_page_pieces, fill_page_holes, split_page_holes

    html = '<p>خبر</p><form><input name="csrfmiddlewaretoken" value="OLD"></form><script nonce="N1"></script>'
    pieces = encode_page_pieces(split_page_holes(html))
    assert isinstance(pieces[0], bytes) and isinstance(pieces[1], str)

    request = rf.get("/")
    request.csp_nonce = "FRESH"
    filled = fill_page_holes(request, pieces)

    assert isinstance(filled, bytes)
    page = filled.decode()
    assert page.startswith("<p>خبر</p><form>") and page.endswith('<script nonce="FRESH"></script>')
    assert 'value="OLD"' not in page


def test_a_page_rendered_again_reads_all_its_cached_parts_in_one_cache_request(
    client, make_article, settings
):
    settings.READER_PAGE_CACHE = False  # rendered on every request, from cached parts
    settings.VIEW_COUNTING = False
    article = make_article()
    client.get(article.get_absolute_url())  # renders, caches the parts, remembers which
    client.get(article.get_absolute_url())

    with cache_calls() as calls:
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert len(calls) == 1, calls  # the version and every part at once
    assert reads_version(calls[0])
    if calls[0][0] == "get_many":
        assert len(calls[0][1]) > 8
    else:  # on Redis a script (it also counts views); parts read lately come from the worker's
        assert calls[0][0] == "redis:EVALSHA"  # copies (kawalis/tests/test_redis_cache.py)


def test_parts_read_ahead_under_an_old_version_are_not_used(client, make_article, settings):
    settings.READER_PAGE_CACHE = False
    article = make_article(title_ar="قبل التعديل")
    client.get(article.get_absolute_url())
    client.get(article.get_absolute_url())

    article.title_ar = "بعد التعديل"
    article.save()  # a new version: what this page read last time is remembered under the old one
    html = client.get(article.get_absolute_url()).content.decode()

    assert "بعد التعديل" in html and "قبل التعديل" not in html
