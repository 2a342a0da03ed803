"""Memory estimates and the guard that refuses a movie before decoding."""

import pytest

from framescape.common import FramescapeError
from framescape.resources import (
    GB,
    MB,
    assembly_memory,
    check_memory,
    machine_memory,
    movie_memory,
    step_memory,
    tile_memory,
)


def test_matrices_grow_with_the_square_of_the_frames():
    small = step_memory("embed_mds", 1000, 320, 240)
    large = step_memory("embed_mds", 10000, 320, 240)
    assert large - small == pytest.approx(20 * (10000**2 - 1000**2))
    assert step_memory("distances_gray", 1000, 640, 480) > step_memory(
        "distances_gray", 1000, 320, 240
    )


def test_the_largest_enabled_job_counts():
    needed, step = movie_memory(20000, 320, 240, ["gray"], ["mds", "umap"])
    assert step == "distances_gray"
    needed_embed, step = movie_memory(20000, 320, 240, [], ["mds", "umap"])
    assert step == "embed_umap" and needed_embed < needed


def test_estimates_cover_the_measured_peaks():
    """Peak RSS (MB) of each job in benchmarks/scaling.py, 320×240, 2026-11-25."""
    measured = {
        2000: {"distances_gray": 795, "distances_hsl": 946, "embed_mds": 331},
        10000: {"distances_gray": 3872, "distances_hsl": 3428, "embed_mds": 2001},
    }
    measured[2000].update(embed_tsne=244, embed_umap=429)
    measured[10000].update(embed_tsne=2099, embed_umap=1952)
    for frames, peaks in measured.items():
        for step, peak in peaks.items():
            estimate = step_memory(step, frames, 320, 240) / 2**20
            assert peak <= estimate <= 1.6 * peak, (frames, step, estimate, peak)


def test_tile_estimates_cover_the_measured_peaks():
    """benchmarks/tiles.py, 10,000 frames of 320×240 in tiles of 4,096: the
    largest tile (4,096 × 4,096 frames, off the diagonal) and the assembly."""
    for metric, peak in (("gray", 2707), ("hsl", 1714)):
        estimate = tile_memory(metric, 4096, 4096, False, 10000, 320, 240) / MB
        assert peak <= estimate <= 1.6 * peak, (metric, estimate, peak)
    estimate = assembly_memory(10000, 4096) / MB
    assert 567 <= estimate <= 1.6 * 567, estimate


def test_tiles_make_distances_smaller_than_layouts():
    """Tiled, a long movie's largest job is a layout (N² pairs of float64 work),
    no longer its distances."""
    whole, step = movie_memory(40000, 320, 240, ["gray", "hsl"], ["mds"])
    assert step == "distances_hsl"
    tiled, step = movie_memory(40000, 320, 240, ["gray", "hsl"], ["mds"], 4096)
    assert step == "embed_mds" and tiled < whole
    assert tiled == step_memory("embed_mds", 40000, 320, 240)


def test_guard_says_how_much_and_what_to_change():
    needed, _ = movie_memory(40000, 320, 240, ["gray", "hsl"], ["mds"], 4096)
    with pytest.raises(FramescapeError) as error:
        check_memory(needed, 40000, 320, 240, 2, limit=16 * GB)
    message = str(error.value)
    assert message.startswith("needs about 30.1 GB of memory (40000 frames of 320x240)")
    assert "but 16.0 GB is available: lower fps (now 2)" in message
    assert check_memory(GB, 100, 320, 240, 1, limit=16 * GB) == GB


def test_machine_memory_is_physical_or_less():
    assert 0 < machine_memory() <= 2**60
