"""/api/v1/ routes: hyphenated plural resource names, namespaced `tracker-api`."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from tracker.api import subscriptions, views

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

urlpatterns = [
    path("codebook/", views.CodebookView.as_view(), name="codebook"),
    path("ceasefires/<int:pk>/violations/", views.CeasefireViolationsView.as_view(), name="ceasefire-violations"),
    *router.urls,
]
