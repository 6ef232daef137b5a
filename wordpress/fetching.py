"""Images of a WordPress site fetched from their addresses (``import_wordpress --fetch-images``),
for the ones the ``--uploads`` copy does not hold.

An export names its images by URL, and an export is a file anyone could have edited: fetching
what it names must not become a way to reach this machine's own network. So, for each address:

- only ``http`` and ``https``, on their usual or a named port;
- the host's addresses are resolved once, and each must be a public one (no loopback, private,
  link-local, multicast or reserved address), unless the host is the export's own site (which,
  during a move, may well sit on the newsroom's own network); the connection is then made to
  the address that was checked (a second DNS answer cannot point it elsewhere);
- at most ``MAX_REDIRECTS`` redirects, each new address checked the same way;
- ``TIMEOUT`` seconds per connection and read, and at most ``ARTICLE_IMAGE_MAX_BYTES`` read;
- what comes back is then checked and cleaned by Pillow as an editor's upload is
  (``articles.images.clean_upload``), by the caller.

Anything else is refused with a reason (``FetchRefused``): the importer reports it and goes on.
"""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urljoin, urlsplit

from django.conf import settings

TIMEOUT = 10  # seconds, per connection and per read
MAX_REDIRECTS = 3
PORTS = {"http": 80, "https": 443}


class FetchRefused(Exception):
    """An image address not fetched, and why (one line for the import's report)."""


def _public(address):
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _checked_address(host, port, own_host):
    """The address to connect to for ``host``: its first, if every one it resolves to may be
    reached (public ones, or any for the export's own site)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchRefused(f"{host}: no such host ({error})") from None
    addresses = [info[4][0] for info in found]
    if host.lower() != own_host and not all(_public(address) for address in addresses):
        raise FetchRefused(f"{host}: a private or local address, and not the export's own site")
    return addresses[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with the certificate checked for the host name."""

    def __init__(self, address, host, port, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _get(url, own_host):
    parts = urlsplit(url)
    if parts.scheme not in PORTS or not parts.hostname:
        raise FetchRefused(f"{url}: only http and https addresses are fetched")
    try:
        port = parts.port or PORTS[parts.scheme]
    except ValueError:
        raise FetchRefused(f"{url}: not a port") from None
    address = _checked_address(parts.hostname, port, own_host)
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(address, parts.hostname, port, TIMEOUT)
    else:
        connection = http.client.HTTPConnection(address, port, timeout=TIMEOUT)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    connection.request("GET", path, headers={"Host": host_header, "User-Agent": "Kawalis import_wordpress"})
    return connection, connection.getresponse()


def fetch_image(url, own_site):
    """The bytes at ``url`` (an image of the export's site ``own_site``, by its address), or
    ``FetchRefused`` saying why not."""
    own_host = (urlsplit(own_site).hostname or "").lower()
    limit = settings.ARTICLE_IMAGE_MAX_BYTES
    for _attempt in range(MAX_REDIRECTS + 1):
        try:
            connection, response = _get(url, own_host)
        except (OSError, http.client.HTTPException) as error:
            raise FetchRefused(f"{url}: {error or type(error).__name__}") from None
        try:
            if response.status in {301, 302, 303, 307, 308} and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            if response.status != 200:
                raise FetchRefused(f"{url}: answered {response.status}")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise FetchRefused(f"{url}: {int(length):,} bytes, more than the {limit:,} allowed")
            try:
                data = response.read(limit + 1)
            except (OSError, http.client.HTTPException) as error:
                raise FetchRefused(f"{url}: {error or type(error).__name__}") from None
            if len(data) > limit:
                raise FetchRefused(f"{url}: more than the {limit:,} bytes allowed")
            return data
        finally:
            connection.close()
    raise FetchRefused(f"{url}: more than {MAX_REDIRECTS} redirects")
