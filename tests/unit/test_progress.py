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


def test_a_silent_block_gets_a_line_while_it_runs(caplog):
    """The thread's lines, in real time: at least one while the block runs,
    none once it has ended."""
    with (
        caplog.at_level(logging.INFO, logger="framescape"),
        watching("spectral start", every=0.1),
    ):
        time.sleep(0.6)
    lines = [line for line in messages(caplog) if line.startswith("spectral start")]
    assert lines
    assert all(re.fullmatch(r"spectral start: 0:00\.\d so far", line) for line in lines)
    time.sleep(0.3)
    assert len(messages(caplog)) == len(lines)


def test_a_line_comes_only_after_a_silent_period(caplog):
    """A line every period without another; a count's line puts the next one
    off, a count whose line is held back (the first) does not."""
    now = [0.0]
    watch = progress.Watch("layout", every=10.0, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="framescape"):
        for second in (5, 10, 15, 20):
            now[0] = second
            watch.beat()
        now[0] = 22
        watch(1, 12, "steps")
        for second in (25, 29, 30, 39):
            now[0] = second
            watch.beat()
        now[0] = 40
        watch(3, 12, "steps")
        now[0] = 49
        watch.beat()
    assert messages(caplog) == [
        "layout: 0:10.0 so far",
        "layout: 0:20.0 so far",
        "layout: 0:30.0 so far",
        "layout: 3 of 12 steps (25 %), 0:18.0 so far, about 0:54.0 left",
    ]


def test_the_time_left_counts_from_the_first_report(caplog):
    """Two minutes of uncounted work, then 200 epochs in two: half-way, one
    minute left (not the eight the whole time so far would predict)."""
    now = [0.0]
    watch = progress.Watch("UMAP", clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="framescape"):
        for second, done in ((120, 0), (150, 50), (180, 100)):
            now[0] = second
            watch(done, 200, "epochs")
    assert messages(caplog)[-1] == (
        "UMAP: 100 of 200 epochs (50 %), 1:00.0 so far, about 1:00.0 left"
    )


def test_a_line_between_two_counts_carries_the_time_left_on(caplog):
    """Counts 30 s apart (t-SNE counts from its first iteration, then every
    10), a line every 10 s: between two counts, the time left the last one
    predicted, less what has passed since, timed as the progress lines are."""
    now = [0.0]
    watch = progress.Watch("t-SNE", every=10.0, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="framescape"):
        now[0] = 10
        watch.beat()
        now[0] = 20
        watch(0, 1000, "iterations")
        now[0] = 50
        watch(10, 1000, "iterations")
        for second in (55, 60, 70, 3100):
            now[0] = second
            watch.beat()
    assert messages(caplog) == [
        "t-SNE: 0:10.0 so far",
        "t-SNE: 10 of 1,000 iterations (1 %), 0:30.0 so far, about 49:30.0 left",
        "t-SNE: 0:40.0 so far, about 49:20.0 left",
        "t-SNE: 0:50.0 so far, about 49:10.0 left",
        "t-SNE: 51:20.0 so far, about 0:00.0 left",
    ]


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
