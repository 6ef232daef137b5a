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

Results show the words that were found in ``<mark>``: each word of the text as written is folded
the same way and compared with the terms, so «الإتجار» is marked for a search of «الاتجار».
"""

import itertools
import unicodedata

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .arabic import normalise

MAX_QUERY_LENGTH = 200  # characters; longer is not a query a reader typed
MAX_TERMS = 8  # more words narrow nothing and only cost
MIN_TERM_LENGTH = 2  # one letter begins half the words of the archive
SNIPPET_WORDS = 30  # about three lines of a result, around the first word found

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


# --- Showing what was found ----------------------------------------------------------------


def _is_word_character(char):
    # Letters, digits and the marks written on them (tashkeel, accents): what normalise() keeps
    # of a word. Anything else separates words, as it does in the search documents.
    return unicodedata.category(char)[0] in "LNM"


def _pieces(text):
    """``text`` cut into ``(is_word, piece)``: its words and what stands between them."""
    for is_word, chars in itertools.groupby(text, key=_is_word_character):
        yield is_word, "".join(chars)


def is_found(word, terms):
    """Whether a search for ``terms`` finds ``word``, a word of an article as written.

    The rule of ``match()``: a term begins the folded word, or the word without its "ال".
    """
    for folded in normalise(word).split():
        bare = without_article(folded)
        if any(folded.startswith(term) or bare.startswith(term) for term in terms):
            return True
    return False


def highlight(text, terms):
    """``text`` escaped for HTML, with every word a search for ``terms`` finds in ``<mark>``.

    The words are found in the text before it is escaped, so a term never cuts into an entity
    (``&amp;``) nor into the markup; each piece is escaped on its own.
    """
    parts = []
    for is_word, piece in _pieces(str(text or "")):
        if is_word and terms and is_found(piece, terms):
            parts.append(f"<mark>{escape(piece)}</mark>")
        else:
            parts.append(escape(piece))
    # Safe: every piece of the text went through escape(); only our <mark> tags are raw.
    return mark_safe("".join(parts))


def _holds_a_find(chunk, terms):
    return any(is_word and is_found(piece, terms) for is_word, piece in _pieces(chunk))


def snippet(texts, terms, length=SNIPPET_WORDS):
    """What a result shows of an article: about ``length`` words around the first word found.

    ``texts`` are plain texts in order of preference (the lead, then the body). The first
    that holds a word found is cut around it, "…" where it was cut, and highlighted; when none
    does (the title alone matched), the beginning of the first text that is not empty.
    Returns "" when every text is empty.
    """
    texts = [text for text in texts if text and text.strip()]
    if not texts:
        return ""
    for text in texts:
        words = text.split()
        first = next((index for index, word in enumerate(words) if _holds_a_find(word, terms)), None)
        if first is not None:
            # A few words of context before the one found, the rest after it.
            start = max(0, min(first - length // 4, len(words) - length))
            break
    else:
        words, start = texts[0].split(), 0
    end = start + length
    shown = highlight(" ".join(words[start:end]), terms)
    before = "… " if start > 0 else ""
    after = " …" if end < len(words) else ""
    return mark_safe(f"{before}{shown}{after}")  # Safe: highlight() escaped the words.
