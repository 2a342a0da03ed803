"""Shared helpers: progress lines for long work."""

import logging

from framescape.common import Progress


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
