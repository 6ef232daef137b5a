"""Fake reader comments for ``manage.py generate_load_data --comments N`` (benchmarks only).

They go on the load-test articles only (never on real ones), are plainly labelled
("[تعليق تجريبي]", e-mails at example.invalid) and look like a real site's: most approved, some
waiting, some spam; about a third are replies (up to two levels), and a few articles get most
of the comments, as the front-page stories do.
"""

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from articles.load_data import CATEGORY_SLUG_PREFIX, batched
from articles.models import Article
from kawalis.load_data import load_data_generator

from .models import Comment, body_fingerprint

BODIES = [
    "[تعليق تجريبي] رأي قارئ في الموضوع، كتب آليا لقياس أداء الموقع.",
    "[تعليق تجريبي] شكرا على هذا المقال، وأتمنى متابعة الموضوع.\n\nفقرة ثانية للتجربة.",
    "[Commentaire de test] Un avis de lecteur généré pour les mesures de performance.",
    "[Load test comment] A reader's view, generated to measure the site. https://example.invalid/",
]
STATUSES = (
    [Comment.Status.APPROVED] * 16
    + [Comment.Status.PENDING] * 2
    + [Comment.Status.SPAM, Comment.Status.REJECTED]
)


def _pick_article(article_ids, rng):
    # Half the comments go to the newest 1% of stories: the busy threads a real site has.
    if rng.random() < 0.5:
        return article_ids[rng.randrange(max(1, len(article_ids) // 100))]
    return article_ids[rng.randrange(len(article_ids))]


def _comment(n, article_id, rng, now, parent=None):
    body = f"{BODIES[n % len(BODIES)]} #{n}"
    return Comment(
        article_id=article_id,
        parent=parent,
        thread_id=(parent.thread_id or parent.pk) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        name=f"[تجريبي] قارئ {n}",
        email=f"load-test-{n}@example.invalid",
        body=body,
        fingerprint=body_fingerprint(body),
        status=STATUSES[rng.randrange(len(STATUSES))],
        language=("ar", "ar", "fr", "en")[n % 4],
        ip_network="192.0.2.0/24",
        user_agent="Load test",
        created_at=now - timezone.timedelta(minutes=rng.randrange(60 * 24 * 365)),
    )


@load_data_generator("comments", order=20, help="fake reader comments on the fake articles")
def generate_comments(count, context):
    article_ids = list(
        Article.objects.published()
        .filter(category__slug__startswith=CATEGORY_SLUG_PREFIX)
        .order_by("-published_at")
        .values_list("pk", flat=True)
    )
    if not article_ids:
        raise CommandError("--comments needs load-test articles: add --articles N.")
    rng = context.random
    now = timezone.now()
    start = Comment.objects.filter(email__endswith="@example.invalid").count() + 1
    made = 0
    for numbers in batched(range(start, start + count), context.batch_size):
        # Two thirds of a batch start threads, two ninths reply to them, the rest reply to replies.
        first, second = max(1, len(numbers) * 2 // 3), max(1, len(numbers) * 8 // 9)
        with transaction.atomic():
            parents = Comment.objects.bulk_create(
                _comment(n, _pick_article(article_ids, rng), rng, now) for n in numbers[:first]
            )
            for level in (numbers[first:second], numbers[second:]):
                replies = []
                for n in level:
                    parent = parents[rng.randrange(len(parents))]
                    reply = _comment(n, parent.article_id, rng, now, parent=parent)
                    reply.created_at = parent.created_at + timezone.timedelta(minutes=1 + rng.randrange(600))
                    replies.append(reply)
                parents = Comment.objects.bulk_create(replies) or parents
        made += len(numbers)
        if made % (context.batch_size * 10) == 0:
            context.write(f"  comments: {made}/{count}")
    return made
