"""Admin for incidents (with their citations inline), citations, and the review workflow."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from rest_framework.exceptions import ValidationError as DRFValidationError

from tracker.admin.assessments import AssessmentInline, save_override
from tracker.admin.base import ServiceAdmin, TransliterationSearchMixin
from tracker.admin.imports import ImportEventsMixin
from tracker.admin.maps import MapFormMixin, incident_points, map_config
from tracker.choices import Confidence, IncidentStatus
from tracker.domain.provenance import consensus
from tracker.importers.events import FLAG_NOTES
from tracker.models import Assessment, Citation, Incident, IncidentProvenance
from tracker.representation.export import export_response
from tracker.representation.serializers import IncidentSerializer
from tracker.selectors.duplicates import duplicates_of, radius_km, recent_duplicate_pairs
from tracker.selectors.provenance import graded_by_curator
from tracker.services import incidents
from tracker.services.incidents import REVIEW_PERMISSION
from tracker.services.provenance import CLAIM_RELATED, claim_of


def provenance_of(incident: Incident) -> IncidentProvenance:
    try:
        return incident.provenance
    except IncidentProvenance.DoesNotExist:
        return IncidentProvenance(incident=incident)


def disagrees(incident: Incident) -> bool:
    """The curator graded it, and not as the claims suggest."""
    suggested = provenance_of(incident).suggested_confidence
    return incident.confidence != Confidence.UNASSESSED and incident.confidence != suggested


class GradesDisagreeFilter(admin.SimpleListFilter):
    title = "curator's grade vs suggested"
    parameter_name = "grades"

    def lookups(self, request, model_admin):
        return [("disagree", "Disagree"), ("agree", "Agree"), ("ungraded", "Not graded by a curator")]

    def queryset(self, request, queryset):
        if self.value() == "ungraded":
            return queryset.filter(confidence=Confidence.UNASSESSED)
        if self.value() in ("agree", "disagree"):
            return graded_by_curator(queryset, agreeing=self.value() == "agree")
        return queryset


class ExternalSourceFilter(admin.SimpleListFilter):
    """Where an incident came from: entered here, or imported from a named feed. (Django's own
    filter would offer the blank value as a link without text.)"""

    title = "external source"
    parameter_name = "external_source"
    ENTERED_HERE = "-"

    def lookups(self, request, model_admin):
        feeds = Incident.all_objects.exclude(external_source="").values_list("external_source", flat=True).distinct()
        return [(self.ENTERED_HERE, "Entered here (not imported)"), *((feed, feed) for feed in sorted(feeds))]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(external_source="" if self.value() == self.ENTERED_HERE else self.value())


class ImportFlagFilter(admin.SimpleListFilter):
    """Imported incidents a curator should check: what the import could not take as given."""

    title = "import flag"
    parameter_name = "import_flag"

    def lookups(self, request, model_admin):
        return [(flag, flag.replace("_", " ")) for flag in sorted(FLAG_NOTES)]

    def queryset(self, request, queryset):
        if self.value() not in FLAG_NOTES:
            return queryset
        # The flags are a JSON list of known codes: its text holds the quoted code exactly.
        return queryset.filter(import_flags__icontains=f'"{self.value()}"')


class CitationInline(admin.StackedInline):
    model = Citation
    extra = 0
    autocomplete_fields = ("report", "claimant", "named_perpetrator")
    fields = (
        ("report", "claimant", "stance"),
        "named_perpetrator",
        ("killed_low", "killed_high", "civilians_killed_low", "civilians_killed_high"),
        ("children_killed_low", "children_killed_high", "injured_low", "injured_high"),
        "quote",
        "notes",
    )


def _status_action(status: str, description: str, verb: str, permission: str):
    """An admin action moving the selected incidents through the workflow to `status`."""

    @admin.action(description=description, permissions=[permission])
    def action(modeladmin, request, queryset):
        modeladmin.run_service(
            request,
            lambda incident, user: incidents.incident_set_status(incident=incident, status=status, user=user),
            queryset,
            f"{{count}} incident(s) {verb}.",
        )

    return action


@admin.register(Incident)
class IncidentAdmin(MapFormMixin, ImportEventsMixin, TransliterationSearchMixin, ServiceAdmin):
    place_path = "place__"
    list_display = (
        "title",
        "kind",
        "occurred_at",
        "time_precision",
        "place",
        "perpetrator",
        "killed_low",
        "status",
        "confidence",
        "suggested",
        "independent_claimants",
    )
    list_filter = (
        "status",
        "kind",
        "assessments__verdict",
        "assessments__ceasefire",
        "confidence",
        ("provenance__suggested_confidence", admin.ChoicesFieldListFilter),
        GradesDisagreeFilter,
        "provenance__contested",
        "time_precision",
        "attribution",
        "place__country_code",
        ExternalSourceFilter,
        ImportFlagFilter,
    )
    # Found by any name of its place, by perpetrator (or alias), and by source of its reports.
    search_fields = (
        "title", "description", "target_description", "external_id",
        "place__name", "place__alternate_names__name", "place__name_key", "place__alternate_names__name_key",
        "perpetrator__name", "perpetrator__aliases__name",
        "citations__report__source__name", "citations__claimant__name", "citations__report__title",
    )  # fmt: skip
    list_select_related = ("place", "perpetrator", "provenance")
    autocomplete_fields = ("place", "perpetrator", "target_party", "origin_place", "responds_to")
    readonly_fields = ("suggested_grade", "claims_side_by_side", "consensus_ranges", "possible_duplicates", "import_flags")
    date_hierarchy = "occurred_at"
    inlines = [CitationInline, AssessmentInline]
    actions = ["submit_for_review", "verify", "dispute", "reject"]
    fieldsets = (
        (None, {"fields": ("title", "kind", "description", "status", "confidence")}),
        ("When (UTC)", {"fields": ("occurred_at", "time_precision", "occurred_until")}),
        ("Where", {"fields": ("place", "geo_precision", ("latitude", "longitude"))}),
        (
            "Fired from (cross-line fire)",
            {"fields": ("origin_place", "origin_geo_precision", ("origin_latitude", "origin_longitude"))},
        ),
        (
            "Who and whom",
            {"fields": ("perpetrator", "attribution", "target_description", "target_party", "initiator", "responds_to")},
        ),
        (
            "Casualties (low – high)",
            {
                "fields": (
                    ("killed_low", "killed_high"),
                    ("civilians_killed_low", "civilians_killed_high"),
                    ("children_killed_low", "children_killed_high"),
                    ("injured_low", "injured_high"),
                )
            },
        ),
        ("Who says so", {"fields": ("suggested_grade", "claims_side_by_side", "consensus_ranges")}),
        ("Possible duplicates", {"fields": ("possible_duplicates",)}),
        ("Import", {"fields": ("external_source", "external_id", "import_flags")}),
        ("Audit", {"classes": ("collapse",), "fields": ("version", "created_at", "created_by", "updated_at", "updated_by")}),
    )
    writes = incidents.INCIDENTS

    @admin.display(description="Suggested", ordering="provenance__suggested_confidence")
    def suggested(self, obj):
        suggested = provenance_of(obj).get_suggested_confidence_display().split(" (")[0]
        if disagrees(obj):
            return format_html('<strong class="grade-disagrees" style="color:#ba2121">{} ≠ curator</strong>', suggested)
        return suggested

    @admin.display(description="Claimants", ordering="provenance__independent_claimants")
    def independent_claimants(self, obj):
        return provenance_of(obj).independent_claimants

    @admin.display(description="Suggested confidence")
    def suggested_grade(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        provenance = provenance_of(obj)
        warning = (
            format_html(
                '<p class="grade-disagrees" style="color:#ba2121"><strong>Differs from the curator\'s grade ({}).</strong></p>',
                obj.get_confidence_display(),
            )
            if disagrees(obj)
            else ""
        )
        return format_html(
            "<strong>{}</strong> — {} independent claimant(s){}.<br>{}{}",
            provenance.get_suggested_confidence_display(),
            provenance.independent_claimants,
            ", contested" if provenance.contested else "",
            provenance.reason,
            warning,
        )

    def _claims(self, obj):
        citations = Citation.objects.filter(incident=obj).select_related(*CLAIM_RELATED, "named_perpetrator")
        return [(c, claim_of(c)) for c in citations.order_by("id")]

    @admin.display(description="Claims side by side")
    def claims_side_by_side(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = self._claims(obj)
        if not rows:
            return "No citations yet."

        def figures(claim):
            given = [(f, lo, hi) for f, (lo, hi) in claim.figures.items() if (lo, hi) != (None, None)]
            return (
                "; ".join(
                    f"{f.replace('_', ' ')} {lo if lo is not None else '?'}{'' if hi == lo else '–' + (str(hi) if hi is not None else '')}"
                    for f, lo, hi in given
                )
                or "—"
            )

        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    citation.report,
                    claim.claimant.name,
                    " (party-affiliated)" if claim.claimant.party_affiliated else "",
                    citation.named_perpetrator or "—",
                    figures(claim),
                    citation.get_stance_display(),
                )
                for citation, claim in rows
            ),
        )
        return format_html(
            '<table class="claims"><thead><tr><th>Report</th><th>Claimant</th><th>Named perpetrator</th>'
            "<th>Figures</th><th>Stance</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    @admin.display(description="Consensus ranges")
    def consensus_ranges(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        ranges = consensus([claim for _, claim in self._claims(obj)])
        if not ranges:
            return "No figures claimed."
        return format_html_join(
            "",
            "<div>{}: {} (citation {}) to {}{} (citation {})</div>",
            (
                (
                    figure.replace("_", " "),
                    r.low if r.low is not None else "?",
                    ", ".join(map(str, r.low_claims)) or "—",
                    "at least " if r.open_ended else "",
                    r.high,
                    ", ".join(map(str, r.high_claims)),
                )
                for figure, r in ranges.items()
            ),
        )

    @admin.display(description="Possible duplicates")
    def possible_duplicates(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        found = duplicates_of(obj)
        if not found:
            return "None found."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">#{} {}</a> ({}, {}) — <a href="{}">merge it into this one</a></li>',
                (
                    (
                        reverse("admin:tracker_incident_change", args=[d.incident.pk]),
                        d.incident.pk,
                        d.incident.title,
                        d.incident.get_kind_display(),
                        "same place" if d.distance_km is None else f"{d.distance_km} km",
                        reverse("admin:tracker_incident_merge", args=[d.incident.pk, obj.pk]),
                    )
                    for d in found
                ),
            ),
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # Redirects (after an action) and error pages carry no changelist.
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            response.context_data["tracker_map_config"] = map_config()
            response.context_data["incident_points"] = self._map_points(request, changelist.result_list)
        return response

    def _map_points(self, request, incidents) -> list[dict]:
        """The page's incidents for its map, coloured by their most serious effective verdict —
        against the ceasefire the list is filtered by, if it is."""
        incidents = list(incidents)
        assessments = Assessment.objects.filter(incident__in=incidents)
        ceasefire = request.GET.get("assessments__ceasefire__id__exact", "")
        if ceasefire.isdigit():
            assessments = assessments.filter(ceasefire_id=int(ceasefire))
        verdicts: dict[int, list[str]] = {}
        for incident_id, effective in assessments.with_effective_verdict().values_list("incident_id", "effective"):
            verdicts.setdefault(incident_id, []).append(effective)
        return incident_points(incidents, verdicts, lambda i: reverse("admin:tracker_incident_change", args=[i.pk]))

    def get_urls(self):
        views = [
            path("duplicates/", self.admin_site.admin_view(self.duplicates_view), name="tracker_incident_duplicates"),
            path("export/", self.admin_site.admin_view(self.export_view), name="tracker_incident_export"),
            path(
                "<int:merged_id>/merge/<int:kept_id>/",
                self.admin_site.admin_view(self.merge_view),
                name="tracker_incident_merge",
            ),
        ]
        return views + super().get_urls()

    def _can_merge(self, request) -> bool:
        return self.has_change_permission(request) and self.has_delete_permission(request)

    def export_view(self, request):
        """The changelist's current result (its filters, search and order) as a streamed CSV with
        the API list's columns."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:tracker_incident_changelist") + "?e=1")
        queryset = changelist.get_queryset(request).select_related("place", "perpetrator", "provenance")
        queryset = queryset.prefetch_related(
            Prefetch("citations", queryset=Citation.objects.only("id", "incident_id", "report_id").order_by("id")),
            Prefetch(
                "assessments", queryset=Assessment.objects.select_related("ceasefire", "override_by").order_by("ceasefire_id")
            ),
        )
        try:
            return export_response(queryset, IncidentSerializer, "csv", {"request": request}, "incidents")
        except DRFValidationError as error:
            self.message_user(request, " ".join(map(str, error.detail.values())), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:tracker_incident_changelist") + "?" + request.GET.urlencode())

    def duplicates_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = max(1, min(int(request.GET.get("days", 365)), 36500))
        except ValueError:
            days = 365
        since, pairs = recent_duplicate_pairs(days)
        context = {
            **self.admin_site.each_context(request),
            "title": "Possible duplicate incidents",
            "opts": self.model._meta,
            "pairs": pairs,
            "since": since,
            "wider_days": days * 4,
            "radius_km": radius_km(),
            "can_merge": self._can_merge(request),
        }
        return TemplateResponse(request, "admin/tracker/incident/duplicates.html", context)

    def merge_view(self, request, merged_id: int, kept_id: int):
        if not self._can_merge(request):
            raise PermissionDenied
        merged, kept = get_object_or_404(Incident, pk=merged_id), get_object_or_404(Incident, pk=kept_id)
        if request.method == "POST":
            reason = request.POST.get("reason", "").strip()[:500]
            try:
                incidents.incident_merge(merged=merged, kept=kept, user=request.user, reason=reason)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:tracker_incident_duplicates"))
            self.message_user(request, f"Incident {merged_id} was merged into this one.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:tracker_incident_change", args=[kept_id]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Merge incident {merged_id} into incident {kept_id}",
            "opts": self.model._meta,
            "merged": merged,
            "kept": kept,
        }
        return TemplateResponse(request, "admin/tracker/incident/merge.html", context)

    def get_inline_instances(self, request, obj=None):
        # Verdicts exist only once the incident does.
        return [i for i in super().get_inline_instances(request, obj) if obj is not None or not isinstance(i, AssessmentInline)]

    def save_formset(self, request, form, formset, change):
        if formset.model is Assessment:
            for assessment in formset.save(commit=False):
                save_override(assessment, request.user)
            return
        super().save_formset(request, form, formset, change)

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    submit_for_review = _status_action(
        IncidentStatus.IN_REVIEW, "Submit selected incidents for review", "submitted for review", "change"
    )
    verify = _status_action(IncidentStatus.VERIFIED, "Verify selected incidents", "verified", "review")
    dispute = _status_action(IncidentStatus.DISPUTED, "Mark selected incidents disputed", "marked disputed", "review")
    reject = _status_action(IncidentStatus.REJECTED, "Reject selected incidents", "rejected", "review")


@admin.register(Citation)
class CitationAdmin(ServiceAdmin):
    list_display = ("incident", "report", "claimant", "named_perpetrator", "killed_low", "killed_high", "stance")
    list_filter = ("stance", "report__source")
    search_fields = (
        "incident__title",
        "report__title",
        "report__source__name",
        "claimant__name",
        "named_perpetrator__name",
        "quote",
    )
    list_select_related = ("incident", "report", "claimant", "named_perpetrator")
    autocomplete_fields = ("incident", "report", "claimant", "named_perpetrator")
    writes = incidents.CITATIONS
