"""Settings: read from FEEDS_* variables and mappings, typed, checked, and all documented."""

import re

import pytest
from conftest import REPO, article_fields, seed_text

from feeds import create_app
from feeds.ingest.seed import parse_seed
from feeds.model import SeedError
from feeds.settings import SETTINGS, Settings


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


@pytest.mark.parametrize("word, meaning", [
    ("1", True), (" Yes ", True), ("ON", True), ("true", True),
    ("0", False), ("No", False), ("off\t", False), ("FALSE", False),
    ("y", None), ("2", None), ("nein", None), ("truee", None),
])
def test_a_switch_reads_the_same_in_settings_and_in_seeds(word, meaning):
    if meaning is None:
        with pytest.raises(ValueError, match="TRUST_PROXY"):
            Settings.of({"TRUST_PROXY": word})
        with pytest.raises(SeedError, match="published must be true or false"):
            parse_seed(seed_text(**article_fields(published=word)), "switch.md")
        return
    assert Settings.of({"TRUST_PROXY": word}).trust_proxy is meaning
    assert parse_seed(seed_text(**article_fields(published=word)), "switch.md").published is meaning


def test_an_empty_switch_setting_is_off_and_an_empty_seed_switch_is_an_error():
    assert Settings.of({"TRUST_PROXY": " "}).trust_proxy is False
    with pytest.raises(SeedError, match="published must be true or false"):
        parse_seed(seed_text(**article_fields(published=" ")), "switch.md")
