"""Static files for production: WhiteNoise's hashed, compressed files, minus vendored extras."""

from django.contrib.staticfiles.utils import matches_patterns
from whitenoise.storage import CompressedManifestStaticFilesStorage


class SkipUnusedVendorFilesMixin:
    """Collects some vendored files as they are, without hashing them.

    jQuery UI (for the admin's translation tabs) comes as a whole package of which only the
    script is used; its style sheets quote image URLs inside comments, which the hashing step
    cannot resolve, and that failure would stop every deploy.
    """

    unhashed_patterns = ["jquery-ui/*.css", "jquery-ui/themes/*"]

    def post_process(self, paths, dry_run=False, **options):
        kept = {
            path: value for path, value in paths.items() if not matches_patterns(path, self.unhashed_patterns)
        }
        yield from super().post_process(kept, dry_run=dry_run, **options)


class RememberedUrlsMixin:
    """Each file's hashed URL, computed once per process: the manifest is read once and does not
    change while the process runs (a deploy restarts it). Each {% static %} otherwise looks the
    name up, joins and quotes it again: the four of a page cost more than reading its parts."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        url = self._urls.get(name)
        if url is None:
            url = super().url(name)
            if len(self._urls) < 10_000:  # names come from templates; the bound is a safeguard
                self._urls[name] = url
        return url


class StaticFilesStorage(
    SkipUnusedVendorFilesMixin, RememberedUrlsMixin, CompressedManifestStaticFilesStorage
):
    """Hashed names (cached for a year), gzip and brotli copies; see SkipUnusedVendorFilesMixin."""
