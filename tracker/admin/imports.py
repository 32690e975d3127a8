"""Importing ACLED and UCDP files from the admin: upload, a preview of what each row would
become (a dry run of the real import), then confirm. The same service as `import_events`."""

import secrets
import time
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from tracker import conf
from tracker.importers import FORMATS
from tracker.services.imports import ImportFileError, import_file

PREVIEW_ROWS = 200
SESSION_KEY = "tracker_imports"
KEEP_SECONDS = 24 * 3600


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A CSV file: an ACLED export (any codebook version), UCDP GED, or this tracker's own export."
    )
    format = forms.ChoiceField(choices=[("acled", "ACLED"), ("ucdp", "UCDP GED"), ("csv", "Tracker CSV (our export)")])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = conf.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is {upload.size} bytes; the limit is {limit} bytes.")
        return upload


def _folder() -> Path:
    folder = Path(conf.IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    # Uploads previewed and never confirmed are dropped after a day.
    for stale in folder.glob("*.csv"):
        if stale.stat().st_mtime < time.time() - KEEP_SECONDS:
            stale.unlink(missing_ok=True)
    return folder


class ImportEventsMixin:
    """Adds "Import events" to the incident admin (for users who may add and change incidents)."""

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="tracker_incident_import"),
            path("import/confirm/", self.admin_site.admin_view(self.import_confirm_view), name="tracker_incident_import_confirm"),
            *super().get_urls(),
        ]

    def _check_import_permission(self, request) -> None:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied

    def _render(self, request, **context):
        context = {**self.admin_site.each_context(request), "title": "Import events", "opts": self.model._meta, **context}
        return TemplateResponse(request, "admin/tracker/incident/import.html", context)

    def import_view(self, request):
        self._check_import_permission(request)
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._render(request, form=form)
        upload, fmt = form.cleaned_data["file"], form.cleaned_data["format"]
        token = secrets.token_hex(16)
        stored = _folder() / f"{token}.csv"
        with stored.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            with stored.open("rb") as stream:
                summary = import_file(stream, fmt, user=request.user, dry_run=True, keep_outcomes=PREVIEW_ROWS)
        except ImportFileError as error:
            stored.unlink(missing_ok=True)
            form.add_error("file", str(error))
            return self._render(request, form=form)
        except BaseException:
            stored.unlink(missing_ok=True)  # never leave an upload behind
            raise
        request.session.setdefault(SESSION_KEY, {})[token] = {"format": fmt, "name": upload.name}
        request.session.modified = True
        return self._render(
            request,
            summary=summary,
            token=token,
            file_name=upload.name,
            format_name=dict(ImportForm.base_fields["format"].choices)[fmt],
            preview_rows=PREVIEW_ROWS,
        )

    def import_confirm_view(self, request):
        self._check_import_permission(request)
        token = request.POST.get("token", "") if request.method == "POST" else ""
        pending = request.session.get(SESSION_KEY, {}).get(token)
        stored = Path(conf.IMPORT_DIR) / f"{token}.csv"
        if not pending or not token.isalnum() or not stored.is_file() or pending["format"] not in FORMATS:
            self.message_user(request, "That upload is no longer waiting to be imported: upload it again.", messages.ERROR)
            return self._render(request, form=ImportForm())
        try:
            with stored.open("rb") as stream:
                summary = import_file(
                    stream, pending["format"], user=request.user, label=f"import {pending['format']} {pending['name']} (admin)"
                )
        finally:
            stored.unlink(missing_ok=True)
            request.session[SESSION_KEY].pop(token, None)
            request.session.modified = True
        self.message_user(request, summary.lines()[0], messages.WARNING if summary.failed else messages.SUCCESS)
        return self._render(request, summary=summary, done=True, file_name=pending["name"], external_source=pending["format"])
