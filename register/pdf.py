"""PDF copies of printable pages, made with WeasyPrint from the page's own HTML and its
print styles, so that the PDF and the printed page say the same.

Making a PDF fetches nothing over the network: the only resources it may load are the
register's own static files, read from disk, and ``data:`` addresses. Fonts come from
the system (fontconfig): the register's stylesheet asks for Arial, which Debian's
fonts-liberation package stands in for with Liberation Sans, metric for metric.

WeasyPrint needs Pango at run time. Where it cannot be imported, ``unavailable()``
says why, pages offer no PDF, and the PDF tests are skipped with that reason.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings

log = logging.getLogger(__name__)


@functools.cache
def unavailable() -> str | None:
    """Why WeasyPrint cannot make PDFs here, or None when it can."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:  # OSError: Pango's libraries are missing
        return f"WeasyPrint cannot be imported ({type(error).__name__}: {error})"
    return None


def static_file(name: str) -> Path | None:
    """A static file by its name under STATIC_URL: from the app's static folders (as
    served outside production), else from STATIC_ROOT (collectstatic's hashed copies,
    as served in production). Never anything outside them."""
    name = posixpath.normpath(unquote(name)).lstrip("/")
    if not name or name == "." or name.startswith(".."):
        return None
    from django.contrib.staticfiles import finders

    found = finders.find(name)
    if found:
        return Path(found)
    root = Path(settings.STATIC_ROOT).resolve()
    candidate = (root / name).resolve()
    if candidate.is_relative_to(root) and candidate.is_file():
        return candidate
    return None


class Refused(ValueError):
    """A resource the PDF may not fetch."""


def fetcher(base_url: str):
    """A WeasyPrint URL fetcher that serves the register's static files from disk and
    ``data:`` addresses, and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_url = urljoin(base_url, settings.STATIC_URL)

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urlsplit(url)
            path = None
            if url.startswith(static_url) and not parts.query:
                path = static_file(parts.path[len(urlsplit(static_url).path) :])
            if path is None:
                log.warning("A PDF asked for %s; it may read only the static files", url)
                raise Refused(f"a PDF reads only the register's own static files, not {url}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return StaticFilesOnly(allowed_protocols=("data", "http", "https"))


def html_to_pdf(html: str, base_url: str, *, title: str = "") -> bytes:
    """A PDF of ``html`` as printed (its ``@media print`` styles), resources resolved
    against ``base_url`` through ``fetcher``."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher(base_url)).render()
    if title:
        document.metadata.title = title
    return document.write_pdf()
