"""Search over articles the way Arabic readers type.

Each article keeps, per language, a search document: its title, lead and body folded by
``articles.arabic.normalise()`` (no tashkeel, no tatweel, one alef, ه for ة, ي for ى), to which
every Arabic word is added once more without its article "ال" (and the و/ب/ف/ك/ل stuck before
it), so that "الأمن" is found by "امن" and "أمن" by "الأمن". A query is folded the same way and
split into terms; an article matches when each term begins one of its words.

PostgreSQL answers with its full-text search (the 'simple' configuration: the words are already
folded, no stemming on top) through a GIN index, ranked by ``SearchRank``. Other databases
(SQLite in development and tests) use a plain ``LIKE '% term%'`` on the same document, which
gives the same set of articles.
"""

from django.db import connection

from .arabic import normalise

MAX_QUERY_LENGTH = 200  # characters; longer is not a query a reader typed
MAX_TERMS = 8  # more words narrow nothing and only cost
MIN_TERM_LENGTH = 2  # one letter begins half the words of the archive

# The Arabic article and the one-letter words written joined to it (و, ب, ف, ك, and لل for ل+ال).
_ARTICLE_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")


def without_article(word):
    """``word`` without a leading "ال" (or "وال", "بال", ...), if enough of it remains."""
    for prefix in _ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix) :]
    return word


def document(text):
    """The search document of ``text``: its normalised words, then the article-less variants.

    Starts with a space so that "a word starting with X" is the substring " X" on SQLite.
    """
    words = normalise(text).split()
    variants = [bare for word in words if (bare := without_article(word)) != word]
    return " " + " ".join(words + variants)


def query_terms(query):
    """The terms to look for in a reader's query: normalised, without "ال", de-duplicated.

    Returns an empty list when nothing searchable remains (punctuation only, one letter, ...).
    """
    terms = []
    for word in normalise(query).split():
        term = without_article(word)
        if len(term) >= MIN_TERM_LENGTH and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def uses_full_text_search():
    return connection.vendor == "postgresql"


def match(queryset, field, terms):
    """``queryset`` narrowed to articles whose ``field`` document has words starting with all ``terms``."""
    if not terms:
        return queryset.none()
    if uses_full_text_search():
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        # Terms are letters and digits only (normalise() guarantees it), quoted anyway; ":*"
        # asks for words that start with the term.
        raw = " & ".join(f"'{term}':*" for term in terms)
        query = SearchQuery(raw, search_type="raw", config="simple")
        # The expression must stay exactly the one the GIN index of migration 0004 is built on.
        vector = SearchVector(field, config="simple")
        return (
            queryset.annotate(search_rank=SearchRank(vector, query))
            .alias(search_vector=vector)
            .filter(search_vector=query)
            .order_by("-search_rank", "-published_at", "-id")
        )
    for term in terms:
        queryset = queryset.filter(**{f"{field}__contains": f" {term}"})
    return queryset.order_by("-published_at", "-id")
