"""Search over articles the way Arabic readers type, fast at a million articles.

Each article keeps, per language, a search document (``search_ar``...): its title, its lead and
its body, each folded by ``articles.arabic.normalise()`` (no tashkeel, no tatweel, one alef, ه
for ة, ي for ى) and separated by `` | `` (normalise() leaves no "|" in a text). Every Arabic word
is added once more without its article "ال" (and the و/ب/ف/ك/ل stuck before it), so that "الأمن"
is found by "امن" and "أمن" by "الأمن"; a name written "عبد اللطيف" also as "عبداللطيف" and the
other way round. A query is folded the same way and split into terms; an article matches when
each term begins one of its words.

- PostgreSQL: a stored ``tsvector`` per language, computed by the database from the document
  (a generated column, migration 0010) with the title weighted above the lead and the lead above
  the body, in a GIN index. Arabic uses the 'simple' configuration (the words are already
  folded), French and English stem ("élections" finds "élection") and keep their stop words.
- SQLite: an FTS5 index of the documents (``articles_article_search``, kept by triggers), with
  the Porter stemmer, which stems English and French plurals and leaves Arabic words alone.

Ranking reads only the newest ``MAX_RANKED`` matches (on PostgreSQL by weight, then newest;
on SQLite newest first): a word found in half the archive costs what a rare one costs. Past
that number the total is an estimate. On PostgreSQL those matches are found without listing
every article that holds a common word (``find``): the newest articles are tested first, then a
window of them as wide as the word's frequency asks, and only a rare word is looked up in the
whole GIN index. Measured at 100,000 articles (bench/search.py, README): 5-25 ms of database
time for a word in every article, in one of eight, or in one.

Results show the words that were found in ``<mark>``: each word of the text as written is folded
the same way and compared with the terms, so «الإتجار» is marked for a search of «الاتجار».
"""

import itertools
import json
import math
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection, transaction
from django.db.models import Case, Expression, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .arabic import normalise
from .sanitize import plain_text

MAX_QUERY_LENGTH = 200  # characters; longer is not a query a reader typed
MAX_TERMS = 8  # more words narrow nothing and only cost
MIN_TERM_LENGTH = 2  # one letter begins half the words of the archive
# Matches ranked and paged through, newest first: past them a reader refines the query. 500
# make 42 pages of 12; the cost of a search follows this number (see find()).
MAX_RANKED = 500
# The deepest page of results a search shows (the last of MAX_RANKED at 12 a page).
MAX_PAGES = 42

PART_SEPARATOR = " | "
# The text search configuration of each language's document on PostgreSQL: French and English
# stem with PostgreSQL's Snowball stemmers but keep every word ("du", "the" are findable too);
# migration 0010 makes them.
CONFIGURATIONS = {"ar": "simple", "fr": "kawalis_french", "en": "kawalis_english"}
STEMMED = {"kawalis_french": "french", "kawalis_english": "english"}
FTS_TABLE = "articles_article_search"
SNIPPET_WORDS = 30  # about three lines of a result, around the first word found

# The Arabic article and the one-letter words written joined to it (و, ب, ف, ك, and لل for ل+ال).
_ARTICLE_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
# Names readers write joined or apart: "عبد اللطيف" and "عبداللطيف".
_NAME_PREFIXES = ("عبد",)


def without_article(word):
    """``word`` without a leading "ال" (or "وال", "بال", ...), if enough of it remains."""
    for prefix in _ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix) :]
    return word


def _variants(words):
    """The other spellings of ``words`` a reader may type: without "ال", names joined or apart."""
    for index, word in enumerate(words):
        bare = without_article(word)
        if bare != word:
            yield bare
        following = words[index + 1] if index + 1 < len(words) else ""
        for prefix in _NAME_PREFIXES:
            if word == prefix and following.startswith("ال"):
                yield prefix + following  # "عبد اللطيف" -> "عبداللطيف"
            elif word.startswith(prefix + "ال") and len(word) > len(prefix) + 3:
                rest = word[len(prefix) :]
                yield from (prefix, rest, without_article(rest))  # "عبداللطيف" -> "عبد", "اللطيف", "لطيف"


def _part(text):
    words = normalise(text).split()
    return " ".join([*words, *dict.fromkeys(_variants(words))])


