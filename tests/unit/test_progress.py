"""Progress of the libraries' long work: a line every few seconds while it runs,
umap-learn's epochs with the time left."""

import logging
import re
import time

import numpy as np

from framescape.embed.neighbours import embed_umap_graph
from framescape.run import progress
from framescape.run.progress import watching


def messages(caplog):
    return [record.getMessage() for record in caplog.records]


def test_a_silent_block_gets_a_line_every_period(caplog):
    with (
        caplog.at_level(logging.INFO, logger="framescape"),
        watching("spectral start", every=0.1),
    ):
        time.sleep(0.55)
    lines = [line for line in messages(caplog) if line.startswith("spectral start")]
    assert 3 <= len(lines) <= 6
    assert all(re.fullmatch(r"spectral start: 0:00\.\d so far", line) for line in lines)


def test_reported_progress_silences_the_beat(caplog):
    with (
        caplog.at_level(logging.INFO, logger="framescape"),
        watching("layout", every=0.2) as watch,
    ):
        for done in range(1, 13):
            time.sleep(0.05)
            watch(done, 12, "steps")
    assert not [line for line in messages(caplog) if line.endswith("so far")]
    assert any(
        re.search(r"of 12 steps \(\d+ %\).*about .* left", m) for m in messages(caplog)
    )


def test_umap_logs_its_epochs_with_the_time_left(caplog, monkeypatch):
    """A real umap-learn layout from a neighbour graph: its epochs come back as
    progress lines with an estimate, and the coordinates are those of a run
    without them."""
    rng = np.random.default_rng(0)
    points = rng.normal(size=(400, 3))
    distances = np.linalg.norm(points[:, None] - points[None], axis=2)
    np.fill_diagonal(distances, np.inf)
    indices = np.argsort(distances, axis=1)[:, :20]
    near = np.take_along_axis(distances, indices, axis=1)
    options = {"n_neighbors": 15, "n_epochs": 200, "init": "random"}
    with caplog.at_level(logging.INFO, logger="framescape"):
        monkeypatch.setattr(progress, "EVERY", 0.05)
        watched = embed_umap_graph(indices, near, 0, **options)
    lines = [line for line in messages(caplog) if line.startswith("UMAP")]
    assert any(
        re.fullmatch(
            r"UMAP: [\d,]+ of 200 epochs \(\d+ %\), .* so far, about .* left", line
        )
        for line in lines
    ), lines
    monkeypatch.setattr(
        "framescape.embed.neighbours.umap_progress",
        lambda model: watching("quiet", 1e9),
    )
    plain = embed_umap_graph(indices, near, 0, **options)
    np.testing.assert_array_equal(watched, plain)
