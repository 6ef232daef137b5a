"""A WordPress export made into this site's authors, sections, tags, articles and comments, with
a redirect from every old address to the new one.

The export is written a hundred records to a transaction (``BATCH``), each object in a savepoint
of its own, so a failure leaves nothing of it half written; each is keyed on the WordPress site
and the object's id (``ImportedObject``): the same export imported again writes nothing, a newer
one adds what is new and updates what changed.

What is taken, and how:

- authors (``wp:author``) become Authors; their posts name them;
- categories become sections with their hierarchy (a sub-category under its parent, linked as
  soon as both are read, whichever the export lists first), tags tags; the old nested address of
  a sub-category redirected to its page;
- posts: published ones published, scheduled ones (``future``) published at their time, drafts,
  pending and private ones drafts; trashed ones and auto-drafts left out. Pages and menu items
  are left out (the site has no pages yet), and said so;
- content through ``wordpress.content`` and then the editor's sanitiser; the excerpt as lead;
- the featured image from a local copy of ``wp-content/uploads`` (``--uploads``) or, with
  ``--fetch-images``, from its address (``wordpress.fetching``), checked and cleaned like an
  upload; one that is missing, refused or bad is reported, the post imported without it;
- approved comments approved, with their threads; pending ones kept pending (moderators decide);
  spam and trashed ones left out. Nobody is e-mailed.
"""

import hashlib
import logging
import posixpath
from collections import Counter
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

from articles import images
from articles.models import Article, Author, Category, Redirect, Tag, unicode_slug
from comments.models import Comment, body_fingerprint, comments_tag
from kawalis.readercache import invalidate

from .content import to_html
from .fetching import FetchRefused, fetch_image
from .models import ImportedObject
from .wxr import ExportError, read

logger = logging.getLogger(__name__)

POST_STATUSES = {"publish": "published", "future": "published", "draft": "draft", "pending": "draft"}
POST_STATUSES["private"] = "draft"
COMMENT_STATUSES = {"1": Comment.Status.APPROVED, "0": Comment.Status.PENDING}
UNCATEGORISED = "uncategorized"
# Records (a post with its comments is one) written in one transaction.
BATCH = 100


def _fingerprint(record):
    data = asdict(record) if hasattr(record, "__dataclass_fields__") else record
    return hashlib.sha256(repr(sorted(data.items())).encode()).hexdigest()


def _date(value):
    """A WordPress GMT date ("2023-01-16 07:08:31") as an aware datetime, or None."""
    try:
        parsed = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    if parsed.year < 1971:  # "0000-00-00 00:00:00": a draft never dated
        return None
    return parsed.replace(tzinfo=timezone.utc)


class Report:
    """What an import did, by kind of object: imported, updated, unchanged, skipped (and why)."""

    def __init__(self):
        self.counts = Counter()
        self.skipped = Counter()
        self.problems = []

    def count(self, kind, outcome):
        self.counts[kind, outcome] += 1

    def skip(self, kind, reason):
        self.counts[kind, "skipped"] += 1
        self.skipped[kind, reason] += 1

    def problem(self, text):
        self.problems.append(text)

    def lines(self):
        kinds = sorted({kind for kind, _outcome in self.counts})
        for kind in kinds:
            parts = [
                f"{self.counts[kind, outcome]} {outcome}"
                for outcome in ("imported", "updated", "unchanged", "skipped")
                if self.counts[kind, outcome]
            ]
            yield f"{kind}: {', '.join(parts)}"
            for (skipped_kind, reason), number in sorted(self.skipped.items()):
                if skipped_kind == kind:
                    yield f"  skipped {number}: {reason}"
        for problem in self.problems:
            yield f"problem: {problem}"


