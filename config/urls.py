"""Top-level routes: the API under /api/v1/, its schema and docs, and the curation admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from tracker.health import healthz

urlpatterns = [
    path("", RedirectView.as_view(url="/api/v1/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api.urls", namespace="tracker-api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

handler404 = "tracker.api.exceptions.not_found"
handler500 = "tracker.api.exceptions.server_error"
