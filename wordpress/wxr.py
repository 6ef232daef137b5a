"""Reading a WordPress eXtended RSS export (WXR 1.0 to 1.2) as a stream of plain records.

Exports of news sites reach gigabytes: the file is parsed incrementally and each element is
dropped once read, so memory stays flat whatever its size. The parser refuses entity
declarations (defusedxml): an export has none, and a crafted one cannot expand or read files.
A file that is not well-formed (cut off, damaged) raises ``ExportError`` naming the line and
column, after the records before that point were handed out.
"""

from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse


class ExportError(Exception):
    """The export cannot be read on from here; the message says where and why."""


@dataclass
class Comment:
    id: int
    parent: int
    author: str
    email: str
    url: str
    date_gmt: str
    content: str
    approved: str  # "1" approved, "0" pending, "spam", "trash"


@dataclass
class Item:
    """A post, page or attachment (``post_type``), with what the importer needs of it."""

    id: int
    post_type: str
    title: str
    link: str
    creator: str
    content: str
    excerpt: str
    slug: str
    status: str
    date_gmt: str
    modified_gmt: str
    parent: int
    comment_status: str
    attachment_url: str = ""
    categories: list = field(default_factory=list)  # nicenames
    tags: list = field(default_factory=list)  # nicenames
    meta: dict = field(default_factory=dict)  # postmeta: key -> last value
    old_slugs: list = field(default_factory=list)  # _wp_old_slug values
    comments: list = field(default_factory=list)


def _local(tag):
    """``{namespace}name`` -> ``(kind, name)``: kind is "wp", "content", "excerpt", "dc" or ""."""
    if not tag.startswith("{"):
        return "", tag
    namespace, name = tag[1:].split("}", 1)
    if "wordpress.org/export/" in namespace:
        return ("excerpt" if namespace.rstrip("/").endswith("excerpt") else "wp"), name
    if "purl.org/rss/1.0/modules/content" in namespace:
        return "content", name
    if "purl.org/dc/elements" in namespace:
        return "dc", name
    return "other", name


def _children(element):
    """``{(kind, name): text}`` of the element's direct children (the last one of a name)."""
    return {_local(child.tag): (child.text or "").strip() for child in element}


def _text_of(element, wanted):
    """The text of ``element``'s child ``wanted``, untouched (content keeps its blank lines)."""
    return next((child.text or "" for child in element if _local(child.tag) == wanted), "")


def _number(value):
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _item(element):
    fields = _children(element)
    item = Item(
        id=_number(fields.get(("wp", "post_id"))),
        post_type=fields.get(("wp", "post_type"), ""),
        title=fields.get(("", "title"), ""),
        link=fields.get(("", "link"), ""),
        creator=fields.get(("dc", "creator"), ""),
        content=next(
            (child.text or "" for child in element if _local(child.tag) == ("content", "encoded")), ""
        ),
        excerpt=fields.get(("excerpt", "encoded"), ""),
        slug=fields.get(("wp", "post_name"), ""),
        status=fields.get(("wp", "status"), ""),
        date_gmt=fields.get(("wp", "post_date_gmt"), "") or fields.get(("wp", "post_date"), ""),
        modified_gmt=fields.get(("wp", "post_modified_gmt"), ""),
        parent=_number(fields.get(("wp", "post_parent"))),
        comment_status=fields.get(("wp", "comment_status"), ""),
        attachment_url=fields.get(("wp", "attachment_url"), ""),
    )
    for child in element:
        kind, name = _local(child.tag)
        if (kind, name) == ("", "category"):
            target = item.categories if child.get("domain") == "category" else item.tags
            if child.get("domain") in {"category", "post_tag"}:
                target.append(child.get("nicename") or (child.text or "").strip())
        elif (kind, name) == ("wp", "postmeta"):
            meta = _children(child)
            key, value = meta.get(("wp", "meta_key"), ""), meta.get(("wp", "meta_value"), "")
            if key == "_wp_old_slug":
                item.old_slugs.append(value)
            item.meta[key] = value
        elif (kind, name) == ("wp", "comment"):
            comment = _children(child)
            item.comments.append(
                Comment(
                    id=_number(comment.get(("wp", "comment_id"))),
                    parent=_number(comment.get(("wp", "comment_parent"))),
                    author=comment.get(("wp", "comment_author"), ""),
                    email=comment.get(("wp", "comment_author_email"), ""),
                    url=comment.get(("wp", "comment_author_url"), ""),
                    date_gmt=comment.get(("wp", "comment_date_gmt"), "")
                    or comment.get(("wp", "comment_date"), ""),
                    content=next(
                        (c.text or "" for c in child if _local(c.tag) == ("wp", "comment_content")), ""
                    ),
                    approved=comment.get(("wp", "comment_approved"), ""),
                )
            )
    return item


# The channel's own fields the importer reads: the old site's addresses, title and language.
SITE_FIELDS = {("wp", "base_site_url"), ("wp", "base_blog_url"), ("wp", "wxr_version")}
SITE_FIELDS |= {("", "link"), ("", "title"), ("", "language")}
TERMS = {"author", "category", "tag", "term"}


def read(source):
    """Yield ``(kind, record)`` from the export at ``source`` (a path or a binary file):
    ``("site", {...})`` once, then ``("author" | "category" | "tag", {...})`` and
    ``("item", Item)`` in file order."""
    site, site_sent, depth, channel = {}, False, 0, None
    try:
        for event, element in iterparse(source, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if depth == 2:
                    channel = element
                continue
            depth -= 1
            kind, name = _local(element.tag)
            if depth == 2 and (kind, name) in SITE_FIELDS:
                site[name] = (element.text or "").strip()
            elif depth == 2 and kind == "wp" and name in TERMS:
                if not site_sent:
                    site_sent = True
                    yield "site", dict(site)
                record = {name_: value for (_kind, name_), value in _children(element).items()}
                yield (
                    ("category" if name == "term" and record.get("term_taxonomy") == "category" else name),
                    record,
                )
                channel.clear()  # what was read is dropped: memory stays flat
            elif depth == 2 and (kind, name) == ("", "item"):
                if not site_sent:
                    site_sent = True
                    yield "site", dict(site)
                yield "item", _item(element)
                channel.clear()
    except ParseError as error:
        line, column = error.position
        raise ExportError(f"the export is not well-formed XML at line {line}, column {column + 1}") from None
    except DefusedXmlException as error:
        raise ExportError(
            f"the export declares entities or a DTD, which an export never does ({error})"
        ) from None
    if not site_sent:
        if not site:
            raise ExportError("this is not a WordPress export: it has no channel, authors or posts")
        yield "site", dict(site)
