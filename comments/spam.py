"""Spam and flood defence without third-party services.

- a honeypot field people never see (bots fill every field),
- a signed time token in the form: sent within seconds is a bot, after days the form expired,
- per-address and per-e-mail rate limits in the cache, with atomic add/incr so that they hold
  across several server processes sharing one Redis,
- too many links sends a comment to the spam queue, blocked words get it refused,
- the same words twice from the same person on the same article are refused as a duplicate.
"""

import functools
import hashlib
import ipaddress
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Q

from kawalis.readercache import hole

from .models import BLOCKED_WORDS_CACHE_KEY, BlockedWord, Comment, body_fingerprint

TOKEN_SALT = "comments.form-token"  # noqa: S105 (a signing namespace, not a secret)
LINK_PATTERN = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def truncated_network(ip):
    """The /24 (IPv4) or /48 (IPv6) network of ``ip``.

    Enough for a moderator to see that many comments come from one place, not enough to
    identify a reader's line: the stored form of the address is no longer personal data.
    """
    if not ip:
        return ""
    address = ipaddress.ip_address(ip)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


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


def _hashed(value):
    # Keys hold a keyed hash, never an address or e-mail in clear (a Redis dump stays anonymous).
    return hashlib.blake2b(value.encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=16).hexdigest()


def hit_rate_limit(scope, identity, limit, window=None):
    """Count one more event for ``identity`` in ``scope``; True when it goes past ``limit``.

    A fixed window: ``add`` starts the counter with its expiry only if it does not exist, and
    ``incr`` is atomic on Redis and on local memory, so concurrent processes cannot both slip
    under the limit.
    """
    if not identity:
        return False
    window = window or settings.COMMENTS_RATE_WINDOW
    key = f"comments:rate:{scope}:{_hashed(identity)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # The counter expired between add and incr: this event starts a new window.
        cache.add(key, 1, timeout=window)
        count = 1
    return count > limit


def first_time(scope, identity, timeout):
    """True the first time ``identity`` does this within ``timeout`` seconds (atomic)."""
    return cache.add(f"comments:once:{scope}:{_hashed(identity)}", 1, timeout=timeout)


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
