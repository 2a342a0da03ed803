"""The reuse stage's search in blocks (framescape.reuse.search): the same pairs
and the same reuse.tsv as the one job's search through the index."""

import numpy as np
import pytest

from framescape.common import FramescapeError, save_npz
from framescape.reuse import descriptors as reuse_descriptors
from framescape.reuse import jobs as reuse_jobs
from framescape.reuse import matching as reuse_matching
from framescape.reuse import parameters as reuse_parameters
from framescape.reuse import search as reuse_search
from framescape.testing import run_with_threads


def walk(rng, windows, kept=0.8):
    """``(windows, 12, 16)`` cells of footage with motion: each window keeps
    ``kept`` of the last one's picture."""
    cells = np.empty((windows, 12, 16))
    cells[0] = rng.uniform(0, 255, size=(12, 16))
    for t in range(1, windows):
        fresh = rng.uniform(0, 255, size=(12, 16))
        cells[t] = kept * cells[t - 1] + (1 - kept) * fresh
    return cells


def folder(tmp_path):
    """Three movies' descriptors.npz: b holds 40 windows of a (slightly
    changed), c 30 of b's own, and each has windows without a descriptor."""
    rng = np.random.default_rng(3)
    a, b, c = walk(rng, 500), walk(rng, 420), walk(rng, 380)
    b[200:240] = a[100:140] + rng.normal(0, 2, size=(40, 12, 16))
    c[50:80] = b[300:330] * 0.9 + 10
    paths = []
    for name, cells in zip("abc", (a, b, c)):
        vectors = reuse_descriptors.descriptors_of_cells(cells.astype(np.float32))
        vectors[::37] = 0
        paths.append(tmp_path / f"{name}.npz")
        save_npz(
            paths[-1],
            vectors=vectors,
            times=np.arange(len(vectors)) * 0.5,
            interval=np.float64(1.0),
            parts=np.int64(12),
        )
    return paths


def searched(tmp_path, npzs, blocks):
    """The index of ``npzs`` (``windows.faiss``) and the pairs of its first
    ``blocks`` blocks, as reuse_index and reuse_search make them: their files."""
    index = tmp_path / "windows.faiss"
    reuse_search.index_step(npzs, index)
    parts = []
    for block in range(blocks):
        parts.append(tmp_path / f"pairs_{block}.npz")
        reuse_search.search_step(npzs, index, parts[-1], str(block), 3.0)
    return parts


def test_blocks_find_the_pairs_and_stretches_of_one_indexed_search(
    tmp_path, monkeypatch
):
    """An index of 25 lists searched in 4 of them, the searched windows in
    blocks of 128: the union of the blocks' pairs is indexed_pairs' for all of
    them at once, and reuse.tsv from the blocks is the one written from those
    pairs byte for byte, with the stretches the footage shares."""
    monkeypatch.setattr(reuse_matching, "LIST_WINDOWS", 50)
    monkeypatch.setattr(reuse_matching, "PROBES", 4)
    monkeypatch.setattr(reuse_parameters, "SEARCH_ROWS", 128)
    npzs = folder(tmp_path)
    windows = [500, 420, 380]
    assert reuse_parameters.search_rows(windows) == 650
    assert reuse_parameters.search_blocks(windows) == 6
    parts = searched(tmp_path, npzs, 6)
    found = reuse_jobs.load_descriptors(npzs)
    whole = reuse_matching.indexed_pairs(
        found.vectors,
        found.movie,
        found.time,
        3.0,
        rows=reuse_jobs.pair_rows(found.movie),
    )
    joined = reuse_matching.unique_pairs([np.load(part)["pairs"] for part in parts])
    assert len(whole) > 100
    assert np.array_equal(joined, whole)
    rows = reuse_jobs.reuse_step(
        npzs, ["a", "b", "c"], 3.0, tmp_path / "b.tsv", pair_npzs=parts
    )
    reuse_jobs.write_stretches(found, whole, ["a", "b", "c"], 3.0, tmp_path / "one.tsv")
    assert {(row[0], row[3]) for row in rows} >= {("a", "b"), ("b", "c")}, rows
    assert (tmp_path / "b.tsv").read_bytes() == (tmp_path / "one.tsv").read_bytes()


