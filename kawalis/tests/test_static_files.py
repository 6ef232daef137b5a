"""collectstatic works with hashed names, as production needs (a failure stops every deploy)."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.management import call_command

from kawalis.static_storage import RememberedUrlsMixin


class HashingOnlyStorage(RememberedUrlsMixin, ManifestStaticFilesStorage):
    """Production's storage without WhiteNoise's gzip/brotli step, which takes a minute here;
    hashing is where a bad url() in a style sheet breaks collectstatic."""


def test_collectstatic_gives_every_app_file_a_hashed_name(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": f"{__name__}.HashingOnlyStorage"},
    }

    call_command("collectstatic", interactive=False, verbosity=0)

    assert list((tmp_path / "static" / "css").glob("site.*.css")), "no hashed copy of the site's style sheet"
    assert list((tmp_path / "static" / "jquery-ui").glob("jquery-ui.min.*.js"))
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_hashed_urls_are_looked_up_once_per_process(settings, tmp_path):
    from unittest import mock

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": f"{__name__}.HashingOnlyStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    storage = HashingOnlyStorage()
    plain = ManifestStaticFilesStorage()

    first = storage.url("css/site.css")
    with mock.patch.object(ManifestStaticFilesStorage, "url", side_effect=AssertionError) as looked_up:
        again = storage.url("css/site.css")

    assert first == again == plain.url("css/site.css") != "/static/css/site.css"
    looked_up.assert_not_called()


def test_production_uses_whitenoise_with_remembered_urls():
    from django.conf import settings as django_settings
    from django.utils.module_loading import import_string

    # conftest swaps the storage for tests; the module-level setting is production's.
    import kawalis.settings as production

    storage = import_string(production.STORAGES["staticfiles"]["BACKEND"])
    assert issubclass(storage, RememberedUrlsMixin)
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in django_settings.MIDDLEWARE
