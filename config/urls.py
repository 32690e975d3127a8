"""Top-level routes: the API under /api/v1/, its schema and docs, and the curation admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from tracker.health import healthz

urlpatterns = [
    path("", RedirectView.as_view(url="/api/v1/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api.urls", namespace="tracker-api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's configuration comes as a script file (?script), not inline: the CSP allows none.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # Redoc without the stock page's Google Fonts (offline, and the CSP loads nothing from elsewhere).
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="tracker/redoc.html"), name="redoc"),
]

handler404 = "tracker.api.exceptions.not_found"
handler500 = "tracker.api.exceptions.server_error"