def test_blocks_that_miss_windows_are_an_error(tmp_path, monkeypatch):
    """Pairs of fewer blocks than the windows loaded make, or a block past the
    last: one clear error, never a reuse.tsv that leaves windows out."""
    monkeypatch.setattr(reuse_parameters, "SEARCH_ROWS", 128)
    npzs = folder(tmp_path)
    parts = searched(tmp_path, npzs, 5)
    with pytest.raises(FramescapeError, match="5 searched blocks of pairs for 1,300"):
        reuse_jobs.reuse_step(npzs, ["a", "b", "c"], 3.0, tmp_path / "r.tsv", pair_npzs=parts)
    assert not (tmp_path / "r.tsv").exists()
    with pytest.raises(FramescapeError, match="block 6 of the searched windows"):
        reuse_search.search_step(
            npzs, tmp_path / "windows.faiss", tmp_path / "p.npz", "6", 3.0
        )


def test_a_folder_of_blank_windows_pairs_nothing(tmp_path):
    """Fewer than two described windows: an empty index, no pairs, the header."""
    path = tmp_path / "a.npz"
    save_npz(
        path,
        vectors=np.zeros((5, 192), np.float32),
        times=np.arange(5) * 0.5,
        interval=np.float64(1.0),
        parts=np.int64(12),
    )
    reuse_search.index_step([path], tmp_path / "w.faiss")
    reuse_search.search_step([path], tmp_path / "w.faiss", tmp_path / "p.npz", "0", 3)
    assert np.load(tmp_path / "p.npz")["pairs"].shape == (0, 2)
    rows = reuse_jobs.reuse_step(
        [path], ["a"], 3.0, tmp_path / "r.tsv", pair_npzs=[tmp_path / "p.npz"]
    )
    assert rows == []
    assert (tmp_path / "r.tsv").read_text().count("\n") == 1


@pytest.mark.parametrize("windows", [0, 1, 9, 10, 999, 1000, 123_457])
def test_windows_are_known_from_the_descriptors_size(tmp_path, windows):
    """The run plans the search from each descriptors.npz's size (in a storage
    only its size is known): exactly its windows."""
    path = tmp_path / "d.npz"
    save_npz(
        path,
        vectors=np.zeros((windows, 192), np.float32),
        times=np.zeros(windows),
        interval=np.float64(1.0),
        parts=np.int64(12),
    )
    size = path.stat().st_size
    assert reuse_parameters.descriptor_windows_sized(size) == windows


def test_search_blocks_count_every_other_window_of_each_movie():
    rows = reuse_parameters.SEARCH_ROWS
    assert reuse_parameters.search_rows([3, 4, 0]) == 4
    assert reuse_parameters.search_blocks([]) == 1
    assert reuse_parameters.search_blocks([2 * rows]) == 1
    assert reuse_parameters.search_blocks([2 * rows + 1]) == 2


SEARCH_IN_A_FRESH_PROCESS = """
import sys
from pathlib import Path
from framescape.reuse import matching, parameters, search
folder, threads = Path(sys.argv[1]), int(sys.argv[2])
matching.LIST_WINDOWS, matching.PROBES, parameters.SEARCH_ROWS = 50, 4, 128
npzs = sorted(folder.glob("*.npz"))
out = folder / str(threads)
out.mkdir()
search.index_step(npzs, out / "windows.faiss", threads)
for block in range(3):
    search.search_step(npzs, out / "windows.faiss", out / f"pairs_{block}.npz",
                       str(block), 3.0, threads)
import faiss, numba
print(numba.get_num_threads(), faiss.omp_get_max_threads())
"""


def test_the_jobs_write_the_same_bits_on_one_thread_and_two(tmp_path):
    """reuse_index and reuse_search ask for one thread (run with --set-threads
    they get more): each, in a process of its own with numba's, faiss's and
    BLAS's threads at 1 and at 2, writes the same bytes."""
    folder(tmp_path)
    for threads in ("1", "2"):
        printed = run_with_threads(
            SEARCH_IN_A_FRESH_PROCESS, tmp_path, threads, threads=threads
        )
        assert printed.split() == [threads, threads]  # numba's, faiss's
    names = ["windows.faiss", "pairs_0.npz", "pairs_1.npz", "pairs_2.npz"]
    for name in names:
        assert (tmp_path / "1" / name).read_bytes() == (
            tmp_path / "2" / name
        ).read_bytes(), name
    with np.load(tmp_path / "1" / "pairs_0.npz") as first:
        assert len(first["pairs"]) > 0
