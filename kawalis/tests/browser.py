"""Pytest plugin for browser tests: Debian's headless Chromium, driven by Playwright, against the
live server of the test run. Loaded by the root conftest.py, so every app's tests can use it.

Fixtures: ``browser`` (one Chromium for the whole session), ``page`` (a fresh context per test,
1280x900, that records every request it makes in ``page_requests``). Helpers:
``save_screenshot(page, name)``, ``serious_axe_violations(page)``, ``unlabelled_form_fields(page)``.

Mark browser tests ``@pytest.mark.browser``. They run after all the other tests: they use the
live server, whose transactional database is emptied after each test, and Playwright's event loop
would otherwise hide Django's async-safety check from the tests that follow (see ``browser``).
"""

import os
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

# Flags for a headless Chromium on a server or in CI: no sandbox (root, containers), no GPU, and
# nothing that phones home, so that the only traffic is the test's own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def chromium_path():
    """The Chromium to drive: $CHROMIUM_PATH, else Debian's (apt-get install chromium)."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def pytest_collection_modifyitems(config, items):
    # Stable sort: browser tests last, each group in its collected order.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session", autouse=True)
def _live_server_speaks_plain_http():
    """The live server (http://localhost) must not redirect to https nor ask for secure cookies.

    Its middleware reads these settings once, when the session-wide server starts, before any
    test's ``settings`` fixture could change them; so they are set here, for the session, and
    tests that check the HTTPS headers turn them back on with ``settings`` as before.
    """
    from django.test.utils import override_settings

    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        SECURE_HSTS_SECONDS=0,
    ):
        yield


@pytest.fixture(scope="session", autouse=True)
def _migrated_groups(request):
    """The staff groups as the migrations made them, noted before any browser test runs.

    A transactional test (every test on the live server) ends by emptying the database, groups
    included; ``browser_editor`` puts them back from this note (permissions by natural key).
    """
    if not any(item.get_closest_marker("browser") for item in request.session.items):
        return {}
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        from django.contrib.auth.models import Group

        return {
            group.name: list(
                group.permissions.values_list("codename", "content_type__app_label", "content_type__model")
            )
            for group in Group.objects.all()
        }


class RequestsInFlight:
    """Counts the requests the live server is answering, from Django's request signals."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    def started(self, **kwargs):
        with self.lock:
            self.count += 1

    def finished(self, **kwargs):
        with self.lock:
            self.count -= 1

    def wait_until_idle(self, timeout=10.0, quiet=0.1):
        """Return once no request has been in flight for ``quiet`` seconds (or at ``timeout``)."""
        deadline = time.monotonic() + timeout
        calm_since = None
        while time.monotonic() < deadline:
            if self.count > 0:
                calm_since = None
            elif calm_since is None:
                calm_since = time.monotonic()
            elif time.monotonic() - calm_since >= quiet:
                return True
            time.sleep(0.01)
        return False


@pytest.fixture(autouse=True)
def _live_server_idle_before_flush(request):
    """A test on the live server ends only once the server has answered every request.

    A page closed in the middle of its autosave or presence call leaves the live server's thread
    still writing; the database would then be emptied under it ("couldn't be flushed") and the
    next test would find this one's rows. This fixture starts after the transactional database
    and so ends before it is flushed, after the test's pages are closed.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    from django.core.signals import request_finished, request_started

    in_flight = RequestsInFlight()
    request_started.connect(in_flight.started, dispatch_uid="browser-in-flight-started")
    request_finished.connect(in_flight.finished, dispatch_uid="browser-in-flight-finished")
    try:
        yield
        in_flight.wait_until_idle()
    finally:
        request_started.disconnect(dispatch_uid="browser-in-flight-started")
        request_finished.disconnect(dispatch_uid="browser-in-flight-finished")


@pytest.fixture
def browser_editor(transactional_db, _migrated_groups):
    """A staff user in the migrations' Editor group: ``(user, password)``."""
    from django.contrib.auth.models import Group, Permission, User

    for name, permissions in _migrated_groups.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set([Permission.objects.get_by_natural_key(*key) for key in permissions])
    password = "editor-pass-123"
    user = User.objects.create_user("editor", "editor@example.com", password, is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user, password


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run; each test gets its own context (``page``)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium: install it with `apt-get install chromium` (scripts/test does, as root)")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (requirements-dev.txt)")

    # Playwright's sync API runs an asyncio loop in this thread; Django then believes every ORM
    # call of the test comes from async code and refuses it. The tests' own ORM calls are
    # synchronous, so the check is switched off while the browser lives (browser tests run last).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Error as error:
            pytest.skip(f"Chromium at {executable} does not start: {error.message.splitlines()[0]}")
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page_requests():
    """Every URL the test's page requested, in order (filled by the ``page`` fixture)."""
    return []


@pytest.fixture
def page(browser, live_server, page_requests):
    """A fresh browser context and page at 1280x900, requests recorded in ``page_requests``.

    The live server's database is transactional and emptied after every test, rows written by
    data migrations (groups) included: a test that needs them creates them.
    """
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("request", lambda request: page_requests.append(request.url))
    yield page
    context.close()


def foreign_requests(requests, live_server_url):
    """The requested URLs that did not go to the test server (data: URLs are not requests)."""
    own = urlsplit(live_server_url).netloc
    return [url for url in requests if not url.startswith("data:") and urlsplit(url).netloc != own]


def save_screenshot(page, name):
    """Write a full-page PNG to test-artifacts/screenshots/NAME.png (kept by CI) and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # A full-page picture shows what lies below the fold: load the lazy images first.
    page.evaluate(
        """() => Promise.all([...document.images].map(image => {
            image.loading = 'eager';
            return image.decode().catch(() => null);
        }))"""
    )
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_axe_violations(page):
    """axe-core's serious and critical violations on the page, as readable lines.

    axe-core comes from the pinned axe-playwright-python package (requirements-dev.txt), which
    ships axe.min.js; it is evaluated in the page (not injected as a <script>, so a strict
    Content-Security-Policy does not get in the way).
    """
    from axe_playwright_python.base import AXE_SCRIPT

    page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def unlabelled_form_fields(page):
    """Visible form fields that have no accessible label (label element, aria-label(ledby), title)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(field => !['hidden', 'submit', 'button', 'reset', 'image'].includes(field.type))
            .filter(field => field.offsetParent !== null || field.getClientRects().length > 0)
            .filter(field => !(field.labels && field.labels.length)
                && !field.getAttribute('aria-label') && !field.getAttribute('aria-labelledby')
                && !field.getAttribute('title'))
            .map(field => field.outerHTML.slice(0, 120))"""
    )


# --- The newsroom the browser tests look at ----------------------------------------------------

SEED_TITLE_FR = (
    "À la conférence d'Interpol à Glasgow, Hammouchi réaffirme l'engagement du Maroc pour la "
    "sécurité internationale et Marrakech se prépare à accueillir la prochaine session"
)
SEED_BODY_FR = (
    "<p>Le directeur général de la Sûreté nationale et de la Surveillance du territoire, "
    "M. Abdellatif Hammouchi, a pris part, à la tête d'une délégation de haut niveau, aux travaux "
    "de la 92e session de l'Assemblée générale de l'Organisation internationale de police "
    "criminelle « Interpol », tenue à Glasgow, en Écosse, du 4 au 7 novembre.</p>"
    "<p>Cette session a réuni les chefs des services de sécurité de 177 des 196 pays membres "
    "d'Interpol, ainsi que plusieurs organisations internationales et régionales.</p>"
)


def news_photo(width=960, height=540, hue=0):
    """JPEG bytes that look like a news photo placeholder: a sky gradient and a city skyline."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    tints = [(1, 5, 8), (8, 5, 3), (3, 7, 5), (7, 4, 6)]
    red, green, blue = tints[hue % len(tints)]
    for y in range(height):
        shade = int(70 + 120 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade * red // 8, shade * green // 8, shade * blue // 8))
    step = width // 12
    for index, x in enumerate(range(0, width, step)):
        top = height // 2 + (index * 37 + hue * 23) % (height // 4)
        draw.rectangle([x + step // 10, top, x + step - step // 10, height], fill=(30, 34, 48))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture
def newsroom(transactional_db):
    """The demo newsroom as readers see it; returns the seed article.

    ``load_demo``'s seed article (translated to French here, with a photo and two comments), demo
    stories with photos, view counts for "most read" and a breaking-news line.
    """
    import io
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.utils import timezone

    from articles.demo import content
    from articles.models import Article, BreakingNews
    from articles.popularity import buffer_view, flush_view_counts
    from comments.models import Comment

    call_command("load_demo", stdout=io.StringIO())
    seed = Article.objects.get(title_ar=content.read_seed()[0])
    seed.title_fr = SEED_TITLE_FR
    seed.body_fr = SEED_BODY_FR
    seed.image_caption_ar = "صورة توضيحية"
    seed.image_caption_fr = "Image d'illustration"
    seed.image.save("seed.jpg", ContentFile(news_photo()), save=False)
    seed.save()
    others = list(Article.objects.exclude(pk=seed.pk))
    for hue, article in enumerate(others[:6], start=1):
        article.image.save(f"demo-{hue}.jpg", ContentFile(news_photo(480, 270, hue)), save=True)
    for views, article in enumerate([seed, *others[:4]][::-1], start=3):
        buffer_view(article.pk, views)
    flush_view_counts()
    BreakingNews.objects.create(article=seed, expires_at=timezone.now() + timedelta(hours=2))
    first = Comment.objects.create(
        article=seed,
        name="سعاد",
        email="souad@example.com",
        body="خطوة مهمة تعكس الثقة الدولية في المقاربة الأمنية المغربية.",
        status=Comment.Status.APPROVED,
    )
    Comment.objects.create(
        article=seed,
        parent=first,
        name="Karim",
        email="karim@example.com",
        body="متفق، وننتظر دورة مراكش بفارغ الصبر.",
        status=Comment.Status.APPROVED,
    )
    return seed
