"""The size that bench/made_to_measure.py reports for the made-to-measure index."""

from array import array
from collections.abc import Callable
from pathlib import Path

from conftest import article_fields

from feeds.view.corpus import Corpus
from feeds.view.index import Index


def test_the_index_size_is_every_byte_its_arrays_hold(seeds_dir: Path,
                                                      write_seed: Callable[..., Path]) -> None:
    """The index's reported bytes are those of every array it holds, whatever its kind."""
    for n in range(1, 8):
        write_seed(f"{n}.md", **article_fields(n, excerpt=f"word{n} shared", heat=n))
    index = Index(Corpus(seeds_dir, reload_seconds=0).snapshot(watching=False))
    held = [value for value in vars(index).values() if isinstance(value, array)]
    held += [value for table in vars(index).values() if isinstance(table, dict)
             for value in table.values()]
    assert len(held) == 7 + len(index.sections) + len(index.words) > 9
    assert index.nbytes() == sum(memoryview(values).nbytes for values in held)
