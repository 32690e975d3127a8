"""Where the tracker relies on a library's internals, the release it was written against.

Each module below replaces or reads something its library does not promise to keep (its
docstring says what and why it pays). Upgrading the library fails here first: re-read that
module against the new release, re-run its benchmark, then move the pin.
"""

import django
import django_filters

from tracker.api import filterset_base
from tracker.models import base


def test_filtersets_replace_django_filters_init_as_of_its_release():
    assert django_filters.__version__ == filterset_base.WRITTEN_FOR_DJANGO_FILTER, "re-read tracker/api/filterset_base.py"


def test_constraint_validation_stands_in_for_djangos_as_of_its_release():
    assert django.VERSION[:2] == base.WRITTEN_FOR_DJANGO, "re-read tracker/models/base.py"
