"""The write side: every create, update and delete of curated data goes through here, from the
API, the admin and management commands alike, so that validation, audit fields, versions and
domain rules live in one place. Functions are keyword-only: ``incident_create(data=..., user=...)``.
"""
