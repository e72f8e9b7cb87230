"""Settings: read from FEEDS_* variables and mappings, typed, checked, and all documented."""

import re

import pytest
from conftest import REPO, article_fields

from feeds import create_app
from feeds.settings import SETTINGS


def test_readme_documents_every_setting_with_its_help():
    readme = (REPO / "README.md").read_text()
    documented = dict(re.findall(r"^\| `([A-Z_]+)` \| [^|]* \| (.*) \|$", readme, re.M))
    assert documented == {setting.name: setting.help for setting in SETTINGS}


def test_settings_come_from_prefixed_environment(monkeypatch, seeds_dir):
    monkeypatch.setenv("FEEDS_SEEDS_DIR", str(seeds_dir))
    monkeypatch.setenv("FEEDS_LIMIT", "7")
    monkeypatch.setenv("FEEDS_SITE_TITLE", "2024")
    monkeypatch.setenv("FEEDS_TRUST_PROXY", "true")
    config = create_app().config
    assert (config["SEEDS_DIR"], config["LIMIT"]) == (str(seeds_dir), 7)
    assert config["SITE_TITLE"] == "2024" and config["TRUST_PROXY"] is True


def test_a_mapping_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("FEEDS_MAX_AGE", "60")
    assert create_app({"MAX_AGE": 120}).config["MAX_AGE"] == 120


@pytest.mark.parametrize("config", [{"LIMIT": 0}, {"LIMIT": 600}, {"MAX_AGE": -1},
                                    {"RELOAD_SECONDS": "soon"}, {"TRUST_PROXY": "perhaps"}])
def test_bad_settings_fail_at_start_naming_the_variable(config):
    with pytest.raises(ValueError, match="FEEDS_"):
        create_app(config)


def test_trust_proxy_honours_forwarded_headers(make_client, write_seed):
    write_seed("a.md", **article_fields(1))
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "feeds.example.org"}
    trusted = make_client(BASE_URL="", TRUST_PROXY=True).get("/feed.rss", headers=headers).data
    assert b"https://feeds.example.org/feed.rss" in trusted
    untrusted = make_client(BASE_URL="").get("/feed.rss", headers=headers).data
    assert b"feeds.example.org" not in untrusted


def test_the_typed_settings_have_a_field_for_every_setting(seeds_dir):
    settings = create_app({"SEEDS_DIR": str(seeds_dir), "LIMIT": "7"}).extensions["feeds"].settings
    assert set(settings.as_config()) == {setting.name for setting in SETTINGS}
    assert (settings.limit, settings.seeds_dir) == (7, str(seeds_dir))
