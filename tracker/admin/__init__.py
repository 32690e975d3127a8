"""Curation admin, one module per entity family. Importing registers the ModelAdmins."""

from django.contrib import admin

from tracker.admin import assessments, ceasefires, gazetteer, incidents, sources, tokens, trash  # noqa: F401

admin.site.site_header = "Ceasefire-violation tracker"
admin.site.site_title = "Ceasefire tracker"
admin.site.index_title = "Curation"
