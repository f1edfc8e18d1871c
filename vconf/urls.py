from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from vconf import health, site_files

handler400 = "vconf.exceptions.handler400"
handler403 = "vconf.exceptions.handler403"
handler404 = "vconf.exceptions.handler404"
handler500 = "vconf.exceptions.handler500"

# The admin names the product, not Django ("Trang quản trị cho Django" by default).
admin.site.site_header = _("Quản trị vconf")
admin.site.site_title = _("Quản trị vconf")
admin.site.index_title = _("Dữ liệu hệ thống hội nghị truyền hình")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # At the root so the service worker may control /phong-cua-toi/ (static files live under /static/).
    path("sw.js", site_files.service_worker, name="service-worker"),
    path("favicon.ico", site_files.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split: the page's script is a file (?script), not inline, as the Content-Security-Policy wants.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("rooms.api_urls")),
    path("api/", include("analytics.api_urls")),
    path("", include("rooms.urls")),
    path("", include("analytics.urls")),
]
