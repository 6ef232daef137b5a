"""The e-mail itself: a mailing rendered once per language, then one MIME message per reader.

``render_mailing()`` turns a mailing into the subject, text and HTML of one language (the
``newsletter/email/`` templates), with a stand-in for the reader's unsubscribe link
(``UNSUBSCRIBE_PLACEHOLDER``) so that one body serves every reader of that language.
``MailingRenderer`` keeps a few bodies while a run sends, and ``MessageTemplate`` serialises a
body's MIME message once and puts each reader's own values into the bytes. ``build_message()``
builds one reader's message the ordinary way (test copies, and bodies the template cannot
hold); ``envelope_sender()`` is the ``MAIL FROM`` address.
"""

import dataclasses
import re
from email.utils import formatdate, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import DNS_NAME, sanitize_address
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

from articles import images
from articles.arabic import newsroom_date

from .digests import articles_for, digest_period
from .models import Mailing, absolute_url

# Stands in for each reader's own link in a body rendered once per language.
UNSUBSCRIBE_PLACEHOLDER = "https://unsubscribe.invalid/__subscriber__/"
# The e-mail's column: the 600 px layout less its 24 px padding each side (newsletter/email/).
EMAIL_IMAGE_WIDTH = 552


@dataclasses.dataclass
class RenderedBody:
    subject: str
    text: str
    html: str


class MailingRenderer:
    """Renders each mailing once per (language, article selection), then fills in the reader."""

    def __init__(self, cache_size=64):
        self.cache = {}
        self.cache_size = cache_size

    def message_for(self, mailing, subscriber):
        """The message for this subscriber (a ``MessageTemplate``, built once per body: call
        ``fill(subscriber)`` for the bytes), or None when a digest has nothing for them."""
        language = subscriber.language
        if mailing.kind == Mailing.Kind.DIGEST:
            since = subscriber.last_digest_at or (mailing.covers_until - digest_period())
            key = (mailing.pk, language, since)
        else:
            since = None
            key = (mailing.pk, language)
        if key not in self.cache:
            if len(self.cache) >= self.cache_size:
                self.cache.pop(next(iter(self.cache)))
            body = render_mailing(mailing, language, since)
            self.cache[key] = MessageTemplate(body) if body is not None else None
        return self.cache[key]


def _image_for_email(article):
    """The article's ``<img>`` in the e-mail: one JPEG rendition (mail clients may not read WebP
    or srcset) at least as wide as the column. Most mail is read on phones, where the column is
    some 350 CSS pixels wide: the 640 px rendition gives about two pixels per CSS pixel there and
    one on a desktop. An image is never shown wider than its file."""
    url, width, height = images.jpeg_rendition(article, EMAIL_IMAGE_WIDTH)
    if url is None:
        return {"image_url": "", "image_width": None, "image_height": None}
    shown = min(width or EMAIL_IMAGE_WIDTH, EMAIL_IMAGE_WIDTH)
    return {
        "image_url": absolute_url(url),
        "image_width": shown,
        "image_height": images.rendition_height(width, height, shown) if width and height else None,
    }


def render_mailing(mailing, language, since=None, unsubscribe_url=UNSUBSCRIBE_PLACEHOLDER):
    """Subject, text and HTML of ``mailing`` for one language (None: an empty digest)."""
    with translation.override(language):
        articles = articles_for(mailing, language, since)
        if mailing.kind == Mailing.Kind.DIGEST and not articles:
            return None
        items = [
            {
                "title": article.title,
                "summary": article.summary,
                "url": absolute_url(article.get_absolute_url()),
                **_image_for_email(article),
                "image_alt": article.image_description or article.title,
                "category": article.category.name,
                "date": newsroom_date(article.published_at, language, with_time=False),
                "fallback": not article.has_language(language),
            }
            for article in articles
        ]
        context = {
            "mailing": mailing,
            "is_digest": mailing.kind == Mailing.Kind.DIGEST,
            # linebreaks() escapes the editor's plain text itself before adding <p> and <br>.
            "intro_html": mark_safe(linebreaks(mailing.intro, autoescape=True)),
            "intro_text": mailing.intro,
            "items": items,
            "unsubscribe_url": unsubscribe_url,
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
            "LANGUAGE_CODE": language,
            "LANGUAGE_DIR": "rtl" if translation.get_language_bidi() else "ltr",
            "ARABIC_DIR": "rtl",
        }
        if mailing.kind == Mailing.Kind.DIGEST:
            context["date"] = newsroom_date(mailing.covers_until, language, with_time=False)
            subject = render_to_string("newsletter/email/digest_subject.txt", context)
        else:
            subject = mailing.subject
        context["subject"] = " ".join(subject.split())
        return RenderedBody(
            subject=context["subject"],
            text=render_to_string("newsletter/email/mailing.txt", context),
            html=render_to_string("newsletter/email/mailing.html", context),
        )


# An RFC 5322 dot-atom before the "@" and a plain ASCII domain after it: nothing to quote or
# encode, so sanitize_address() gives such an address back as it is.
PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*"
)


