"""Static files for production: WhiteNoise's hashed, compressed files."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


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


class StaticFilesStorage(RememberedUrlsMixin, CompressedManifestStaticFilesStorage):
    """Hashed names (cached for a year), gzip and brotli copies."""
