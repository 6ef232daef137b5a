"""The opt-in button in a real Chromium: nothing is asked on arrival; the click asks for the
notifications permission, installs the service worker and subscribes.

Chromium refuses the Push API in a Playwright context (a fresh context is an incognito profile:
``PushManager.subscribe`` rejects with "AbortError: Registration failed - permission denied", and
even a profile on disk would need Google's push service): the first test checks what the reader
then sees, a polite message and no script error. The second stands in for that push service, and
only for it: its ``subscribe`` answers with a subscription to this test's keys, so that the page's
own code posts it to the site in a real browser request.
"""

import json

import pytest
from django.utils import translation

from alerts.models import Subscription

from .receiver import Receiver

pytestmark = pytest.mark.browser

# Playwright init scripts run before the page's own scripts and are not part of the page (the CSP
# does not apply to them). This one counts the calls that would prompt the reader, install a
# service worker or subscribe, and records CSP violations.
WATCH = """
window.__calls = {requestPermission: 0, register: 0, subscribe: 0};
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
});
const count = (owner, name) => {
  const original = owner[name];
  owner[name] = function (...args) {
    window.__calls[name] += 1;
    return original.apply(this, args);
  };
};
count(Notification, 'requestPermission');
count(ServiceWorkerContainer.prototype, 'register');
count(PushManager.prototype, 'subscribe');
"""

# The push service Chromium has not got here: a subscription to the test receiver's keys.
STAND_IN_PUSH_SERVICE = """
PushManager.prototype.subscribe = function (options) {
  window.__calls.subscribe += 1;
  window.__subscribeKeyLength = options.applicationServerKey.byteLength;
  const subscription = %s;
  return Promise.resolve({
    endpoint: subscription.endpoint,
    toJSON: () => subscription,
  });
};
"""

NONE_CALLED = {"requestPermission": 0, "register": 0, "subscribe": 0}
ALL_CALLED_ONCE = {"requestPermission": 1, "register": 1, "subscribe": 1}


@pytest.fixture
def watched(page, live_server, vapid_keys, make_article):
    """The home page's reader, notifications allowed in advance, calls and failures recorded."""
    make_article()
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(WATCH)
    page.console_messages, page.script_errors, page.posts = [], [], []
    page.on("console", lambda message: page.console_messages.append(message.text))
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    page.on("request", lambda request: request.method == "POST" and page.posts.append(request.url))
    return page


def arrive(page, path):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    button = page.locator("[data-push-alerts] button")
    assert button.is_visible()
    assert page.evaluate("window.__calls") == NONE_CALLED
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(found => found.length)") == 0
    assert page.context.service_workers == []
    return button


def click_and_wait(page, button):
    button.click()
    page.wait_for_function(
        "() => document.querySelector('[data-push-alerts] [role=status]').textContent !== ''"
    )
    page.wait_for_function("() => !document.querySelector('[data-push-alerts] button').disabled")
    return page.locator("[data-push-alerts] [role=status]").text_content()


def csp_problems(page):
    reported = page.evaluate("window.__cspViolations")
    return reported + [text for text in page.console_messages if "Content Security Policy" in text]


def registered_workers(page):
    return page.evaluate(
        """navigator.serviceWorker.getRegistrations().then(found => found.map(
            registration => [registration.scope, (registration.active || registration.installing
                || registration.waiting).scriptURL]))"""
    )


def test_nothing_is_asked_on_arrival_and_the_click_fails_politely_without_push_service(
    watched, live_server, page_requests
):
    button = arrive(watched, "/")
    assert not [url for url in page_requests if url.endswith("/alerts-sw.js")]

    status = click_and_wait(watched, button)

    assert watched.evaluate("window.__calls") == ALL_CALLED_ONCE
    assert watched.evaluate("Notification.permission") == "granted"
    assert registered_workers(watched) == [[f"{live_server.url}/", f"{live_server.url}/alerts-sw.js"]]
    with translation.override("ar"):
        assert status == translation.gettext("Alerts could not be set up. Try again later.")
    assert button.get_attribute("aria-pressed") == "false"
    assert button.is_enabled()  # the reader may try again
    assert watched.script_errors == []
    assert watched.posts == []  # no subscription, nothing sent to the site
    assert not Subscription.objects.exists()
    assert csp_problems(watched) == []


def test_the_click_posts_the_browser_s_subscription_in_the_page_language(watched, live_server):
    receiver = Receiver()
    subscription = {
        "endpoint": "https://127.0.0.1/push/reader-1",
        "expirationTime": None,
        "keys": receiver.keys(),
    }
    watched.add_init_script(STAND_IN_PUSH_SERVICE % json.dumps(subscription))
    button = arrive(watched, "/fr/")

    status = click_and_wait(watched, button)

    assert watched.evaluate("window.__calls") == ALL_CALLED_ONCE
    assert watched.evaluate("window.__subscribeKeyLength") == 65  # the VAPID public key, decoded
    assert registered_workers(watched) == [[f"{live_server.url}/", f"{live_server.url}/alerts-sw.js"]]
    assert watched.posts == [f"{live_server.url}/fr/alerts/subscribe/"]
    with translation.override("fr"):
        assert status == translation.gettext("You will be alerted to breaking news in this language.")
    assert button.get_attribute("aria-pressed") == "true"
    saved = Subscription.objects.get()
    assert (saved.endpoint, saved.p256dh, saved.auth, saved.language) == (
        subscription["endpoint"],
        subscription["keys"]["p256dh"],
        subscription["keys"]["auth"],
        "fr",
    )
    assert watched.script_errors == []
    assert csp_problems(watched) == []
