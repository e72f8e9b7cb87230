"""The package shows its stages, and every import points down the flow:
files -> ingest -> view -> output -> web -> HTTP (shared data in model, settings, text, periods)."""

import ast

import pytest
from conftest import REPO

STAGES = ["ingest", "view", "output", "web"]
SHARED = {"model", "settings", "text", "heap", "trust", "periods"}


def imported_stages(path) -> set[str]:
    """The stages (or shared modules) one module of feeds imports from."""
    package = path.parent.name
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            parts = ([] if package == "feeds" or node.level == 2 else [package])
            parts += (node.module or "").split(".")
            found.add(parts[0] if parts[0] else package)
    return found


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_only_the_stages_before_it_and_shared_data(stage):
    allowed = {stage, *STAGES[:STAGES.index(stage)], *SHARED}
    for path in sorted((REPO / "feeds" / stage).glob("*.py")):
        assert imported_stages(path) <= allowed, path.name


def test_shared_data_imports_no_stage():
    for name in SHARED:
        assert imported_stages(REPO / "feeds" / f"{name}.py") <= SHARED, name