def document(title, lead="", body_html=""):
    """The search document of an article in one language: title, lead and body (editors' HTML,
    read block by block so no two words are glued), each with its variants, in that order."""
    return PART_SEPARATOR.join(_part(text) for text in (title, lead, plain_text(body_html)))


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


def rewrite_documents(article_model, batch_size=500):
    """Write every article's search documents again (after a change to how they are made);
    returns how many articles. The indexes follow: PostgreSQL's column is generated from the
    documents, SQLite's triggers see the update."""
    languages = list(CONFIGURATIONS)
    fields = [f"search_{code}" for code in languages]
    batch, count = [], 0
    for article in article_model.objects.order_by("pk").iterator(chunk_size=batch_size):
        for code in languages:
            title = getattr(article, f"title_{code}") or ""
            parts = (title, getattr(article, f"lead_{code}") or "", getattr(article, f"body_{code}") or "")
            setattr(article, f"search_{code}", document(*parts) if title else "")
        batch.append(article)
        if len(batch) == batch_size:
            article_model.objects.bulk_update(batch, fields)
            count, batch = count + len(batch), []
    if batch:
        article_model.objects.bulk_update(batch, fields)
    return count + len(batch)


# --- the SQLite index -------------------------------------------------------------------------

_FTS_TRIGGERS = ("insert", "delete", "update")


