"""Memory estimates and the guard that refuses a movie before decoding.

The refusal through a real workflow run is in test_bad_input.py, on a SLURM
cluster (the limit of a node) in test_slurm.py."""

import pytest

from framescape.common import GB, MB, FramescapeError
from framescape.distances.resources import step_memory
from framescape.pages.resources import plot_maps_memory
from framescape.resources import (
    SNAKEMAKE_PROCESSES,
    job_mb,
    megabytes,
    minutes,
    snakemake_memory,
)
from framescape.run.guard import (
    check_memory,
    dense_max_frames,
    largest_ask,
    movie_memory,
)


def test_the_largest_enabled_job_counts():
    needed, step = movie_memory(20000, 320, 240, ["gray"], ["mds", "umap"])
    assert step == "distances_gray"
    needed_embed, step = movie_memory(20000, 320, 240, [], ["mds", "umap"])
    assert step == "embed_umap" and needed_embed < needed


def test_tiles_make_distances_smaller_than_layouts():
    """Tiled, a long movie's largest job is a layout (N² pairs of float64 work),
    no longer its distances."""
    whole, step = movie_memory(40000, 320, 240, ["gray", "hsl"], ["mds"])
    assert step == "distances_hsl"
    tiled, step = movie_memory(40000, 320, 240, ["gray", "hsl"], ["mds"], 4096)
    assert step == "embed_mds" and tiled < whole
    assert tiled == step_memory("embed_mds", 40000, 320, 240)


def test_guard_refuses_only_what_exceeds_the_limit():
    # What the largest job asks for: its step and the Snakemake processes.
    limit = 3 * GB
    with pytest.raises(FramescapeError) as error:
        check_memory(4 * GB, 40000, 320, 240, 2, limit=limit)
    assert str(error.value).startswith(
        "needs about 4.0 GB of memory (40000 frames of 320x240) but 3.0 GB is "
        "available: lower fps (now 2)"
    )
    assert check_memory(limit, 100, 320, 240, 1, limit=limit) == limit
    with pytest.raises(FramescapeError):
        check_memory(limit + MB, 100, 320, 240, 1, limit=limit)
    # A movie on the dense path by an explicit dense_max_frames: that is what to lower.
    with pytest.raises(FramescapeError) as error:
        check_memory(4 * GB, 40000, 320, 240, 2, limit=limit, dense_max=50000)
    assert str(error.value).endswith(
        "or lower dense_max_frames (now 50000) below 40000 frames: the "
        "neighbour-graph path needs no N×N matrix"
    )


def test_dense_max_frames_leaves_room_for_snakemakes_processes():
    """dense_max_frames auto: the most frames whose largest job fits, as the job
    asks for it (its step and the Snakemake processes that run it, the folder's
    movies counted up to whole thousands)."""
    needed, _ = movie_memory(3000, 320, 240, ["gray", "hsl"], ["mds"], 4096)
    args = (320, 240, ["gray", "hsl"], ["mds"], 4096)
    # Movies counted up to whole thousands: the path stays as a folder grows
    # by fewer.
    limit = job_mb(needed, 1000) * MB
    fits = dense_max_frames(limit, *args)
    assert fits >= 3000 and dense_max_frames(limit, *args, movies=1000) == fits
    assert dense_max_frames(limit - MB, *args) < 3000
    assert dense_max_frames(limit, *args, movies=1001) < 3000
    # In a folder of 4,000 movies they take 59 MB more than in one of 1,000.
    limit = job_mb(needed, 4000) * MB
    assert dense_max_frames(limit, *args, movies=3001) >= 3000
    assert dense_max_frames(limit, *args, movies=4001) < 3000


def test_a_job_asks_for_its_step_and_snakemakes_processes():
    """Whole MiB, rounded up, as SLURM reads --mem; 300 MB and 20 KiB a movie of
    the folder more than the step."""
    assert megabytes(MB) == 1 and megabytes(MB + 1) == 2 and megabytes(0) == 0
    assert SNAKEMAKE_PROCESSES == 300 * MB
    assert job_mb(1) == 301 and job_mb(5 * MB) == 306
    assert job_mb(0, movies=1000) == 320 and job_mb(0, movies=4000) == 379
    # Inside SLURM jobs the two Snakemake processes held 271, 286 and 336 MB
    # at most in folders of 1, 1,000 and 4,000 movies, the shell and srun up to
    # 13 MB more.
    for movies, held in ((1, 271), (1000, 286), (4000, 336)):
        assert snakemake_memory(movies) >= (held + 13) * MB


def test_the_largest_ask_counts_the_plot_of_a_long_movie():
    """A movie's plot of its maps grows with its frames: on small frames it can
    ask for more than the movie's distance and layout jobs."""
    assert largest_ask(5 * GB, 40000) == job_mb(5 * GB) * MB
    plot = plot_maps_memory(40000)
    assert plot > 800 * MB
    assert largest_ask(0, 40000) == largest_ask(plot, 40000) == job_mb(plot) * MB
    assert largest_ask(0, 40000, movies=4000) == job_mb(plot, 4000) * MB


def test_a_job_asks_for_three_times_its_time_and_ten_minutes_more():
    assert minutes(0) == 10 and minutes(20) == 11 and minutes(600) == 40
