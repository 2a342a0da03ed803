"""The memory guard: the most any one job of a movie needs, on the dense path
(:func:`movie_memory`) or the neighbour-graph path (:func:`graph_memory`), the
memory a job may use (this machine's or cgroup's, or the largest node of a SLURM
partition), and the refusal of a movie that cannot fit, before any decoding
starts (:func:`check_memory`).

The needs add up the stages' own estimates (:mod:`framescape.distances.resources`,
:mod:`framescape.graph.resources`); ``dense_max_frames: auto`` is the most frames
whose dense path fits (:func:`dense_max_frames`)."""


import os
import re
import subprocess

from framescape.common import GB, MB, FramescapeError
from framescape.distances.parameters import FRAME_BLOCK
from framescape.distances.resources import (
    UMAP_COMPILE_BYTES,
    assembly_memory,
    step_memory,
    tile_memory,
)
from framescape.embed.parameters import LANDMARKS, MEASURED_BLOCK, PLACE_BLOCK
from framescape.graph.resources import (
    FEATURE_BYTES,
    GRAPH_EDGE_BYTES,
    GRAPH_FIXED,
    graph_candidates_memory,
    graph_merge_memory,
    graph_rerank_memory,
)
from framescape.pages.resources import plot_maps_memory, viewer_memory
from framescape.resources import MIN_RUNTIME, job_mb, megabytes, snakemake_memory


def movie_memory(n_frames, width, height, metrics, methods, tile_frames=None):
    """The most any one job of this movie needs: ``(bytes, step)``. A movie of
    more than ``tile_frames`` frames has its distances in tiles."""
    needs = []
    for metric in metrics:
        step = f"distances_{metric}"
        if tile_frames and n_frames > tile_frames:
            tile = min(tile_frames, n_frames)
            needs.append(
                (tile_memory(metric, tile, tile, False, n_frames, width, height), step)
            )
            needs.append((assembly_memory(n_frames, tile_frames), step))
        else:
            needs.append((step_memory(step, n_frames, width, height), step))
    for method in methods:
        step = f"embed_{method}"
        needs.append((step_memory(step, n_frames, width, height), step))
    return max(needs)


def graph_memory(n_frames, width, height, metrics, methods, k, umap_neighbors=None):
    """The most any one job of a movie on the neighbour-graph path needs:
    ``(bytes, step)``; ``k`` is the graph's neighbours per frame.

    UMAP lays out ``umap_neighbors`` of them (its ``n_neighbors``, itself
    included), when known: it holds the whole graph as read, then its own
    edges. t-SNE's 3 × perplexity neighbours are about the graph's k."""
    pixels = width * height
    needs = []
    for metric in metrics:
        for name, step in (
            ("candidates", graph_candidates_memory),
            ("rerank", graph_rerank_memory),
            ("merge", graph_merge_memory),
        ):
            needs.append(
                (step(metric, n_frames, width, height, k), f"graph_{name}_{metric}")
            )
    for method in methods:
        if method == "mds":
            landmarks = min(LANDMARKS, n_frames)
            features = FEATURE_BYTES * pixels * (landmarks + min(FRAME_BLOCK, n_frames))
            # The landmarks' float32 distances to every frame, their float64
            # squares of a block of frames (PLACE_BLOCK) and the places, twice.
            block = min(PLACE_BLOCK, n_frames)
            total = GRAPH_FIXED + 4 * landmarks * n_frames + features
            total += 8 * landmarks * block + 32 * n_frames
        elif method == "umap" and umap_neighbors is not None:
            # The folder map's UMAP of a million frames with 30 of 91
            # neighbours peaked at 3,656 MB, where k's edges would count 10.8 GB
            # (docs/performance.md, "The folder map").
            edges = min(umap_neighbors, k + 1)
            total = GRAPH_FIXED + 8 * n_frames * k + GRAPH_EDGE_BYTES * n_frames * edges
            total += UMAP_COMPILE_BYTES  # without numba's cache on the node
            # The rows it may read for identical frames (embed.identical),
            # and the features they are measured from.
            total += 4 * MEASURED_BLOCK * n_frames
            total += FEATURE_BYTES * pixels * (MEASURED_BLOCK + min(FRAME_BLOCK, n_frames))
        else:
            total = GRAPH_FIXED + GRAPH_EDGE_BYTES * n_frames * k
        needs.append((int(total), f"embed_{method}"))
    return max(needs)