def _fts_statements(table):
    columns = ", ".join(f"search_{code}" for code in CONFIGURATIONS)
    new = ", ".join(f"new.search_{code}" for code in CONFIGURATIONS)
    old = ", ".join(f"old.search_{code}" for code in CONFIGURATIONS)
    forget = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {columns}) VALUES ('delete', old.id, {old});"
    learn = f"INSERT INTO {FTS_TABLE}(rowid, {columns}) VALUES (new.id, {new});"
    # Porter stems English and French words (plurals, -ing...) and passes Arabic ones through;
    # the prefix indexes answer "a word starting with" without a walk of the vocabulary.
    table_sql = (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({columns}, content='{table}', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 0', prefix='2 3 4')"
    )
    triggers = {
        "insert": f"AFTER INSERT ON {table} BEGIN {learn} END",
        "delete": f"AFTER DELETE ON {table} BEGIN {forget} END",
        "update": f"AFTER UPDATE OF {columns} ON {table} BEGIN {forget} {learn} END",
    }
    return table_sql, {name: f"CREATE TRIGGER {FTS_TABLE}_{name} {sql}" for name, sql in triggers.items()}


def ensure_sqlite_index(connection, table="articles_article"):
    """Create SQLite's full-text index of the documents and the triggers that keep it, if missing.

    Run by the migration that introduced it and after every ``migrate``: Django's SQLite schema
    editor rebuilds a table to alter it, and the triggers go with the old table; the index is then
    rebuilt from the documents, so no change made meanwhile is lost.
    """
    if connection.vendor != "sqlite":
        return
    table_sql, triggers = _fts_statements(table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        present = {row[0] for row in cursor.fetchall()}
        missing = [name for name in _FTS_TRIGGERS if f"{FTS_TABLE}_{name}" not in present]
        if not missing:
            return
        cursor.execute(table_sql)
        for name in missing:
            cursor.execute(triggers[name])
    rebuild_sqlite_index(connection)


def rebuild_sqlite_index(connection):
    """SQLite's full-text index made again from the documents as they are stored."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def drop_sqlite_index(connection):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in _FTS_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


# --- queries ------------------------------------------------------------------------------------


def uses_full_text_search():
    return connection.vendor == "postgresql"


class StoredVector(Expression):
    """The ``search_vector_<language>`` column of the article table (PostgreSQL only: it is no
    model field, since SQLite has none), under whatever alias the query gives the table."""

    output_field = SearchVectorField()

    def __init__(self, language, alias=None):
        super().__init__()
        self.language, self.alias = language, alias

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.alias = query.get_initial_alias()
        return clone

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def as_sql(self, compiler, connection):
        column = connection.ops.quote_name(f"search_vector_{self.language}")
        return f"{compiler.quote_name_unless_alias(self.alias)}.{column}", []


def _tsquery_text(terms):
    # Terms are letters and digits only (normalise() guarantees it), quoted anyway; ":*" asks
    # for words that start with the term.
    return " & ".join(f"'{term}':*" for term in terms)


def _tsquery(language, terms):
    return SearchQuery(_tsquery_text(terms), search_type="raw", config=CONFIGURATIONS[language])


def _fts_match(language, terms):
    # FTS5's query language: the document's column, each term a quoted prefix.
    return f"search_{language} : (" + " AND ".join(f'"{term}"*' for term in terms) + ")"


def matching(queryset, language, terms):
    """``queryset`` narrowed to the articles whose document in ``language`` has words starting
    with every one of ``terms``, in no particular order."""
    if not terms:
        return queryset.none()
    if uses_full_text_search():
        return queryset.alias(search_vector=StoredVector(language)).filter(
            search_vector=_tsquery(language, terms)
        )
    found = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts_match(language, terms)])
    return queryset.filter(pk__in=found)


def _newest_first(queryset):
    return queryset.order_by("-published_at", "-id")


def _planned_rows(queryset):
    """The planner's estimate of how many rows ``queryset`` has (no COUNT: read from statistics)."""
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


@dataclass(frozen=True)
class Found:
    """What a search found: ``ids``, the ranked candidates best first (at most ``MAX_RANKED``),
    and how many articles match in all, ``count`` (``exact`` when counted, else an estimate)."""

    ids: list
    count: int
    exact: bool


def _recent_matches(queryset, language, terms, sample):
    """``(matches, examined)``: the matches among the ``sample`` newest articles of ``queryset``,
    newest first, as ``(id, rank)``; and how many articles were looked at (fewer than ``sample``
    in a small archive).

    The newest articles are read down the publication index and each one's vector tested: a
    word found in most articles costs ``sample`` rows whatever the archive, where the GIN index
    would first list every article that holds it (100,000 postings: 35 ms).
    """
    newest = _newest_first(queryset).annotate(found_vector=StoredVector(language))
    inner, params = newest.values_list("pk", "found_vector")[:sample].query.sql_with_params()
    sql = (
        # By name: Django may put an annotation before the fields in a values_list's SELECT.
        "SELECT recent.pk, CASE WHEN recent.found_vector @@ q.query "
        "THEN ts_rank(recent.found_vector, q.query) END "
        f"FROM ({inner}) AS recent, to_tsquery(%s::regconfig, %s) AS q (query)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, CONFIGURATIONS[language], _tsquery_text(terms)])
        rows = cursor.fetchall()  # in the inner query's order: a scan of a subquery keeps it
    return [(pk, rank) for pk, rank in rows if rank is not None], len(rows)


def _ranked_matches(queryset, language, terms, limit=None):
    """The matches of ``terms`` in ``queryset`` as ``(id, rank)``, newest first, from the GIN
    index (with the publication index when ``queryset`` is a window of recent articles)."""
    found = _newest_first(matching(queryset, language, terms))
    ranked = found.annotate(search_rank=SearchRank(StoredVector(language), _tsquery(language, terms)))
    rows = ranked.values_list("pk", "search_rank")
    return list(rows if limit is None else rows[:limit])


def _ranked_matches_in_window(queryset, language, terms, edge):
    """``_ranked_matches`` among the articles of ``queryset`` published since ``edge``.

    Read with a bitmap AND of the GIN index and the publication index. The planner, which
    cannot estimate a prefix query (it guesses 2% of rows whatever the word), would rather walk
    the publication index and test every article of the window; that walk is step 1's, and
    here it would read eight rows for each one kept. Plain index scans are therefore off for
    this one query (``SET LOCAL``, within its own transaction or savepoint, then set back).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_indexscan')")
        (previous,) = cursor.fetchone()
        cursor.execute("SELECT set_config('enable_indexscan', 'off', true)")
        try:
            return _ranked_matches(queryset.filter(published_at__gte=edge), language, terms)
        finally:
            cursor.execute("SELECT set_config('enable_indexscan', %s, true)", [previous])


def _best_first(matches):
    """Ids of ``matches`` (``(id, rank)``, newest first) by rank, the newest first among equals."""
    order = sorted(range(len(matches)), key=lambda index: (-matches[index][1], index))
    return [matches[index][0] for index in order]


def _found_on_postgresql(queryset, language, terms):
    """The newest ``MAX_RANKED`` matches, ranked, read in at most three bounded steps.

    1. The ``MAX_RANKED`` newest articles, each tested (``_recent_matches``): a common word
       ends here. Their share of matches estimates how often the words occur.
    2. Too few matched: the newest articles in a window wide enough to hold ``MAX_RANKED``
       matches at that rate (and a quarter more), read from the GIN index and the publication
       index together (a bitmap AND): a word in one article of eight visits about 1,250 rows,
       not the 12,500 that hold it.
    3. Still too few, or none at all in the first step (a rare word): every match, from the GIN
       index, which holds few postings for a rare word.
    """
    sample = MAX_RANKED
    recent, examined = _recent_matches(queryset, language, terms, sample)
    if examined < sample:  # the whole archive was looked at
        return Found(_best_first(recent), len(recent), True)
    if len(recent) >= MAX_RANKED:
        total = _planned_rows(queryset)
        return Found(_best_first(recent[:MAX_RANKED]), max(total, MAX_RANKED + 1), False)
    estimate = None
    if recent:
        share = len(recent) / examined
        width = math.ceil(MAX_RANKED / share * 1.25)
        edge = _newest_first(queryset).values_list("published_at", flat=True)[width - 1 : width].first()
        if edge is not None:
            window = _ranked_matches_in_window(queryset, language, terms, edge)
            if len(window) >= MAX_RANKED:
                estimate = round(len(window) / width * _planned_rows(queryset))
                return Found(_best_first(window[:MAX_RANKED]), max(estimate, MAX_RANKED + 1), False)
        estimate = round(share * _planned_rows(queryset))
    everywhere = _ranked_matches(queryset, language, terms, limit=MAX_RANKED + 1)
    if len(everywhere) <= MAX_RANKED:
        return Found(_best_first(everywhere), len(everywhere), True)
    if estimate is None:
        estimate = _planned_rows(matching(queryset, language, terms))
    return Found(_best_first(everywhere[:MAX_RANKED]), max(estimate, MAX_RANKED + 1), False)


def find(queryset, language, terms):
    """The articles of ``queryset`` that match ``terms`` in ``language`` (see ``matching``): a
    ``Found``, the newest ``MAX_RANKED`` matches best first.

    Order: on PostgreSQL by weight (a title match above a lead match above a body match), then
    newest first (publication time, then number); on SQLite newest first. Which matches are
    ranked: the ``MAX_RANKED`` most recently published; past them the count is an estimate.
    """
    if not terms:
        return Found([], 0, True)
    if uses_full_text_search():
        return _found_on_postgresql(queryset, language, terms)
    found = matching(queryset, language, terms)
    ids = list(_newest_first(found).values_list("pk", flat=True)[:MAX_RANKED])
    count, exact = estimated_count(queryset, language, terms)
    return Found(ids, count, exact)


def in_found_order(queryset, ids):
    """``queryset`` narrowed to ``ids``, in their order."""
    if not ids:
        return queryset.none()
    order = Case(*(When(pk=pk, then=Value(index)) for index, pk in enumerate(ids)))
    return queryset.filter(pk__in=ids).order_by(order)


def match(queryset, language, terms):
    """The newest ``MAX_RANKED`` matches of ``terms`` in ``queryset``, best first (``find``), as a
    queryset (read at once: the candidates are chosen when it is made)."""
    return in_found_order(queryset, find(queryset, language, terms).ids)


def estimated_count(queryset, language, terms):
    """How many articles of ``queryset`` match ``terms``: exact up to ``MAX_RANKED``, else the
    database's estimate (PostgreSQL's planner, SQLite's full-text index), never a COUNT over
    every match. Returns ``(count, exact)``."""
    found = matching(queryset, language, terms)
    exact = found.order_by()[: MAX_RANKED + 1].count()
    if exact <= MAX_RANKED:
        return exact, True
    if uses_full_text_search():
        estimate = _planned_rows(found)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
                [_fts_match(language, terms)],
            )
            estimate = cursor.fetchone()[0]
    return max(int(estimate), MAX_RANKED + 1), False


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
