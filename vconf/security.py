"""Response hardening: the Content-Security-Policy (django-csp), and 403s logged as one line.

The policy: everything from our own origin, nothing inline that runs. Every script is a file
under static/ (no inline <script>, no on* attributes: checked by tests/test_security_headers.py),
so script-src is 'self' alone. Styles allow 'unsafe-inline': the templates carry small <style>
blocks and style attributes, and charts are SVG with style attributes; a style cannot run code,
and keeping them inline is cheaper than a hash per block. The Swagger UI at /api/docs/ is served
with its script as a file (SpectacularSwaggerSplitView) and draws its icons as data: images.
"""

import logging

from csp.constants import NONE, SELF, UNSAFE_INLINE

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        # 'self' covers the live board's ws:// and wss:// sockets on the same host (CSP Level 3).
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}


class OneLineForbidden(logging.Filter):
    """Django logs a PermissionDenied raised in a page with its whole traceback ("Forbidden
    (Permission denied): /path" and 30 lines of stack), which buries real errors in the log. A 403
    is an expected answer: keep the line, drop the traceback. (The API's 403s are already one line.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True


def install_log_filter() -> None:
    # On the logger itself, so every handler (console, files a deployment adds) sees one line.
    logger = logging.getLogger("django.request")
    if not any(isinstance(f, OneLineForbidden) for f in logger.filters):
        logger.addFilter(OneLineForbidden())
