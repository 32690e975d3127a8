"""tracker/conf.py: one list of TRACKER_* settings, one default each, read live."""

import re
from pathlib import Path

import environ
import pytest

from tracker import conf

ROOT = Path(__file__).resolve().parent.parent


def test_code_reads_tracker_settings_only_through_conf():
    direct = re.compile(r"settings\.TRACKER_|getattr\(settings, \"TRACKER_|environ.*\"TRACKER_(?!DEMO_)")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "tracker").rglob("*.py")
        if path.name != "conf.py" and "migrations" not in path.parts
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if direct.search(line)
    ]
    assert offenders == []


def test_every_setting_config_defines_is_listed_with_its_default(settings):
    defined = {name.removeprefix("TRACKER_") for name in dir(settings) if name.startswith("TRACKER_")}
    # THROTTLE_* are read by DRF's throttle rates (config/settings.py), not by the tracker's code.
    assert defined - set(conf.SETTINGS) == set()
    assert settings.TRACKER_RESPONSE_CACHE_SECONDS == 0  # tests/conftest.py turns the cache off
    assert conf.SETTINGS["RESPONSE_CACHE_SECONDS"].default == 60  # one default, where it is documented


def test_values_are_read_live_and_unknown_names_are_errors(settings, api):
    settings.TRACKER_MAX_PAGE_SIZE = 2
    assert conf.MAX_PAGE_SIZE == 2
    response = api.get("/api/v1/parties/?page_size=3")  # the override reaches the pagination
    assert (response.status_code, list(response.json())) == (400, ["page_size"])
    del settings.TRACKER_MAX_PAGE_SIZE
    assert conf.MAX_PAGE_SIZE == 1000  # the default
    with pytest.raises(AttributeError, match="No tracker setting 'MAX_PAGE'"):
        conf.MAX_PAGE  # noqa: B018


def test_the_environment_sets_each_with_its_type(monkeypatch):
    monkeypatch.setenv("TRACKER_OVERLAP_THRESHOLD", "0.75")
    monkeypatch.setenv("TRACKER_PUBLIC_READ", "false")
    monkeypatch.setenv("TRACKER_BULK_MAX_ITEMS", "12")
    values = conf.from_environment(environ.Env())
    assert (values["TRACKER_OVERLAP_THRESHOLD"], values["TRACKER_PUBLIC_READ"], values["TRACKER_BULK_MAX_ITEMS"]) == (
        0.75,
        False,
        12,
    )
    assert "TRACKER_MAP_CENTER" not in values  # not from the environment
