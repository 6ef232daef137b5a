"""Serving uploads from the local disk, for single-server deployments (SERVE_MEDIA).

Uploads come from editors' machines: a file that a browser would take for HTML or SVG could
run script on the site's origin. So only image types are served, each with its type set here
(never guessed), ``nosniff``, and a CSP that forbids scripts even if a browser renders it.
With a bucket (MEDIA_STORAGE=s3) or a front server, this view is not used.
"""

import mimetypes
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.static import serve

SAFE_MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
}


@require_safe
def serve_media(request, path):
    suffix = PurePosixPath(path).suffix.lower()
    if not settings.SERVE_MEDIA or suffix not in SAFE_MEDIA_TYPES:
        raise Http404("No such image.")
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except SuspiciousFileOperation:  # "../" tricks: there is no such image
        raise Http404("No such image.") from None
    response["Content-Type"] = SAFE_MEDIA_TYPES[suffix]
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400"
    return response


# Python's table knows these already on most systems; make sure on all of them.
for _suffix, _type in SAFE_MEDIA_TYPES.items():
    mimetypes.add_type(_type, _suffix)