def graph_runtime(n_frames):
    """Minutes to ask for laying out a long movie from its neighbour graph: a
    minute per 1,000 frames beside the margin (t-SNE and UMAP grow with N × k,
    landmark MDS with L × N)."""
    return int(MIN_RUNTIME + -(-n_frames // 1000))


def dense_max_frames(limit, width, height, metrics, methods, tile_frames, movies=1):
    """The most frames whose dense path (N × N matrices) fits in ``limit`` bytes
    (``dense_max_frames: auto``), at least 1: its largest job, as the job asks
    for it in a folder of ``movies`` movies (with the Snakemake processes,
    :func:`~framescape.resources.snakemake_memory`), counted up to whole
    thousands: a folder that grows moves a movie to the other path only as it
    passes a thousand. Rounded as the guard rounds (the ask up, the limit down
    to whole MiB), so that no movie planned dense is refused."""
    snakemake = snakemake_memory(-(-max(1, movies) // 1000) * 1000)
    limit = limit // MB * MB
    low, high = 1, 1 << 20
    while low < high:
        middle = (low + high + 1) // 2
        needed, _ = movie_memory(middle, width, height, metrics, methods, tile_frames)
        if megabytes(needed + snakemake) * MB <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def machine_memory():
    """Bytes this process may use: physical memory, or a smaller cgroup limit
    (a container's, or the allocation a local run was started in)."""
    limits = [os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")]
    for path in (
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ):
        try:
            with open(path) as limit:
                text = limit.read().strip()
        except OSError:
            continue
        if text.isdigit():
            limits.append(int(text))
    return min(limits)


def slurm_query(*command):
    """The output of a SLURM client command; a FramescapeError naming it when it fails."""
    try:
        done = subprocess.run(
            command, check=False, capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        failure = str(error)
    else:
        if done.returncode == 0:
            return done.stdout
        failure = done.stderr.strip() or f"exit status {done.returncode}"
    raise FramescapeError(
        f"memory_limit_gb auto: `{' '.join(command)}` failed ({failure}); "
        "set memory_limit_gb in the config to the memory of your largest node"
    )


def partition_memory(partition):
    """Bytes the largest node of a SLURM ``partition`` offers one job: its
    ``RealMemory`` (``sinfo %m``), or the partition's ``MaxMemPerNode`` when smaller.

    On a cluster the memory guard runs in the small extract_frames job, whose own
    allocation (and cgroup) says nothing of what the large jobs of the movie will
    get; they can get at most this.
    """
    nodes = slurm_query(
        "sinfo", "--noheader", "--Node", "--partition", partition, "--format", "%m"
    )
    sizes = [int(size) for size in re.findall(r"^\s*(\d+)", nodes, re.MULTILINE)]
    if not sizes:
        raise FramescapeError(
            f"memory_limit_gb auto: SLURM partition '{partition}' lists no node "
            "with its memory (sinfo); set memory_limit_gb in the config"
        )
    shown = slurm_query("scontrol", "--oneliner", "show", "partition", partition)
    cap = re.search(r"\bMaxMemPerNode=(\d+)", shown)
    largest = max(sizes) if cap is None else min(max(sizes), int(cap.group(1)))
    return largest * MB


def available_memory(partition=None):
    """Bytes the memory guard allows one job: the largest node of the SLURM
    ``partition`` the workflow's jobs go to (a job the SLURM executor submitted),
    else this machine's (:func:`machine_memory`)."""
    return partition_memory(partition) if partition else machine_memory()


def largest_ask(needed, n_frames, movies=1):
    """Bytes the largest job of a movie of ``n_frames`` frames asks for (its
    ``mem_mb``): the larger of ``needed``, its largest distance, graph or layout
    job's step (:func:`movie_memory`, :func:`graph_memory`), and its plot of the
    maps or its viewer, which grow with the frames too
    (:mod:`framescape.pages.resources`); with the Snakemake processes of a
    folder of ``movies`` movies (:func:`~framescape.resources.job_mb`)."""
    pages = max(plot_maps_memory(n_frames), viewer_memory(n_frames))
    return job_mb(max(needed, pages), movies) * MB


def check_memory(
    asked, n_frames, width, height, fps, limit=None, partition=None, dense_max=0
):
    """Refuse a movie whose largest job would not fit in memory, as the job asks
    for it (its step and the Snakemake processes that run it on a cluster), so
    that no job asks a cluster for more than a node has.

    Parameters
    ----------
    asked : int
        Bytes the movie's largest job asks for (:func:`largest_ask`).
    n_frames : int
        Frames the movie will give (duration × fps); ``width``, ``height`` and
        ``fps`` are its settings, for the message.
    limit : int, optional
        Bytes allowed (``memory_limit_gb``); when not given, what
        :func:`available_memory` finds for ``partition``.
    partition : str, optional
        The SLURM partition of a job the SLURM executor submitted.
    dense_max : int, optional
        The config's dense_max_frames when it put the movie on the dense path
        (not auto): then lowering it is what to do.

    Returns
    -------
    int
        ``asked``, when it fits.

    Raises
    ------
    FramescapeError
        Saying how much the movie needs, how much there is and what to change.
    """
    where = ""
    if not limit:
        limit = available_memory(partition)
        if partition:
            where = f" on a node of SLURM partition {partition}"
    if asked <= limit:
        return asked
    remedy = (
        f"lower dense_max_frames (now {dense_max}) below {n_frames} frames: the "
        "neighbour-graph path needs no N×N matrix"
        if dense_max
        else "raise memory_limit_gb if the machine has more"
    )
    raise FramescapeError(
        f"needs about {asked / GB:.1f} GB of memory ({n_frames} frames of "
        f"{width}x{height}) but {limit / GB:.1f} GB is available{where}: lower fps "
        f"(now {fps:g}) or frame_width/frame_height, for this movie in "
        f"movie_overrides, or {remedy}"
    )
