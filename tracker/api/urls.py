"""/api/v1/ routes: hyphenated plural resource names, namespaced `tracker-api`."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from tracker.api import releases, subscriptions, views
from tracker.models.releases import RELEASE_NAME

app_name = "tracker-api"

router = DefaultRouter()
router.register("parties", views.PartyViewSet)
router.register("places", views.PlaceViewSet)
router.register("ceasefires", views.CeasefireViewSet)
router.register("sources", views.SourceViewSet)
router.register("reports", views.ReportViewSet)
router.register("incidents", views.IncidentViewSet)
router.register("citations", views.CitationViewSet)
router.register("assessments", views.AssessmentViewSet)
router.register("subscriptions", subscriptions.SubscriptionViewSet)
router.register("releases", releases.ReleaseViewSet)

# A release's records: the read routes above, under the release's name (tracker/api/releases.py).
released = [
    path("ceasefires/<int:pk>/violations/", releases.ReleasedViolationsView.as_view(), name="release-ceasefire-violations"),
    *releases.released_router.urls,
]

urlpatterns = [
    path("codebook/", views.CodebookView.as_view(), name="codebook"),
    path("ceasefires/<int:pk>/violations/", views.CeasefireViolationsView.as_view(), name="ceasefire-violations"),
    re_path(rf"^releases/(?P<release>{RELEASE_NAME})/", include(released)),
    *router.urls,
]
