"""Small helpers shared by the tests."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from django.forms import MultiWidget


def if_match(obj) -> dict:
    """Request headers naming the record's current version (what a client read with GET)."""
    version = type(obj)._base_manager.filter(pk=obj.pk).values_list("version", flat=True).get()
    return {"HTTP_IF_MATCH": f'"{version}"'}


def admin_form_data(response) -> dict:
    """The POST body a browser would send back for an admin change form as it was served:
    every field's current value, plus each inline formset's management form and rows."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            widget = getattr(field.widget, "widget", field.widget)  # admin wraps related widgets
            if isinstance(widget, MultiWidget):
                parts = value if isinstance(value, list) else widget.decompress(value)
                for i, (sub, part) in enumerate(zip(widget.widgets, parts, strict=True)):
                    if part is not None:
                        data[f"{key}_{i}"] = sub.format_value(part)
            elif isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            elif value is True:
                data[key] = "on"
            else:
                data[key] = widget.format_value(value)
            if key in data and data[key] is None:
                data.pop(key)

    context = response.context
    add(context["adminform"].form)
    # A history (revert) form has no inlines.
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def utc(*args) -> datetime:
    """An instant in UTC: utc(2020, 1, 11, 21, 1)."""
    return datetime(*args, tzinfo=UTC)


def external_assets(page: str) -> list[str]:
    """The scripts and stylesheets a page loads from another host (a CDN): none may be.
    Attributes, not the text: a random CSRF token may well contain "cdn"."""
    sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', page) + re.findall(r'<link[^>]*\shref="([^"]+)"', page)
    return [url for url in sources if url.startswith(("http://", "https://", "//"))]


def run_db_worker(**environment: str) -> None:
    """Run a real `manage.py db_worker` on the test's PostgreSQL database, in batch mode (what
    is queued now, then exit), with these TRACKER_* settings; fail the test if it fails."""
    from django.db import connection

    db = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TRACKER_"))},
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "TRACKER_TASKS_BACKEND": "database",
        **environment,
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
