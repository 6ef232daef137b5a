"""Most read ("الأكثر قراءة"): counting article views cheaply, and the most-read lists.

A reader's request never writes to the database. A view is counted in the cache with an atomic
add/incr (one counter per article); ``flush_view_counts`` (a management command, run every minute
or so by the scheduler) moves the counters into ``ArticleViewCount`` rows, one per article and
hour. Not counted: staff, bots (by user agent), and a reader reloading the same article within
``VIEW_REPEAT_SECONDS``. That last check keys on a keyed hash of IP, user agent, article and day
that lives only in the cache for those seconds: no address or user agent is ever stored.
"""

import functools
import hashlib
import hmac
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import get_language

from kawalis.client_address import client_address
from kawalis.readercache import get_store, invalidate, shared, tag
from kawalis.readercache.front import enabled as front_cache_enabled
from kawalis.readercache.pages import served_subject, view_counted

logger = logging.getLogger(__name__)

# Crawlers, link previewers, monitors and scripts: what real user agents of such clients contain.
BOT_USER_AGENT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|facebookcatalog|embedly|"
    r"preview|whatsapp|telegram|discord|skype|slack|pinterest|lighthouse|pagespeed|pingdom|"
    r"uptime|monitor|headless|phantomjs|curl|wget|python-|httpx|aiohttp|go-http-client|java/|"
    r"okhttp|libwww|scrapy|feedfetcher|feedparser|mediapartners|adsbot|apis-google",
    re.IGNORECASE,
)
BUFFER_KEY = "article-views:buffer:{pk}"
SEEN_KEY = "article-views:seen:{digest}"
# How many buffered counters the flush reads per cache round trip.
FLUSH_BATCH = 500
# The most-read lists are recomputed at most this often (and at once after an edit).
MOST_READ_CACHE_SECONDS = 300
MOST_READ_LENGTH = 5
# The readers' cache tag of the lists: moved on when a flush changes what they show.
MOST_READ_TAG = "most-read"


def is_bot(user_agent):
    return not user_agent or _is_bot_agent(user_agent)


@functools.lru_cache(maxsize=4096)
def _is_bot_agent(user_agent):
    # Readers' browsers come in a few hundred versions: each is matched against the long pattern
    # once per process, not on every page.
    return BOT_USER_AGENT.search(user_agent) is not None


def _is_staff(request):
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def _seen_key(request, article_pk):
    """The cache key that marks this reader as having seen this article today.

    Keyed with SECRET_KEY and the day, so the key says nothing about who read what.
    """
    day = timezone.now().date().isoformat()
    ip = client_address(request)  # behind our proxy, the reader's address, not the proxy's
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    message = f"{ip}|{user_agent}|{article_pk}|{day}".encode()
    digest = hmac.new(_seen_mark_key(settings.SECRET_KEY), message, hashlib.sha1).hexdigest()[:32]
    return SEEN_KEY.format(digest=digest)


@functools.lru_cache(maxsize=2)
def _seen_mark_key(secret):
    # The key salted_hmac("articles.article-views", ...) derives from the secret on every call,
    # derived once per process (the same marks as before, so no reader is counted twice).
    # SHA-1 as salted_hmac's default, inside an HMAC: noqa S324.
    return hashlib.sha1(b"articles.article-views" + secret.encode()).digest()  # noqa: S324  # as salted_hmac: the same marks


def buffer_view(article_pk, views=1):
    """Add ``views`` to the article's counter in the cache (atomic; no database)."""
    get_store().add_to_counter(BUFFER_KEY.format(pk=article_pk), views)


def count_view(seen_key, counter_key):
    """Count a view unless this reader's "seen" mark exists (then set it). Never touches the
    database. On Redis one round trip (the readers' cache's script, the same rule as the page
    lookups that count); elsewhere an add() and, for a new view, an incr()."""
    get_store().count_view(seen_key, counter_key)


def viewed_article_pk(request):
    """The article a reader page shows, from its URL (also for a page served from a cache)."""
    served = served_subject(request)
    if served is not None:  # answered from the page cache before URL resolving
        return served
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    if match.view_name != "articles:detail":
        return None
    return match.kwargs.get("pk")


def counting_keys(request, article_pk=None):
    """``(seen key, counter key)`` when this request is a reader's view of an article to count:
    not staff, not a bot (by user agent), a GET of an article page, counting on. ``article_pk``
    is the article shown, when the caller knows it (else read from the URL).

    The readers' page cache (kawalis/readercache) counts with these in the round trip that reads a
    cached article page or its parts; the middleware below counts every other article page.
    """
    if request.method != "GET":
        return None
    if article_pk is None:
        article_pk = viewed_article_pk(request)
    return reader_view_keys(request, article_pk)


def reader_view_keys(request, article_pk):
    """``(seen key, counter key)`` for this reader's view of ``article_pk``, or None when it is
    not counted (counting off, no article, staff, a bot)."""
    if not settings.VIEW_COUNTING or article_pk is None:
        return None
    if _is_staff(request) or is_bot(request.META.get("HTTP_USER_AGENT", "")):
        return None
    return _seen_key(request, article_pk), BUFFER_KEY.format(pk=article_pk)


