"""Files that browsers look for at the site's root rather than under /static/."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    # Pages carry an icon link; this answers the admin, the API's JSON and old browsers, which ask
    # for /favicon.ico on every first visit (a 404 in the log each time otherwise).
    return redirect(static("img/favicon.svg"), permanent=True)


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The operator page's service worker. Served from the root, not /static/, because a worker
    only controls pages under its own path; no-cache so a new version reaches phones at once."""
    return render(request, "sw.js", content_type="text/javascript; charset=utf-8")
