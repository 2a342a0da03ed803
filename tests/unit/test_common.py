"""Shared helpers: progress lines for long work, files written the same way twice."""

import logging
import time

import numpy as np

from framescape.common import Progress, npy_shape, save_npz


def test_progress_lines_say_how_far_and_how_long(caplog):
    """At most one line every 10 s: done of total, share, time so far and left."""
    now = [0.0]
    progress = Progress("gray distances of clip", clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="framescape"):
        for second, done in ((4, 100), (10, 250), (15, 300), (30, 750)):
            now[0] = second
            progress(done, 1000, "pairs")
    first = "gray distances of clip: 250 of 1,000 pairs (25 %), 0:10.0 so far"
    second = "gray distances of clip: 750 of 1,000 pairs (75 %), 0:30.0 so far"
    assert [record.getMessage() for record in caplog.records] == [
        f"{first}, about 0:30.0 left",
        f"{second}, about 0:10.0 left",
    ]


def test_npz_bytes_depend_on_the_arrays_only(tmp_path, monkeypatch):
    """The same arrays written at another time give the same bytes (a rerun on
    the cluster is compared byte for byte with the local run)."""
    arrays = {"indices": np.arange(6, dtype=np.int32), "distances": np.ones(6)}
    save_npz(tmp_path / "first.npz", **arrays)
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(time, "localtime", lambda *_: time.gmtime(later))
    save_npz(tmp_path / "second.npz", **arrays)
    assert (tmp_path / "first.npz").read_bytes() == (
        tmp_path / "second.npz"
    ).read_bytes()
    with np.load(tmp_path / "second.npz") as loaded:
        assert loaded.files == ["indices", "distances"]
        assert np.array_equal(loaded["indices"], arrays["indices"])


def test_npy_shape_reads_the_header_of_a_file_cut_short(tmp_path):
    """Sizing a job from a damaged frames file must not fail the run's plan."""
    path = tmp_path / "frames.npy"
    np.save(path, np.zeros((7, 30, 40, 3), np.uint8))
    with open(path, "r+b") as handle:
        handle.truncate(200)
    assert npy_shape(path) == (7, 30, 40, 3)
