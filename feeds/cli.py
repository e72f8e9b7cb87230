"""Commands: `flask --app wsgi check [DIR]`."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .corpus import Corpus


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(check_command)


@click.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@with_appcontext
def check_command(directory: Path | None) -> None:
    """Read every seed in DIRECTORY (default: SEEDS_DIR); list the invalid ones; exit 1 if any."""
    seeds_dir = directory or Path(current_app.config["SEEDS_DIR"])
    if not seeds_dir.is_dir():
        raise click.UsageError(f"{seeds_dir} is not a folder of seeds.")
    snapshot = Corpus(seeds_dir, reload_seconds=0, log_invalid=False).snapshot()
    for error in snapshot.invalid:
        click.echo(f"invalid: {error.path}: {error.reason}")
    click.echo(
        f"{snapshot.seeds} seeds: {snapshot.published} published, "
        f"{snapshot.unpublished} unpublished, {len(snapshot.invalid)} invalid; "
        f"{len(snapshot.site.articles)} articles listed, "
        f"{len(snapshot.topics)} topics, {len(snapshot.providers)} providers"
    )
    if snapshot.invalid:
        raise SystemExit(1)
