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
