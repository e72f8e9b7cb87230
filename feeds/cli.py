"""Commands: `flask --app wsgi check [DIR]`, `export OUTDIR` and `serve`."""

import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from .audience_log import audience_log_command
from .heap import collector_paused
from .output.export import ExportError, base_url_for_export, export, site_files
from .serve import serve_command
from .view.corpus import Corpus
from .view.snapshot import Snapshot
from .web.state import current_state


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(check_command)
    app.cli.add_command(export_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(audience_log_command)


@click.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@with_appcontext
def check_command(directory: Path | None) -> None:
    """Read every seed in DIRECTORY (default: SEEDS_DIR); list the invalid ones; exit 1 if any."""
    seeds_dir = directory or Path(current_state().settings.seeds_dir)
    if not seeds_dir.is_dir():
        raise click.UsageError(f"{seeds_dir} is not a folder of seeds.")
    corpus = _corpus(seeds_dir, log_invalid=False)
    snapshot = corpus.snapshot()
    if corpus.wants_saving():  # a cache for a server to start from: with the view's index
        corpus.prepare()
    corpus.save_cache()
    for problem in corpus.problems:
        click.echo(f"unreadable: {problem}")
    for error in snapshot.invalid:
        click.echo(f"invalid: {error.path}: {error.reason}")
    click.echo(
        f"{snapshot.seed_count} seeds: {snapshot.published_count} published, "
        f"{snapshot.unpublished_count} unpublished, {len(snapshot.invalid)} invalid; "
        f"{len(snapshot.site.articles)} articles listed, "
        f"{len(snapshot.topics)} topics, {len(snapshot.providers)} providers"
    )
    if snapshot.invalid or corpus.problems:
        raise SystemExit(1)


@click.command("export")
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option("--base-url", help="Scheme, host and prefix the export is served at "
              "(default: FEEDS_BASE_URL).")
@with_appcontext
def export_command(outdir: Path, base_url: str | None) -> None:
    """Write every first-page feed, the HTML pages and opml.xml under OUTDIR, atomically."""
    try:
        settings = current_state().settings
        base = base_url_for_export(base_url, settings)
        snapshot = _read_once(Path(settings.seeds_dir))
        report = export(outdir.absolute(), site_files(snapshot, base, settings))
    except ExportError as error:
        raise click.UsageError(str(error)) from None
    if report.version is None:
        click.echo(f"{outdir}: all {report.files} files unchanged; nothing written")
    else:
        click.echo(f"{outdir} -> {report.version.name}: {report.files} files, "
                   f"{report.written} written, {report.linked} unchanged")
    if snapshot.invalid:
        click.echo(f"{len(snapshot.invalid)} invalid seeds skipped; `check` lists them", err=True)


def _read_once(seeds_dir: Path) -> Snapshot:
    """Read a seeds folder once, through the parse cache when CACHE_DIR is set."""
    corpus = _corpus(seeds_dir)
    snapshot = corpus.snapshot()
    corpus.save_cache()
    return snapshot


def _corpus(seeds_dir: Path, log_invalid: bool = True) -> Corpus:
    """A corpus that reads seeds_dir once, through the parse cache when CACHE_DIR is set."""
    return Corpus.from_settings(current_state().settings, seeds_dir=seeds_dir, reload_seconds=0,
                                heap_policy=collector_paused, log_invalid=log_invalid,
                                progress=_progress())


def _progress() -> Callable[[int, int], None] | None:
    """A progress line on a terminal (rewritten in place); nothing when output is not one."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        click.echo(f"\rread {done:,} of {total:,} seeds{end}", err=True, nl=False)

    return show
