"""The export never follows or trusts a link or a folder others may write, and no provider
slug it writes ends like a feed."""

import os

import pytest
from conftest import BASE_URL, article_fields

from feeds.output.export import ExportError, export

# Export


def test_export_refuses_a_versions_folder_that_is_a_link(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "keep").mkdir(parents=True)
    (elsewhere / "keep" / "secret").write_text("x")
    os.chmod(elsewhere / "keep" / "secret", 0o600)
    (tmp_path / ".site.versions").symlink_to(elsewhere)
    with pytest.raises(ExportError, match="not a folder"):
        export(tmp_path / "site", {"a.txt": b"a"})
    assert (elsewhere / "keep" / "secret").stat().st_mode & 0o777 == 0o600


def test_export_never_follows_a_link_planted_among_its_versions(tmp_path):
    out = tmp_path / "site"
    export(out, {"a.txt": b"one"})
    secret = tmp_path / "secret"
    secret.write_text("one")
    os.chmod(secret, 0o600)
    version = out.resolve()
    (version / "a.txt").unlink()
    (version / "a.txt").symlink_to(secret)  # as if planted by someone else
    (version.parent / "planted").symlink_to(secret)
    report = export(out, {"a.txt": b"one", "b.txt": b"two"})
    assert secret.stat().st_mode & 0o777 == 0o600 and secret.read_text() == "one"
    assert not (out / "a.txt").is_symlink() and (out / "a.txt").read_bytes() == b"one"
    assert report.linked == 0 and (version.parent / "planted").is_symlink()


def test_export_refuses_a_versions_folder_others_may_write(tmp_path):
    versions = tmp_path / ".site.versions"
    versions.mkdir()
    os.chmod(versions, 0o777)
    with pytest.raises(ExportError, match="others may write it"):
        export(tmp_path / "site", {"a.txt": b"a"})


def test_export_keeps_the_version_it_replaced_behind_a_linked_parent(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "linked").symlink_to(real)
    out = tmp_path / "linked" / "site"
    export(out, {"a.txt": b"one"})
    first = out.resolve()
    export(out, {"a.txt": b"two"})
    assert first.is_dir() and (first / "a.txt").read_bytes() == b"one"


# Slugs that end like a feed


def test_a_provider_slug_never_ends_like_a_feed(write_seed, make_client, tmp_path):
    write_seed("a.md", **article_fields(1, provider={"name": "Plain", "domain": "example.com"}))
    write_seed("b.md", **article_fields(2, provider={"name": "Suffixed",
                                                     "domain": "example.com.rss"}))
    client = make_client()
    assert b"Suffixed" in client.get("/providers/example.com-rss.rss").data
    assert b"Suffixed" not in client.get("/providers/example.com.rss").data
    assert b"/providers/example.com-rss" in client.get("/").data
    app = client.application
    result = app.test_cli_runner().invoke(args=["export", str(tmp_path / "out"),
                                                "--base-url", BASE_URL])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "providers" / "example.com-rss" / "index.html").is_file()