def recipient_address(email):
    """``email`` as the To header and ``RCPT TO`` take it: ``sanitize_address(email, "utf-8")``,
    whose parser (a third of a millisecond a message) only runs for an address that needs it."""
    if PLAIN_ADDRESS.fullmatch(email):
        return email
    return sanitize_address(email, "utf-8")


def envelope_sender():
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def build_message(
    subscriber, body, subject_prefix="", *, to=None, page_url=None, one_click_url=None, headers=()
):
    """The full e-mail for one subscriber (an ``EmailMultiAlternatives``).

    ``to``, ``page_url`` and ``one_click_url`` replace the subscriber's own values (for
    ``MessageTemplate``'s stand-ins); ``headers`` are added.
    """
    page_url = page_url or subscriber.unsubscribe_url()
    one_click_url = one_click_url or subscriber.one_click_unsubscribe_url()
    message = EmailMultiAlternatives(
        subject=f"{subject_prefix}{body.subject}",
        body=body.text.replace(UNSUBSCRIBE_PLACEHOLDER, page_url),
        to=[to or sanitize_address(subscriber.email, "utf-8")],
        headers={
            # RFC 2369 and RFC 8058: mailbox providers show an "unsubscribe" button that POSTs here.
            "List-Unsubscribe": f"<{one_click_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"<newsletter.{settings.SITE_URL.split('://', 1)[-1].split('/')[0].split(':')[0]}>",
            **dict(headers),
        },
    )
    message.attach_alternative(body.html.replace(UNSUBSCRIBE_PLACEHOLDER, page_url), "text/html")
    return message


class MessageTemplate:
    """One body's MIME message, serialised once, with stand-ins where each reader differs.

    Building and serialising the MIME message was 3 of the 12 ms a message cost the sender.
    The reader's own parts are few and plain ASCII in the serialised bytes: the To address,
    the unsubscribe links (header and both bodies), the Message-ID and the Date. The message is
    built once with stand-ins for them, each checked to appear exactly where expected and the
    parts checked to be sent as they are (not quoted-printable or base64, which a body with a
    line past 998 characters needs), and each reader's bytes are the template with their
    values put in. If a check fails, every message of that body is built
    in full instead: slower, never wrong.
    """

    TO = "reader@placeholder.invalid"
    ONE_CLICK = "https://one-click.invalid/reader/"
    DATE = "Kawalis-Date-Placeholder"
    MESSAGE_ID = "<kawalis-message-id@placeholder.invalid>"
    TOKEN = "kawalis-token-placeholder"  # noqa: S105 (a stand-in, not a secret)

    def __init__(self, body):
        self.body = body
        self.links = None
        stand_in = build_message(
            None,
            body,
            to=self.TO,
            page_url=UNSUBSCRIBE_PLACEHOLDER,
            one_click_url=self.ONE_CLICK,
            headers={"Date": self.DATE, "Message-ID": self.MESSAGE_ID},
        )
        data = stand_in.message().as_bytes(linesep="\r\n")
        expected = {self.TO: 1, self.ONE_CLICK: 1, self.DATE: 1, self.MESSAGE_ID: 1}
        found = {value: data.count(value.encode()) for value in expected}
        pages = data.count(UNSUBSCRIBE_PLACEHOLDER.encode())
        # Only 8-bit or 7-bit parts: in a quoted-printable or base64 part a longer value put in
        # afterwards would break the encoding's own rules (76-character lines).
        encoded = (
            b"Content-Transfer-Encoding: quoted-printable" in data
            or b"Content-Transfer-Encoding: base64" in data
        )
        self.data = data if found == expected and pages >= 2 and not encoded else None

    def fill(self, subscriber, recipient):
        """The reader's message as bytes; ``recipient`` is their address as ``recipient_address()``
        gives it (the sender has it already, for ``RCPT TO``)."""
        if self.data is None:
            return build_message(subscriber, self.body, to=recipient).message().as_bytes(linesep="\r\n")
        # Both links carry the same signed token; each link's URL is reversed once per body (all
        # its readers share its language) and the token put in, which is what reverse() would
        # give: a token's characters (URL-safe base64 and ":") are never quoted.
        token = subscriber.unsubscribe_token()
        if self.links is None:
            self.links = (
                subscriber.one_click_unsubscribe_url(self.TOKEN),
                subscriber.unsubscribe_url(self.TOKEN),
            )
        one_click, page = (link.replace(self.TOKEN, token) for link in self.links)
        return (
            self.data.replace(self.TO.encode(), recipient.encode(), 1)
            .replace(self.ONE_CLICK.encode(), one_click.encode(), 1)
            .replace(self.DATE.encode(), formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode(), 1)
            .replace(self.MESSAGE_ID.encode(), make_msgid(domain=DNS_NAME).encode(), 1)
            .replace(UNSUBSCRIBE_PLACEHOLDER.encode(), page.encode())
        )
