"""Reading one seed: the published rule, field types, dates, URLs, and the reasons given."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from conftest import article_fields, seed_text

from feeds.ingest.seed import MAX_SEED_BYTES, parse_seed, read_seed
from feeds.model import SeedError

NOW = datetime.now(UTC)


def parse(**overrides):
    """Parse a seed made of valid fields with overrides (None removes a field)."""
    return parse_seed(seed_text(**article_fields(**overrides)), "x.md")


def reason(text: str) -> str:
    """The reason parse_seed gives for text."""
    with pytest.raises(SeedError) as caught:
        parse_seed(text, "bad.md")
    assert caught.value.path == "bad.md"
    return caught.value.reason


@pytest.mark.parametrize("value", [True, "true", "True", "yes", "on", 1, "1"])
def test_published_true_values_publish(value):
    assert parse(published=value).is_listed(NOW)


def test_absent_published_means_published():
    assert parse(published=None).is_listed(NOW)


@pytest.mark.parametrize("value", [False, "false", "no", "No", "off", 0, "0"])
def test_published_false_values_hide(value):
    assert not parse(published=value).is_listed(NOW)


@pytest.mark.parametrize("value", ["maybe", "", 2, [True], {"a": 1}, 0.5])
def test_unclear_published_value_is_invalid(value):
    with pytest.raises(SeedError, match="published must be true or false"):
        parse(published=value)


def test_empty_published_is_invalid():
    assert "published must be true or false" in reason(
        "---\ntitle: A\npublishedDateTime: 2024-01-01\nwebUrl: https://a.example/\npublished:\n---\n")


def test_deleted_true_hides():
    assert not parse(deleted=True).is_listed(NOW)


def test_future_article_waits_for_its_moment():
    future = (NOW + timedelta(hours=1)).isoformat()
    article = parse(publishedDateTime=future)
    assert not article.is_listed(NOW)
    assert article.is_embargoed(NOW)
    assert article.is_listed(NOW + timedelta(hours=2))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-02", datetime(2024, 1, 2, tzinfo=UTC)),
        ("2024-01-02T10:00:00Z", datetime(2024, 1, 2, 10, tzinfo=UTC)),
        ("2024-01-02 10:00:00", datetime(2024, 1, 2, 10, tzinfo=UTC)),
        ("2024-01-02T12:00:00+02:00", datetime(2024, 1, 2, 10, tzinfo=UTC)),
        ("'2024-01-02T10:00:00Z'", datetime(2024, 1, 2, 10, tzinfo=UTC)),
        ("'2024-01-02'", datetime(2024, 1, 2, tzinfo=UTC)),
    ],
)
def test_every_date_form_yaml_yields_is_read_as_utc(raw, expected):
    text = f"---\ntitle: A\npublishedDateTime: {raw}\nwebUrl: https://a.example/\n---\n"
    assert parse_seed(text, "x.md").published_at == expected


def test_python_date_and_naive_datetime_values_are_utc():
    midnight = datetime(2024, 3, 4, tzinfo=UTC)
    assert parse(publishedDateTime=date(2024, 3, 4)).published_at == midnight
    naive = parse(publishedDateTime=datetime(2024, 3, 4, 5, 6)).published_at
    assert naive == datetime(2024, 3, 4, 5, 6, tzinfo=UTC)
    aware = datetime(2024, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-5)))
    assert parse(publishedDateTime=aware).published_at == datetime(2024, 3, 4, 10, 6, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["2024-02-30", "'2024-13-01'", "'yesterday'", "'2024-01-01T25:00'"])
def test_impossible_dates_are_invalid(raw):
    text = f"---\ntitle: A\npublishedDateTime: {raw}\nwebUrl: https://a.example/\n---\n"
    assert "publishedDateTime" in reason(text) or "invalid YAML" in reason(text)


def test_updated_defaults_to_published():
    article = parse()
    assert article.updated_at == article.published_at


def test_updated_is_read_when_given():
    article = parse(updatedDateTime="2024-02-01T00:00:00Z")
    assert article.updated_at == datetime(2024, 2, 1, tzinfo=UTC)


def test_original_url_wins_over_web_url():
    article = parse(originalUrl="https://a.example/original", webUrl="https://a.example/web")
    assert article.url == "https://a.example/original"


def test_web_url_is_used_without_original_url():
    assert parse(originalUrl=None, webUrl="https://a.example/web").url == "https://a.example/web"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "/relative/path",
                                 "ftp://a.example/x", "https://", "https://a<b.example/x"])
def test_article_url_must_be_absolute_http(url):
    with pytest.raises(SeedError, match="is not an absolute http"):
        parse(originalUrl=url)


@pytest.mark.parametrize("field", ["title", "publishedDateTime"])
def test_missing_required_field_is_invalid(field):
    with pytest.raises(SeedError, match=f"{field} is missing"):
        parse(**{field: None})


def test_missing_urls_are_invalid():
    with pytest.raises(SeedError, match="originalUrl and webUrl are both missing"):
        parse(originalUrl=None)


def test_empty_title_is_invalid():
    with pytest.raises(SeedError, match="title is empty"):
        parse(title="  ")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": 1984}, "title must be text"),
        ({"excerpt": ["a"]}, "excerpt must be text"),
        ({"topics": "AI"}, "topics must be a list"),
        ({"topics": [{"a": 1}]}, "topics must be a list of names"),
        ({"provider": "Wired"}, "provider must be a mapping"),
        ({"images": "https://a.example/i.png"}, "images must be a list"),
        ({"publishedDateTime": 20240101}, "publishedDateTime must be an ISO 8601"),
    ],
)
def test_field_of_wrong_type_is_invalid(overrides, message):
    with pytest.raises(SeedError, match=message):
        parse(**overrides)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("title: no front matter\n", "does not start with a '---'"),
        ("---\ntitle: A\n", "has no closing '---'"),
        ("---\ntitle: [unclosed\n---\n", "has invalid YAML at line"),
        ("---\n- a\n- list\n---\n", "not a mapping"),
    ],
)
def test_unreadable_front_matter_is_invalid(text, message):
    assert message in reason(text)


def test_crlf_line_ends_and_bom_are_read(tmp_path):
    path = tmp_path / "crlf.md"
    text = seed_text(**article_fields()).replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert read_seed(path, "crlf.md").title == "Article 1"


def test_non_utf8_file_is_invalid(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes(seed_text(**article_fields(title="Café")).encode("latin-1"))
    with pytest.raises(SeedError, match="is not UTF-8"):
        read_seed(path, "latin1.md")


def test_file_over_the_size_limit_is_invalid(tmp_path):
    path = tmp_path / "big.md"
    path.write_text(seed_text(**article_fields(excerpt="x" * MAX_SEED_BYTES)))
    with pytest.raises(SeedError, match="larger than"):
        read_seed(path, "big.md")


def test_control_characters_are_removed_raw_and_escaped():
    text = seed_text(**article_fields()).replace("Article 1", "Art\x01icle\x7f 1")
    assert parse_seed(text, "x.md").title == "Article 1"
    assert parse(excerpt="a\x00b\x1bc\ufffe").excerpt == "abc"


def test_text_after_the_front_matter_is_ignored():
    text = seed_text(**article_fields()) + "---\nnot: yaml: at all: [\n"
    assert parse_seed(text, "x.md").title == "Article 1"


def test_topics_slug_and_merge_within_a_seed():
    article = parse(topics=["Teams integration", "teams Integration", "AI", "!!!"])
    assert [(t.slug, t.name) for t in article.topics] == [
        ("teams-integration", "Teams integration"), ("ai", "AI")]


def test_provider_slug_is_domain_in_lowercase_else_name_slug():
    assert parse(provider={"name": "Wired", "domain": "Wired.COM"}).provider.slug == "wired.com"
    assert parse(provider={"name": "The Verge"}).provider.slug == "the-verge"


def test_images_keep_sizes_and_drop_unsafe_urls():
    article = parse(images=[
        {"url": "javascript:alert(1)", "width": 10, "height": 10},
        {"url": "https://img.example/a.png", "width": 640, "height": "480", "title": "A"},
    ])
    assert [(i.url, i.width, i.height, i.title) for i in article.images] == [
        ("https://img.example/a.png", 640, None, "A")]


def test_url_characters_a_url_may_not_hold_are_percent_encoded():
    assert parse(originalUrl="https://a.example/x y?q=<1>").url == (
        "https://a.example/x%20y?q=%3C1%3E")


def test_secured_is_never_read():
    article = parse(secured="c2VjcmV0")
    assert "c2VjcmV0" not in repr(article)
