"""Curation admin, one module per entity family. Importing registers the ModelAdmins."""

from django.contrib import admin

from tracker.admin import assessments, ceasefires, gazetteer, incidents, releases, sources, subscriptions, tokens, trash  # noqa: F401

admin.site.site_header = "Ceasefire-violation tracker"
admin.site.site_title = "Ceasefire tracker"
admin.site.index_title = "Curation"
# The admin home is the curators' dashboard: review queue, the week, stale overrides.
admin.site.index_template = "admin/tracker/index.html"