class Importer:
    def __init__(self, uploads=None, language="ar", progress=None, fetch_images=False):
        self.uploads = Path(uploads) if uploads else None
        self.fetch_images = fetch_images
        self.language = language
        self.progress = progress or (lambda count: None)
        self.report = Report()
        self.site = ""
        self.site_path = ""
        self.authors = {}  # login -> Author
        self.categories = {}  # nicename -> Category
        self.category_parents = {}  # nicename -> parent nicename
        self.category_ids = {}  # term_id -> nicename
        self.tags = {}  # slug -> Tag
        self.attachments = {}  # post id -> attachment URL
        self.seen_terms = set()  # (kind, slug) read in this run: an export may list one twice

    # --- bookkeeping ---------------------------------------------------------------------------

    def _known(self, kind, source_id):
        return ImportedObject.objects.filter(site=self.site, kind=kind, source_id=str(source_id)).first()

    def _remember(self, kind, source_id, obj, fingerprint, known):
        if known is None:
            ImportedObject.objects.create(
                site=self.site, kind=kind, source_id=str(source_id), object_id=obj.pk, fingerprint=fingerprint
            )
        else:
            known.object_id, known.fingerprint = obj.pk, fingerprint
            known.save(update_fields=["object_id", "fingerprint", "updated_at"])

    def _old_path(self, url):
        """The path of one of the old site's addresses, relative to where the site was served."""
        path = unquote(urlsplit(url).path) or "/"
        if self.site_path and path.startswith(self.site_path):
            path = path[len(self.site_path) :] or "/"
        return path if path.startswith("/") else f"/{path}"

    def _redirect(self, old, new, note):
        from articles.redirects import normalise_path

        old = normalise_path(old)
        if old == normalise_path(new) or old == "/":
            return
        current = Redirect.objects.filter(old_path=old).first()
        if current is None:
            Redirect(old_path=old, new_path=new, note=note).save()
        elif (current.new_path, current.note) != (new, note):
            current.new_path, current.note = new, note
            current.save(update_fields=["new_path", "note"])

    def _field(self, name):
        return f"{name}_{self.language}"

    def _set_text(self, obj, name, value):
        setattr(obj, self._field(name), value)
        if self.language != "ar" and not getattr(obj, f"{name}_ar", None):
            setattr(obj, f"{name}_ar", value)  # the original every page falls back to

    # --- records ---------------------------------------------------------------------------------

    def site_record(self, record):
        self.site = (record.get("base_blog_url") or record.get("link") or "").rstrip("/")
        if not self.site:
            raise ValueError("the export names no site (no base_blog_url nor link)")
        self.site_path = urlsplit(self.site).path.rstrip("/")
        self._redirect("/feed/", reverse("feed_rss"), "WordPress feed")
        self._redirect("/feed/atom/", reverse("feed_atom"), "WordPress feed")

    def author(self, record):
        login = record.get("author_login", "").strip()
        name = record.get("author_display_name", "").strip() or login
        if not login:
            return self.report.skip("authors", "no login")
        fingerprint, known = _fingerprint(record), self._known("author", login)
        author = Author.objects.filter(pk=known.object_id).first() if known else None
        if author is not None and known.fingerprint == fingerprint:
            self.report.count("authors", "unchanged")
        else:
            with transaction.atomic():
                outcome = "updated" if author else "imported"
                author = author or Author(slug=unicode_slug(login, 120, "author"))
                if Author.objects.filter(slug=author.slug).exclude(pk=author.pk).exists():
                    author.slug = unicode_slug(f"{login}-{self.site.split('//')[-1]}", 120, "author")
                self._set_text(author, "name", name)
                author.save()
                self._remember("author", login, author, fingerprint, known)
                self._redirect(f"/author/{login}/", author.get_absolute_url(), "WordPress author")
            self.report.count("authors", outcome)
        self.authors[login] = author

    def category(self, record):
        nicename = unquote(record.get("category_nicename") or record.get("term_slug") or "").strip()
        name = record.get("cat_name") or record.get("term_name") or nicename
        if not nicename:
            return self.report.skip("categories", "no slug")
        self.category_parents[nicename] = unquote(
            record.get("category_parent") or record.get("term_parent") or ""
        )
        if record.get("term_id"):
            self.category_ids[record["term_id"]] = nicename
        self.categories[nicename] = self._term(Category, "categories", "category", nicename, name, record)
        self._link_parents()
        path = "/".join(self._category_path(nicename))
        category = self.categories[nicename]
        self._redirect(f"/category/{path}/", category.get_absolute_url(), "WordPress category")
        self._redirect(f"/category/{path}/feed/", reverse("category_feed_rss", args=[category.slug]), "feed")

    def _link_parents(self):
        """Put each section read so far under its WordPress parent, once both are here: an export
        may name a parent it lists later. Saves only a link that changed (a second import none)."""
        for nicename, parent_name in self.category_parents.items():
            category, parent = self.categories.get(nicename), self.categories.get(parent_name)
            if category is None or (parent_name and parent is None):
                continue  # the parent is still to come
            wanted = parent.pk if parent is not None and parent.pk != category.pk else None
            if category.parent_id == wanted:
                continue
            if wanted is not None and nicename in self._category_path(parent_name)[:-1]:
                self.report.problem(
                    f"category {nicename}: its parent {parent_name} sits under it (left at the top)"
                )
                wanted = None
                if category.parent_id is None:
                    continue
            category.parent_id = wanted
            category.save(update_fields=["parent"])

    def _category_path(self, nicename, seen=()):
        parent = self.category_parents.get(nicename)
        if parent and parent not in seen and parent != nicename:
            return [*self._category_path(parent, (*seen, nicename)), nicename]
        return [nicename]

    def tag(self, record):
        slug = unquote(record.get("tag_slug", "")).strip()
        if not slug:
            return self.report.skip("tags", "no slug")
        tag = self._term(Tag, "tags", "tag", slug, record.get("tag_name") or slug, record)
        self.tags[slug] = tag
        self._redirect(f"/tag/{slug}/", tag.get_absolute_url(), "WordPress tag")

    def _term(self, model, label, kind, slug, name, record):
        if (kind, slug) in self.seen_terms:
            self.report.skip(label, "listed twice in the export (the first is kept)")
            return getattr(self, "categories" if kind == "category" else "tags")[slug]
        self.seen_terms.add((kind, slug))
        fingerprint, known = _fingerprint(record), self._known(kind, slug)
        obj = model.objects.filter(pk=known.object_id).first() if known else None
        if obj is not None and known.fingerprint == fingerprint:
            self.report.count(label, "unchanged")
            return obj
        with transaction.atomic():
            outcome = "updated" if obj else "imported"
            if obj is None:
                # A section or tag of the same address already here is the same one.
                obj = model.objects.filter(slug=slug[:80]).first() or model(slug=slug[:80])
            self._set_text(obj, "name", name[:80])
            obj.save()
            self._remember(kind, slug, obj, fingerprint, known)
        self.report.count(label, outcome)
        return obj

    def item(self, item):
        self.progress(sum(self.report.counts.values()))
        if item.post_type == "attachment":
            self.attachments[item.id] = item.attachment_url or item.link
            return
        if item.post_type != "post":
            reason = {"page": "pages (the site has no pages yet)", "nav_menu_item": "menu items"}.get(
                item.post_type, f"{item.post_type or 'untyped'} items"
            )
            return self.report.skip("posts", reason)
        status = POST_STATUSES.get(item.status)
        if status is None:
            return self.report.skip("posts", f"status “{item.status or 'none'}” (trash, auto-draft...)")
        try:
            with transaction.atomic():
                self._post(item, status)
        except (ValidationError, ValueError) as error:
            message = "; ".join(getattr(error, "messages", [str(error)]))
            self.report.skip("posts", "refused (see the problems below)")
            self.report.problem(f"post {item.id} «{item.title[:60]}»: {message}")

    def _post(self, item, status):
        fingerprint, known = _fingerprint(item), self._known("post", item.id)
        article = Article.objects.filter(pk=known.object_id).first() if known else None
        if article is not None and known.fingerprint == fingerprint:
            self.report.count("posts", "unchanged")
            self._comments(item, article)
            return
        outcome = "updated" if article else "imported"
        article = article or Article()
        converted = to_html(item.content)
        for note, times in Counter(converted.notes).items():
            self.report.problem(f"post {item.id}: {note}" + (f" ({times} times)" if times > 1 else ""))
        title = item.title.strip() or Truncator(strip_tags(converted.html)).words(8) or f"WordPress {item.id}"
        self._set_text(article, "title", title[:250])
        self._set_text(article, "body", converted.html)
        self._set_text(article, "lead", " ".join(strip_tags(item.excerpt).split()))
        article.slug = unicode_slug(unquote(item.slug) or title)
        article.status = status
        article.published_at = _date(item.date_gmt) or article.published_at
        article.comments_open = item.comment_status == "open"
        article.category = self._category_of(item)
        image = self._featured_image(item)
        if image is not None:
            article.image = image
        article.save()
        tags = [self.tags[slug] for slug in map(unquote, item.tags) if slug in self.tags]
        authors = [self.authors[item.creator]] if item.creator in self.authors else []
        if outcome == "imported":  # a new article has no links to compare with: one query less each
            article.tags.add(*tags, through_defaults={"article_published_at": article.published_at})
            article.authors.add(*authors)
        else:
            article.tags.set(tags, through_defaults={"article_published_at": article.published_at})
            if authors:
                article.authors.set(authors)
        self._remember("post", item.id, article, fingerprint, known)
        new = article.get_absolute_url()
        if item.link:
            self._redirect(self._old_path(item.link), new, f"WordPress post {item.id}")
            for old_slug in item.old_slugs:
                old = self._old_path(item.link).replace(f"/{unquote(item.slug)}/", f"/{unquote(old_slug)}/")
                self._redirect(old, new, f"WordPress post {item.id} (an older slug)")
        self._redirect(f"/?p={item.id}", new, f"WordPress post {item.id}")
        self.report.count("posts", outcome)
        self._comments(item, article)

    def _category_of(self, item):
        for nicename in map(unquote, item.categories):
            if nicename in self.categories:
                return self.categories[nicename]
        if UNCATEGORISED not in self.categories:  # looked up (or made) once per run
            fallback = Category.objects.filter(slug=UNCATEGORISED).first()
            if fallback is None:
                fallback = Category(slug=UNCATEGORISED)
                self._set_text(fallback, "name", "Uncategorized" if self.language != "ar" else "غير مصنف")
                fallback.save()
            self.categories[UNCATEGORISED] = fallback
        return self.categories[UNCATEGORISED]

    def _featured_image(self, item):
        attachment = item.meta.get("_thumbnail_id")
        if not attachment:
            return None
        url = self.attachments.get(int(attachment) if attachment.isdigit() else -1)
        if not url:
            self.report.problem(f"post {item.id}: its featured image {attachment} is not in the export")
            return None
        path = unquote(urlsplit(url).path)
        for marker in ("/wp-content/uploads/", "/files/"):
            if marker in path:
                path = path.split(marker, 1)[1]
                break
        data = self._uploaded(path)
        if data is None and self.fetch_images:
            try:
                data = fetch_image(url, self.site)
            except FetchRefused as refused:
                self.report.problem(f"post {item.id}: featured image not fetched: {refused}")
                return None
        if data is None:
            if self.uploads is None:
                self.report.problem(
                    f"post {item.id}: featured image {url} not taken (no --uploads folder, no --fetch-images)"
                )
            else:
                self.report.problem(f"post {item.id}: featured image file missing: {path}")
            return None
        try:
            upload = SimpleUploadedFile(posixpath.basename(path) or "image", data)
            return images.clean_upload(upload)
        except ValidationError as error:
            self.report.problem(f"post {item.id}: featured image {path} refused: {' '.join(error.messages)}")
            return None

    def _uploaded(self, path):
        """The bytes of ``path`` in the ``--uploads`` copy, or None (no copy, or not in it)."""
        if self.uploads is None:
            return None
        local = (self.uploads / path.lstrip("/")).resolve()
        if self.uploads.resolve() not in local.parents or not local.is_file():
            return None
        return local.read_bytes()

    def _comments(self, item, article):
        """The post's comments, parents before their replies. What the export holds unchanged is
        read in one query (their records, then their rows); the new ones are written a level of
        the threads at a time (``bulk_create``), as ``Comment.save()`` would have made them:
        fingerprint, thread and depth set, nobody e-mailed, the article's comments made stale
        once."""
        kept = []
        for comment in item.comments:
            status = COMMENT_STATUSES.get(comment.approved)
            if status is None:
                self.report.skip("comments", f"“{comment.approved or 'unknown'}” ones (spam, trash)")
            else:
                kept.append((comment, status))
        if not kept:
            return
        known = {
            record.source_id: record
            for record in ImportedObject.objects.filter(
                site=self.site,
                kind="comment",
                source_id__in=[f"{item.id}:{comment.id}" for comment, _ in kept],
            )
        }
        rows = Comment.objects.in_bulk([record.object_id for record in known.values()])
        levels = self._comment_levels([comment for comment, _status in kept])
        made, written = {}, False
        for level in sorted({levels[comment.id] for comment, _status in kept}):
            new = []
            for comment, status in sorted(kept, key=lambda pair: pair[0].id):
                if levels[comment.id] != level:
                    continue
                source_id = f"{item.id}:{comment.id}"
                fingerprint, record = _fingerprint(comment), known.get(source_id)
                existing = rows.get(record.object_id) if record else None
                if existing is not None and record.fingerprint == fingerprint:
                    made[comment.id] = existing
                    self.report.count("comments", "unchanged")
                    continue
                row = existing or Comment(article=article)
                row.parent = made.get(comment.parent)
                row.name = (comment.author or "—")[:60]
                row.email = comment.email[:254] or "imported@invalid"
                row.body = strip_tags(comment.content).strip() or "—"
                row.status = status
                row.language = self.language
                row.created_at = _date(comment.date_gmt) or article.published_at
                row.approved_at = row.created_at if status == Comment.Status.APPROVED else None
                made[comment.id] = row
                written = True
                if existing is not None:
                    # Imported as it was: approving it here is no news to anyone (no reply e-mails).
                    row._loaded_status = status
                    row.save()
                    self._remember("comment", source_id, row, fingerprint, record)
                    self.report.count("comments", "updated")
                    continue
                row.fingerprint = body_fingerprint(row.body)
                if row.parent is not None:
                    row.thread_id = row.parent.thread_id or row.parent.pk
                    row.depth = row.parent.depth + 1
                new.append((source_id, fingerprint, row))
            if new:
                Comment.objects.bulk_create([row for _source_id, _fingerprint, row in new])
                ImportedObject.objects.bulk_create(
                    ImportedObject(
                        site=self.site,
                        kind="comment",
                        source_id=source_id,
                        object_id=row.pk,
                        fingerprint=fingerprint,
                    )
                    for source_id, fingerprint, row in new
                )
                self.report.counts["comments", "imported"] += len(new)
        if written:
            invalidate(comments_tag(article.pk))

    @staticmethod
    def _comment_levels(comments):
        """``{comment id: depth in its thread}`` among ``comments`` (a reply to a comment not
        among them, left out as spam, starts a thread of its own)."""
        parents = {comment.id: comment.parent for comment in comments}
        levels = {}
        for comment in comments:
            chain, current = [], comment.id
            while current in parents and current not in levels and current not in chain:
                chain.append(current)
                current = parents[current]
            depth = levels.get(current, -1)
            for number in reversed(chain):
                depth += 1
                levels[number] = depth
        return levels

    # --- the whole export ----------------------------------------------------------------------

    def run(self, source):
        """Import the export read from ``source``, ``BATCH`` records to a transaction: one commit
        per batch, not per object (each object still in a savepoint of its own, so a refused post
        leaves nothing of it). The records of a batch are read before its transaction opens: a
        file cut in the middle of one still leaves every record before the cut imported, whole."""
        handlers = {"author": self.author, "category": self.category, "tag": self.tag, "item": self.item}
        records = read(source)
        while True:
            batch, error = [], None
            try:
                for record in records:
                    batch.append(record)
                    if len(batch) >= BATCH:
                        break
            except ExportError as cut:
                error = cut
            with transaction.atomic():
                for kind, record in batch:
                    if kind == "site":
                        self.site_record(record)
                    elif kind in handlers:
                        handlers[kind](record)
            if error is not None:
                raise error
            if len(batch) < BATCH:
                return self.report
