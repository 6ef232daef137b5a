"""Spam and flood defence without third-party services.

- a honeypot field people never see (bots fill every field),
- a signed time token in the form: sent within seconds is a bot, after days the form expired,
- rate limits per address, per network and per e-mail (``kawalis/ratelimit.py``: counted
  atomically before they are judged, so they hold across every process sharing the cache),
- too many links sends a comment to the spam queue, blocked words get it refused,
- the same words twice from the same person on the same article are refused as a duplicate.
"""

import functools
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Q

from kawalis.ratelimit import Limit
from kawalis.readercache import hole

from .models import BLOCKED_WORDS_CACHE_KEY, BlockedWord, Comment, body_fingerprint

TOKEN_SALT = "comments.form-token"  # noqa: S105 (a signing namespace, not a secret)
LINK_PATTERN = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


# --- the time token ---------------------------------------------------------------------------


def issue_form_token(article_pk, issued_at=None):
    """A signed "this form was shown for this article at this time" for the hidden field."""
    issued_at = int(time.time() if issued_at is None else issued_at)
    return signing.dumps({"a": article_pk, "t": issued_at}, salt=TOKEN_SALT, compress=True)


def _is_issued_token(request, match):
    """Whether the token in a page being stored is one this site signed for a comment form (and
    not an article's text that looks like one)."""
    return _article_of_token(match.group(1)) is not None


@hole(r'name="token" value="([^"]*)"', genuine=_is_issued_token, per_reader=False)
def _fresh_form_token(request, match):
    """A page served from the readers' cache gets a time token issued now, not when cached."""
    served = getattr(request, "resolver_match", None)
    if served is not None and served.view_name == "articles:detail":
        article_pk = served.kwargs["pk"]  # the comment form of the article page being served
    else:  # served before URL resolving: the token stored in the page names its article
        article_pk = _article_of_token(match.group(1))
        if article_pk is None:
            return match.group(0)
    return f'name="token" value="{_token_issued_now(article_pk)}"'


@functools.lru_cache(maxsize=1024)
def _article_of_token(token):
    """The article a stored page's token was issued for (the same token in every copy served)."""
    try:
        return int(signing.loads(token, salt=TOKEN_SALT)["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


_issued_this_second = {}


def _token_issued_now(article_pk):
    """``issue_form_token(article_pk)``, signed once per article per second: a token names only
    the article and the whole second, so every reader served within that second gets the same."""
    now = int(time.time())
    issued = _issued_this_second.get(article_pk)
    if issued is None or issued[0] != now:
        if len(_issued_this_second) > 1024:
            _issued_this_second.clear()
        issued = _issued_this_second[article_pk] = (now, issue_form_token(article_pk, now))
    return issued[1]


class TokenProblem:
    INVALID = "invalid"
    TOO_FAST = "too_fast"
    EXPIRED = "expired"


def check_form_token(token, article_pk, now=None):
    """None when the token is good for this article, else a ``TokenProblem``."""
    now = time.time() if now is None else now
    try:
        data = signing.loads(token or "", salt=TOKEN_SALT)
        issued_at = int(data["t"])
        token_article = int(data["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return TokenProblem.INVALID
    if token_article != article_pk:
        return TokenProblem.INVALID
    age = now - issued_at
    if age < settings.COMMENTS_MIN_FILL_SECONDS:
        return TokenProblem.TOO_FAST
    if age > settings.COMMENTS_FORM_MAX_AGE:
        return TokenProblem.EXPIRED
    return None


# --- rate limits ------------------------------------------------------------------------------


def post_limit():
    """Comment posts per address and per network over ``COMMENTS_RATE_WINDOW``."""
    return Limit(
        "comment-post",
        window=settings.COMMENTS_RATE_WINDOW,
        per_address=settings.COMMENTS_RATE_LIMIT_IP,
        per_network=settings.COMMENTS_RATE_LIMIT_NETWORK,
    )


def author_limit():
    """Comment posts per e-mail over ``COMMENTS_RATE_WINDOW``, from whatever address."""
    return Limit(
        "comment-author",
        window=settings.COMMENTS_RATE_WINDOW,
        per_identity=settings.COMMENTS_RATE_LIMIT_EMAIL,
    )


REPORT_WINDOW = 3600


def report_limit():
    """Reports per address and per network over an hour."""
    return Limit(
        "comment-report",
        window=REPORT_WINDOW,
        per_address=settings.COMMENTS_REPORT_LIMIT_IP,
        per_network=settings.COMMENTS_REPORT_LIMIT_NETWORK,
    )


def first_report_from(request, comment):
    """True the first time in 30 days this address reports ``comment``: a reader's repeated clicks
    count once (a limit of one per address, so the mark is a keyed hash too)."""
    return Limit(f"comment-reported:{comment.pk}", window=30 * 24 * 3600, per_address=1).hit(request).allowed


# --- content ----------------------------------------------------------------------------------


def count_links(text):
    return len(LINK_PATTERN.findall(text))


def blocked_words_in(text):
    """The blocked words found in ``text`` as whole words, ignoring letter case."""
    words = cache.get(BLOCKED_WORDS_CACHE_KEY)
    if words is None:
        words = list(BlockedWord.objects.values_list("word", flat=True))
        cache.set(BLOCKED_WORDS_CACHE_KEY, words, timeout=300)
    folded = text.casefold()
    found = []
    for word in words:
        if re.search(rf"(?<!\w){re.escape(word.casefold())}(?!\w)", folded):
            found.append(word)
    return found


def is_duplicate(article, email, network, body):
    """The same words already sent under this article by this e-mail or from this network."""
    same_person = Q(email__iexact=email)
    if network:
        same_person |= Q(ip_network=network)
    return (
        Comment.objects.filter(article=article, fingerprint=body_fingerprint(body))
        .filter(same_person)
        .exists()
    )


@dataclass
class SpamVerdict:
    is_spam: bool
    reason: str = ""


def classify(body):
    """Whether an otherwise acceptable comment goes to the spam queue rather than moderation."""
    if count_links(body) > settings.COMMENTS_MAX_LINKS:
        return SpamVerdict(True, f"more than {settings.COMMENTS_MAX_LINKS} links")
    return SpamVerdict(False)