# --- behind a shared cache in front ---------------------------------------------------------------
# Varnish or a CDN answers most article pages without asking the site, so the page itself cannot
# count them. The page then carries a small script (static/js/views.js) that posts to the
# address below once it is shown: signed, so that counting needs no query to check that the
# site put that article's number there, and deduplicated per reader like any view.

BEACON_SALT = "articles.view-beacon"


def beacon_path(article_pk):
    """The address the article page's script posts to, or None when no beacon is needed."""
    if not settings.VIEW_COUNTING or not front_cache_enabled():
        return None
    signed = signing.Signer(salt=BEACON_SALT).sign(str(article_pk))
    return reverse("articles:view_beacon", args=[signed])


def beacon_article(signed):
    """The article number a beacon address was made for, or None if the site did not make it."""
    try:
        return int(signing.Signer(salt=BEACON_SALT).unsign(signed))
    except (signing.BadSignature, ValueError):
        return None


class ArticleViews:
    """How the readers' page cache counts views (``kawalis.readercache.pages.count_views_with``)."""

    subject = staticmethod(viewed_article_pk)
    keys = staticmethod(counting_keys)


class ViewCountingMiddleware:
    """Counts successful article pages for "most read".

    Placed near the top of MIDDLEWARE so that it also sees pages answered from a page cache
    (which on Redis counts them itself, in the same round trip, and says so on the request).
    A failure of the counting (cache unreachable) is logged and never breaks the reader's page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 200 and not view_counted(request):
            try:
                keys = counting_keys(request)
                if keys is not None:
                    count_view(*keys)
            except Exception:
                logger.exception("Could not count an article view")
        return response


def current_hour(now=None):
    return (now or timezone.now()).replace(minute=0, second=0, microsecond=0)


def flush_view_counts(now=None):
    """Move the buffered counters into ArticleViewCount rows of the current hour.

    Returns the number of views written. Each counter is decremented by what was read (atomic),
    so views counted during the flush stay in the buffer for the next one; if the database write
    fails, the views are put back.
    """
    from .models import Article, ArticleViewCount

    hour = current_hour(now)
    written = 0
    pks = list(Article.objects.order_by().values_list("pk", flat=True))
    for start in range(0, len(pks), FLUSH_BATCH):
        keys = {BUFFER_KEY.format(pk=pk): pk for pk in pks[start : start + FLUSH_BATCH]}
        for key, count in cache.get_many(list(keys)).items():
            if not count:
                continue
            cache.decr(key, count)
            try:
                with transaction.atomic():
                    row, created = ArticleViewCount.objects.get_or_create(
                        article_id=keys[key], hour=hour, defaults={"views": count}
                    )
                    if not created:
                        ArticleViewCount.objects.filter(pk=row.pk).update(views=F("views") + count)
            except Exception:
                buffer_view(keys[key], count)
                raise
            written += count
    if written:
        refresh_most_read()
    return written


def refresh_most_read():
    """Recompute the most-read lists; make cached reader pages stale only if a list changed.

    Reader pages show the lists (titles in order, no counts), so new counts matter to readers
    only when they move an article in or out of a list or change the order. Every flush used
    to make every cached page stale, once a minute, which during a spike meant re-rendering
    every page every minute for nothing. One query per language decides instead.
    """
    fresh = {code: _compute_most_read(code) for code, _name in settings.LANGUAGES}
    changed = False
    for code, lists in fresh.items():
        if cache.get(most_read_key(code)) != _shown(lists):
            changed = True
    cache.set_many({most_read_key(code): _shown(lists) for code, lists in fresh.items()}, timeout=None)
    if changed:
        invalidate(MOST_READ_TAG)
    return changed


def _shown(lists):
    """What a reader sees of the lists: which articles, in which order."""
    return {period: [article.pk for article in articles] for period, articles in lists.items()}


def most_read_key(language):
    """Where the last flush noted which articles the lists showed, in which order."""
    return f"most-read:shown:{language}"


def most_read_lists(language=None):
    """``{"day": [...], "week": [...]}``: the most-read articles of the last 24 hours and 7 days.

    Cached per language until a flush changes what they show (or an article in them changes),
    for a few minutes at most: one query every few minutes, none on most page views.
    """
    language = language or get_language() or settings.LANGUAGE_CODE

    def compute():
        tag(MOST_READ_TAG)
        lists = _compute_most_read(language)
        tag(*(article.reader_tag for articles in lists.values() for article in articles))
        return lists

    return shared("most-read", language, compute=compute, timeout=MOST_READ_CACHE_SECONDS)


def _compute_most_read(language):
    from .models import Article

    now = timezone.now()
    return (
        Article.objects.published()
        .in_language(language)
        .for_listing()
        .most_read_in_windows(
            {"day": current_hour(now - timedelta(hours=24)), "week": current_hour(now - timedelta(days=7))},
            MOST_READ_LENGTH,
        )
    )
