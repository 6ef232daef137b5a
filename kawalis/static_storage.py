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


class StaticFilesStorage(SkipUnusedVendorFilesMixin, CompressedManifestStaticFilesStorage):
    """Hashed names (cached for a year), gzip and brotli copies; see SkipUnusedVendorFilesMixin."""
