"""Embeds: the one allowlist of providers whose posts and videos an article body may show.

An editor pastes a provider's address on a paragraph of its own (the editor makes it a link);
on save the sanitiser (``articles.sanitize``) turns that paragraph into a marker, the only form
of ``<figure>`` with ``data-embed`` attributes it keeps::

    <figure data-embed="youtube" data-embed-id="dQw4w9WgXcQ"><a href="https://www.youtube.com/
    watch?v=dQw4w9WgXcQ" rel="noopener noreferrer">https://www.youtube.com/watch?v=...</a></figure>

Why a stored marker rather than converting link paragraphs at render time: the body says what it
holds (the rendering, the JSON-LD and the WordPress import read the same two attributes, never
a URL again), an iframe of an allowlisted provider pasted as HTML has somewhere to go, and the
marker degrades to a plain link wherever the body is shown without the site's rendering (feeds,
the rich-text editor, which reads it back as a link paragraph and saves it as one again).

Addresses are read with the WHATWG URL parser (``ada_url``, as browsers read them) and the host
compared whole: ``youtube.com.evil.example`` or ``evil.example/youtube.com/watch`` are no
provider's. Anything not recognised here stays the link it was.
"""

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

import ada_url

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_DIGITS = re.compile(r"^[0-9]{1,25}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_USER = re.compile(r"^[A-Za-z0-9._]{1,64}$")
_FACEBOOK_PAGE = re.compile(r"^[A-Za-z0-9.\-]{1,80}$")
_FACEBOOK_POST = re.compile(r"^[A-Za-z0-9_]{1,80}$")


@dataclass(frozen=True)
class Embed:
    """One recognised post or video: its provider's key and the id that names it there."""

    provider: str
    id: str

    @property
    def spec(self):
        return PROVIDERS[self.provider]

    @property
    def url(self):
        """The original's address (the link readers follow without JavaScript)."""
        return self.spec.canonical(self.id)

    @property
    def frame_src(self):
        """The address of the provider's frame, loaded only once the reader asks for it."""
        return self.spec.frame(self.id)

    @property
    def is_video(self):
        return self.spec.is_video(self.id)


@dataclass(frozen=True)
class Provider:
    key: str
    name: str  # as readers know it (not translated: a brand)
    hosts: frozenset  # hosts of the addresses editors paste
    frame_origin: str  # the only origin its frames load from (the CSP's frame-src)
    parse: object  # parse(url: ada_url.URL) -> id or None
    canonical: object  # canonical(id) -> original's address
    frame: object  # frame(id) -> iframe src
    valid: object  # valid(id) -> bool (a marker's id, checked when the sanitiser meets one)
    is_video: object = lambda _id: True
    # What the server fetches once for the placeholder (articles/embed_fetch.py): the provider's
    # oEmbed endpoint (https, its own host; "" when it needs an app token: Facebook, Instagram)
    # and the hosts its thumbnails come from, compared by suffix ("dmcdn.net" takes
    # "s1.dmcdn.net", never "dmcdn.net.evil.example").
    oembed: str = ""
    thumbnail_hosts: frozenset = frozenset()


def _segments(url):
    return [part for part in url.pathname.split("/") if part]


def _query(url):
    return {name: values[0] for name, values in parse_qs(url.search.lstrip("?")).items()}


# --- YouTube ----------------------------------------------------------------------------------


def _youtube_id(url):
    parts = _segments(url)
    if url.hostname == "youtu.be":
        found = parts[0] if parts else None
    elif parts == ["watch"]:
        found = _query(url).get("v")
    elif len(parts) >= 2 and parts[0] in {"shorts", "embed", "live", "v"}:
        found = parts[1]
    else:
        found = None
    return found if found and _YOUTUBE_ID.match(found) else None


# --- X (Twitter) ------------------------------------------------------------------------------


def _x_id(url):
    parts = _segments(url)
    # /<user>/status/<id>, /i/status/<id>, /i/web/status/<id>
    for index, part in enumerate(parts[:-1]):
        if part in {"status", "statuses"} and _DIGITS.match(parts[index + 1]):
            return parts[index + 1]
    return None


# --- Facebook ---------------------------------------------------------------------------------
# Its ids keep the path that names the post or video, as the plugins need the original address:
# "<page>/posts/<id>", "<page>/videos/<id>", "watch/<id>" (watch?v=), "reel/<id>", "fb.watch/<code>".


def _facebook_id(url):
    parts = _segments(url)
    if url.hostname == "fb.watch":
        return f"fb.watch/{parts[0]}" if len(parts) == 1 and _CODE.match(parts[0]) else None
    if parts == ["watch"] or parts == ["watch", ""]:
        video = _query(url).get("v", "")
        return f"watch/{video}" if _DIGITS.match(video) else None
    if len(parts) == 2 and parts[0] == "reel" and _DIGITS.match(parts[1]):
        return f"reel/{parts[1]}"
    page_path = len(parts) >= 3 and parts[1] in {"posts", "videos"}
    if page_path and _FACEBOOK_PAGE.match(parts[0]) and _FACEBOOK_POST.match(parts[2]):
        return f"{parts[0]}/{parts[1]}/{parts[2]}"
    return None


def _facebook_valid(embed_id):
    if embed_id.startswith("fb.watch/"):
        return bool(_CODE.match(embed_id.removeprefix("fb.watch/")))
    parts = embed_id.split("/")
    if len(parts) == 2:
        return parts[0] in {"watch", "reel"} and bool(_DIGITS.match(parts[1]))
    return (
        len(parts) == 3
        and parts[1] in {"posts", "videos"}
        and bool(_FACEBOOK_PAGE.match(parts[0]) and _FACEBOOK_POST.match(parts[2]))
    )


def _facebook_url(embed_id):
    if embed_id.startswith("fb.watch/"):
        return f"https://{embed_id}/"
    kind, _, rest = embed_id.partition("/")
    if kind == "watch":
        return f"https://www.facebook.com/watch/?v={rest}"
    return f"https://www.facebook.com/{embed_id}"


def _facebook_is_video(embed_id):
    return "/posts/" not in embed_id


def _facebook_frame(embed_id):
    plugin = "video" if _facebook_is_video(embed_id) else "post"
    return f"https://www.facebook.com/plugins/{plugin}.php?href={quote(_facebook_url(embed_id), safe='')}"


# --- Instagram, TikTok, Dailymotion -----------------------------------------------------------


def _instagram_id(url):
    parts = _segments(url)
    if len(parts) >= 2 and parts[0] in {"p", "reel", "tv"} and _CODE.match(parts[1]):
        return f"{'reel' if parts[0] == 'reel' else 'p'}/{parts[1]}"
    return None


def _instagram_valid(embed_id):
    kind, _, code = embed_id.partition("/")
    return kind in {"p", "reel"} and bool(_CODE.match(code))


def _tiktok_id(url):
    parts = _segments(url)
    if len(parts) >= 3 and parts[0].startswith("@") and parts[1] == "video" and _DIGITS.match(parts[2]):
        user = parts[0][1:]
        return f"{user}/{parts[2]}" if _USER.match(user) else None
    return None


def _tiktok_valid(embed_id):
    user, _, video = embed_id.partition("/")
    return bool(_USER.match(user) and _DIGITS.match(video))


def _dailymotion_id(url):
    parts = _segments(url)
    if url.hostname == "dai.ly":
        found = parts[0] if len(parts) == 1 else None
    elif len(parts) >= 2 and parts[0] == "video":
        found = parts[1]
    elif len(parts) >= 3 and parts[:2] == ["embed", "video"]:
        found = parts[2]
    else:
        found = None
    if found:
        found = found.split("_")[0]  # /video/x8abc12_the-title-slug
    return found if found and re.match(r"^[A-Za-z0-9]{1,20}$", found) else None


PROVIDERS = {
    provider.key: provider
    for provider in [
        Provider(
            key="youtube",
            name="YouTube",
            hosts=frozenset(
                {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}
                | {"youtube-nocookie.com", "www.youtube-nocookie.com"}
            ),
            # The privacy-enhanced mode: no cookie until the reader plays the video.
            frame_origin="https://www.youtube-nocookie.com",
            parse=_youtube_id,
            canonical=lambda id: f"https://www.youtube.com/watch?v={id}",
            frame=lambda id: f"https://www.youtube-nocookie.com/embed/{id}?autoplay=1",
            valid=lambda id: bool(_YOUTUBE_ID.match(id)),
            oembed="https://www.youtube.com/oembed?format=json&url=",
            thumbnail_hosts=frozenset({"i.ytimg.com", "i9.ytimg.com"}),
        ),
        Provider(
            key="x",
            name="X",
            hosts=frozenset(
                {"x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"}
            ),
            frame_origin="https://platform.twitter.com",
            parse=_x_id,
            canonical=lambda id: f"https://x.com/i/status/{id}",
            frame=lambda id: f"https://platform.twitter.com/embed/Tweet.html?id={id}",
            valid=lambda id: bool(_DIGITS.match(id)),
            is_video=lambda _id: False,
            oembed="https://publish.twitter.com/oembed?omit_script=1&url=",  # a title only (the author)
        ),
        Provider(
            key="facebook",
            name="Facebook",
            hosts=frozenset(
                {"facebook.com", "www.facebook.com", "m.facebook.com", "web.facebook.com", "fb.watch"}
            ),
            frame_origin="https://www.facebook.com",
            parse=_facebook_id,
            canonical=_facebook_url,
            frame=_facebook_frame,
            valid=_facebook_valid,
            is_video=_facebook_is_video,
        ),
        Provider(
            key="instagram",
            name="Instagram",
            hosts=frozenset({"instagram.com", "www.instagram.com"}),
            frame_origin="https://www.instagram.com",
            parse=_instagram_id,
            canonical=lambda id: f"https://www.instagram.com/{id}/",
            frame=lambda id: f"https://www.instagram.com/{id}/embed/",
            valid=_instagram_valid,
            is_video=lambda _id: False,
        ),
        Provider(
            key="tiktok",
            name="TikTok",
            hosts=frozenset({"tiktok.com", "www.tiktok.com", "m.tiktok.com"}),
            frame_origin="https://www.tiktok.com",
            parse=_tiktok_id,
            canonical=lambda id: "https://www.tiktok.com/@{}/video/{}".format(*id.split("/")),
            frame=lambda id: f"https://www.tiktok.com/embed/v2/{id.split('/')[1]}",
            valid=_tiktok_valid,
            oembed="https://www.tiktok.com/oembed?url=",
            thumbnail_hosts=frozenset({"tiktokcdn.com", "tiktokcdn-us.com"}),
        ),
        Provider(
            key="dailymotion",
            name="Dailymotion",
            hosts=frozenset({"dailymotion.com", "www.dailymotion.com", "dai.ly"}),
            frame_origin="https://www.dailymotion.com",
            parse=_dailymotion_id,
            canonical=lambda id: f"https://www.dailymotion.com/video/{id}",
            frame=lambda id: f"https://www.dailymotion.com/embed/video/{id}?autoplay=1",
            valid=lambda id: bool(re.match(r"^[A-Za-z0-9]{1,20}$", id)),
            oembed="https://www.dailymotion.com/services/oembed?format=json&url=",
            thumbnail_hosts=frozenset({"dmcdn.net"}),
        ),
    ]
}
_BY_HOST = {host: provider for provider in PROVIDERS.values() for host in provider.hosts}


def frame_origins():
    """Every origin a provider's frame loads from: what the CSP's frame-src must name, exactly."""
    return sorted({provider.frame_origin for provider in PROVIDERS.values()})


def embed_for_url(address):
    """The ``Embed`` that ``address`` names, or None when it is no allowlisted provider's."""
    try:
        url = ada_url.URL((address or "").strip())
    except ValueError:
        return None
    if url.protocol not in {"https:", "http:"} or url.username or url.password or url.port:
        return None
    provider = _BY_HOST.get(url.hostname.lower())
    if provider is None:
        return None
    found = provider.parse(url)
    return Embed(provider.key, found) if found else None


def embed_for_marker(provider_key, embed_id):
    """The ``Embed`` a stored marker names, or None when its provider or id is not a valid one."""
    provider = PROVIDERS.get(provider_key or "")
    if provider is None or not embed_id or not provider.valid(embed_id):
        return None
    return Embed(provider.key, embed_id)


def marker_html(embed):
    """The stored form of ``embed`` in a body (the only ``<figure data-embed>`` the sanitiser keeps)."""
    url = html.escape(embed.url, quote=True)
    return (
        f'<figure data-embed="{embed.provider}" data-embed-id="{html.escape(embed.id, quote=True)}">'
        f'<a href="{url}" rel="noopener noreferrer">{url}</a></figure>'
    )


# On the sanitiser's output (ammonia's serialisation: attributes double-quoted and escaped, "<"
# in text always "&lt;"), so these patterns read markup that is already well formed.
_LINK_PARAGRAPH = re.compile(
    r'<p(?:\s[^>]*)?>\s*(?:<a href="([^"]*)"[^>]*>([^<]*)</a>|(https?://[^\s<]+))\s*</p>'
)
_MARKER = re.compile(r"<figure((?:\s[^>]*)?\sdata-embed(?:-id)?=[^>]*)>(.*?)</figure>", re.DOTALL)
_ATTRIBUTE = re.compile(r'\s([\w-]+)="([^"]*)"')


def _link_paragraph(match):
    href, text, bare = match.groups()
    address = html.unescape(href if href is not None else bare)
    if href is not None and html.unescape(text).strip().rstrip("/") != address.strip().rstrip("/"):
        return match.group(0)  # a link with words of its own ("watch the speech") stays a link
    found = embed_for_url(address)
    return marker_html(found) if found else match.group(0)


def _marker(match):
    attributes = dict(_ATTRIBUTE.findall(match.group(1)))
    found = embed_for_marker(
        html.unescape(attributes.get("data-embed", "")), html.unescape(attributes.get("data-embed-id", ""))
    )
    if found:
        return marker_html(found)
    # Not a marker this site made: the figure stays, without the attributes.
    kept = "".join(
        f' {name}="{value}"'
        for name, value in _ATTRIBUTE.findall(match.group(1))
        if not name.startswith("data-")
    )
    return f"<figure{kept}>{match.group(2)}</figure>"


def markers_from_sanitised(cleaned):
    """Sanitised HTML with provider link paragraphs made markers and every marker in its one exact
    form (a marker naming no allowlisted provider or no valid id loses its attributes)."""
    if "<" not in cleaned:
        return cleaned
    cleaned = _MARKER.sub(_marker, cleaned)
    return _LINK_PARAGRAPH.sub(_link_paragraph, cleaned)


_IFRAME = re.compile(r"<iframe\b([^>]*)>(?:.*?</iframe\s*>)?", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


def _frame_embed(src):
    """The embed a provider's own frame address shows (what its "embed" button gives to paste)."""
    try:
        url = ada_url.URL(src.strip(), base="https://invalid.invalid/")
    except ValueError:
        return None
    host = url.hostname.lower()
    parts = _segments(url)
    query = _query(url)
    if host in {"www.facebook.com", "facebook.com"} and parts[:1] == ["plugins"] and query.get("href"):
        return embed_for_url(query["href"])
    if host == "platform.twitter.com" and query.get("id") and _DIGITS.match(query["id"]):
        return Embed("x", query["id"])
    if host in {"www.instagram.com", "instagram.com"}:
        return embed_for_url(f"https://www.instagram.com/{'/'.join(parts[:2])}/")
    return embed_for_url(url.href)


def iframes_as_links(raw_html):
    """Before sanitising: an allowlisted provider's ``<iframe>`` pasted as HTML becomes a link
    paragraph to what it shows (the sanitiser then makes it a marker); every other iframe is left
    for the sanitiser to remove."""
    if "<iframe" not in raw_html.lower():
        return raw_html

    def replace(match):
        src = _SRC.search(match.group(1))
        found = _frame_embed(html.unescape(next(v for v in src.groups() if v is not None))) if src else None
        if found is None:
            return match.group(0)
        url = html.escape(found.url, quote=True)
        return f'<p><a href="{url}">{url}</a></p>'

    return _IFRAME.sub(replace, raw_html)


# --- For readers --------------------------------------------------------------------------------

_STORED_MARKER = re.compile(r'<figure data-embed="([^"]*)" data-embed-id="([^"]*)">.*?</figure>', re.DOTALL)


def embeds_in(body):
    """The embeds a sanitised body holds, in order, each once."""
    found = (
        embed_for_marker(*(html.unescape(value) for value in match.groups()))
        for match in _STORED_MARKER.finditer(body or "")
    )
    return list(dict.fromkeys(embed for embed in found if embed))


def with_placeholders(body, known=None):
    """A sanitised body with each marker shown as the site's own placeholder: the provider's name,
    a link to the original (what readers without JavaScript get) and a play / show button. The
    provider's frame is put in only when the reader clicks (static/js/embeds.js): nothing is
    requested from the provider before. Title and thumbnail show once the worker has fetched them
    (``embed_fetch``), from our database and media.

    ``known`` is what ``embed_fetch.previews`` found for a list of bodies read at once (a live
    coverage's entries); without it the body's own are read, in one query."""
    from django.template.loader import render_to_string

    from .embed_fetch import previews

    if known is None:  # what the server fetched (title, our rendition of the thumbnail)
        known = previews(embeds_in(body))

    def placeholder(match):
        embed = embed_for_marker(*(html.unescape(value) for value in match.groups()))
        if embed is None:
            return match.group(0)
        context = {"embed": embed, "provider": embed.spec.name}
        row = known.get((embed.provider, embed.id))
        if row is not None:
            context["title"] = row.title
            if row.thumbnail:
                context["thumbnail"], context["thumbnail_width"], context["thumbnail_height"] = (
                    row.thumbnail_rendition()
                )
        return render_to_string("articles/_embed.html", context)

    return _STORED_MARKER.sub(placeholder, body or "")
