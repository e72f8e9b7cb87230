"""`flask --app wsgi check [DIR]`: invalid seeds named with reasons, a summary, the exit status."""

from conftest import article_fields
from facts import CORPUS


def test_check_on_the_corpus_exits_0_with_its_summary(corpus_app, corpus_dir):
    result = corpus_app.test_cli_runner().invoke(args=["check", str(corpus_dir)])
    assert result.exit_code == 0, result.output
    assert CORPUS.check_line in result.output


def test_check_names_each_invalid_seed_and_exits_1(site_app, seeds_dir, write_seed):
    write_seed("good.md", **article_fields(1))
    write_seed("no-date.md", **article_fields(2, publishedDateTime=None))
    write_seed("sub/bad-url.md", **article_fields(3, originalUrl="javascript:alert(1)"))
    result = site_app.test_cli_runner().invoke(args=["check", str(seeds_dir)])
    assert result.exit_code == 1
    assert "invalid: no-date.md: publishedDateTime is missing" in result.output
    assert "invalid: sub/bad-url.md: originalUrl 'javascript:alert(1)' is not an absolute" in (
        result.output)
    assert "3 seeds: 1 published, 0 unpublished, 2 invalid" in result.output


def test_check_defaults_to_seeds_dir(make_client, write_seed):
    write_seed("a.md", **article_fields(1))
    app = make_client().application
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0
    assert "1 seeds: 1 published" in result.output


def test_check_refuses_a_missing_folder(site_app, tmp_path):
    result = site_app.test_cli_runner().invoke(args=["check", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "is not a folder of seeds" in result.output
