"""How much memory each step of a movie needs, and the guard that refuses a movie
that cannot fit before any decoding starts.

The estimates are peak resident sizes from the workflow's own benchmark files
(benchmarks/scaling.py, 320×240 frames, N = 2,000 and 10,000; 2026-11-25): a
fixed part for Python and the libraries, a part per frame pixel and a part per
pair of frames, fitted to both sizes and rounded up by about a fifth.
"""

import os
import re
import subprocess

from framescape.common import FramescapeError
from framescape.tiles import HEATMAP_CELLS

MB = 1024**2
GB = 1024**3
# Pixels per block of hsl features (distances.hsl_distances): the block's float32
# features of all frames are held at once. Here, so that Snakemake's own process
# can size jobs without importing numba.
HSL_BLOCK = 16384
# ... and at most this many bytes of them, for long movies.
HSL_FEATURE_BYTES = 256 * MB
# Frames turned into luma at a time, rows of the Gram matrix multiplied at a time.
FRAME_BLOCK = 256
GRAM_TILE = 512

# step: (fixed bytes, bytes per frame pixel, bytes per pair of frames).
# Measured peaks at N = 2,000 / 10,000 (MB): distances gray 795 / 3872, hsl 946 /
# 3428, mds 331 / 2001, tsne 244 / 2099, umap 429 / 1952; mds again at N = 2,000 /
# 4,000 in tests/test_resources.py (2026-11-25, Intel Xeon): 388 / 519, hence
# its larger fixed part. The frames are read
# from a memmap, whose pages count as the job's (3 bytes a pixel), gray adds its
# luma (1 byte a pixel) and holds int64 sums and the float32 matrix.
STEP_MEMORY = {
    "distances_gray": (350 * MB, 4.0, 12),
    "distances_hsl": (350 * MB, 2.5, 20),
    "embed_mds": (350 * MB, 0, 20),
    "embed_tsne": (200 * MB, 0, 22),
    "embed_umap": (450 * MB, 0, 20),
}


def step_memory(step, n_frames, width, height):
    """Peak bytes one job of ``step`` holds for ``n_frames`` frames of ``width×height``.

    ``step`` is ``distances_<metric>`` or ``embed_<method>``.
    """
    fixed, per_pixel, per_pair = STEP_MEMORY[step]
    pixels = width * height
    total = fixed + per_pixel * n_frames * pixels + per_pair * n_frames**2
    if step == "distances_hsl":  # float32 features of one block of pixels
        total += min(n_frames * 4 * min(pixels, HSL_BLOCK) * 4, HSL_FEATURE_BYTES)
    return int(total)


# Seconds one job took for 10,000 frames of 320×240 on 2 cores (benchmarks/scaling.py,
# AVX2 machine, 2026-11-25); distances grow with pairs × pixels, layouts with pairs.
SECONDS_AT_10000 = {
    "distances_gray": 92,
    "distances_hsl": 289,
    "embed_mds": 36,
    "embed_tsne": 71,
    "embed_umap": 65,
}
# A cluster job asks for this much more time than measured (slower or busy
# nodes), and never less than MIN_RUNTIME minutes.
RUNTIME_MARGIN = 3
MIN_RUNTIME = 10


def step_runtime(step, n_frames, width=320, height=240, pairs=None):
    """Minutes to ask the scheduler for one job of ``step`` (``runtime``): all
    pairs of ``n_frames`` frames, or ``pairs`` pairs (a tile)."""
    if pairs is None:
        pairs = n_frames * (n_frames - 1) // 2
    scale = pairs / (10000 * 9999 / 2)
    if step.startswith("distances_"):
        scale *= width * height / (320 * 240)
    seconds = SECONDS_AT_10000[step] * scale * RUNTIME_MARGIN
    return int(MIN_RUNTIME + -(-seconds // 60))


def extract_runtime(duration):
    """Minutes for decoding a movie of ``duration`` seconds: a minute per minute of
    movie (a 2¾-hour 320×240 movie decoded in 33 s; HD sources take longer)."""
    return int(MIN_RUNTIME + -(-(duration or 0) // 60))


# A tile job holds its raw int64 or float64 tile; assembling holds the float32
# matrix and reads one tile at a time (memmapped). Measured peaks at N = 10,000 in
# tiles of 4,096 (benchmarks/tiles.py, MB): the largest tile job gray 2,707, hsl
# 1,714; assembly 553 (gray), 567 (hsl).
TILE_BYTES_PER_PAIR = 8
ASSEMBLY_FIXED = 200 * MB
ASSEMBLY_BYTES_PER_PAIR = 4


def tile_memory(metric, rows, columns, diagonal, n_frames, width, height):
    """Peak bytes of one tile job: ``rows × columns`` frame pairs of a movie of
    ``n_frames`` frames (``diagonal``: the rows are the columns)."""
    fixed, per_pixel, _ = STEP_MEMORY[f"distances_{metric}"]
    frames = rows if diagonal else rows + columns
    pixels = width * height
    total = fixed + per_pixel * frames * pixels + TILE_BYTES_PER_PAIR * rows * columns
    if metric == "hsl":  # float32 features of the block's frames, as in step_memory
        fitting = HSL_FEATURE_BYTES * frames // n_frames
        total += min(frames * 4 * min(pixels, HSL_BLOCK) * 4, fitting)
    return int(total)


def tile_runtime(metric, rows, columns, diagonal, width, height):
    """Minutes for one tile job: its pairs of frames (on the diagonal, each pair
    of the block once), at the one-job rate."""
    pairs = rows * (rows - 1) // 2 if diagonal else rows * columns
    return step_runtime(f"distances_{metric}", 0, width, height, pairs)


def assembly_memory(n_frames, tile_frames):
    """Peak bytes of putting a matrix of ``n_frames`` together from its tiles."""
    tile = TILE_BYTES_PER_PAIR * tile_frames**2
    return int(ASSEMBLY_FIXED + ASSEMBLY_BYTES_PER_PAIR * n_frames**2 + tile)


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


# The neighbour-graph path (framescape.graph, framescape.candidates), for movies
# of more than dense_max_frames frames: no job holds N × N numbers. Each frame's
# k nearest and c candidates are int32 + float32 (8 bytes each); UMAP and t-SNE
# hold sparse graphs of N × k edges (umap-learn's fuzzy set, openTSNE's affinities
# and their symmetrised copies: GRAPH_EDGE_BYTES an edge, a generous bound);
# landmark MDS holds float32 and float64 copies of L × N distances and, for hsl,
# the landmarks' features (16 bytes a pixel each) and a block's.
LANDMARKS = 500
GRAPH_EDGE_BYTES = 120
GRAPH_FIXED = 400 * MB
FEATURE_BYTES = 16
# Candidates (framescape.candidates). Pixels per block side of the reduced
# frames: gray keeps 1/16 of the pixels (80×60 of 320×240) as bytes, hsl 1/64
# (40×30) as 4 float32 features (benchmarks/candidates.py).
REDUCE_FACTOR = {"gray": 4, "hsl": 8}
# Small frames (the folder map's 40×30) are reduced less: the factor halves
# until a frame keeps this many blocks. At 40×30 hsl's 8 left 15 blocks, whose
# candidates held 0.974 of the true 91 nearest of 10,000 real frames with 600
# candidates; 2 (300 blocks) held 0.995 with 242 (benchmarks/collection.py).
MIN_REDUCED_BLOCKS = 300
# Candidates re-ranked per frame at least, and whether the second reduced pass
# makes the graph exact. gray's bound is tight: with 300 candidates 97 % of
# frames are certified and the second pass costs a fifth of the first. hsl's is
# loose on noisy frames (2 % certified with 200, and its second pass costs more
# than the first), so hsl keeps the first pass: recall 0.996 of the true 100
# nearest on 9,125 generated frames (benchmarks/candidates.py), but 0.9825 on
# 10,000 frames panning over real footage (benchmarks/graph.py), where 300
# gave 0.9946. So the candidate pass keeps up to MORE_CANDIDATES times as many,
# and a sample decides how many each frame re-ranks: RECALL_SAMPLE frames spread
# over the movie are compared with every frame at full size, and the fewest
# candidates that hold RECALL_TARGET of their true nearest are re-ranked
# (framescape.candidates.candidates_needed).
CANDIDATES = {"gray": 300, "hsl": 200}
MORE_CANDIDATES = 3
RECALL_SAMPLE = 64
RECALL_TARGET = 0.995
COMPLETE = {"gray": True, "hsl": False}
# The second pass compares its doubtful frames with every frame again and
# re-ranks as many more candidates: it runs only while they are at most this
# share of the movie (ffmpeg's testsrc2, 50,000 frames, near-repeats all
# through it: every frame doubtful, about 13 minutes more on 2 cores).
SECOND_PASS_MAX_SHARE = 0.25
# Frames per side of a tile of reduced pairs; a tile holds float32 distances,
# gray's int64 sums and a transposed copy: 16 bytes a pair.
CANDIDATE_TILE = 4096
CANDIDATE_BYTES_PER_PAIR = 16
# Frames re-ranked together at most (framescape.candidates.group_rows: frames
# whose candidates overlap, whose full-size features are computed once for all).
RERANK_ROWS = 256
# Measured on the 2-core AVX-512 Xeon (benchmarks/candidates.py, 9,125 frames of
# 320×240, idle): reduced pairs about 60 ns each (both metrics), a frame's
# re-rank 0.6 ms (gray) and 4.4 ms (hsl); asked for with RUNTIME_MARGIN.
REDUCED_PAIR_SECONDS = 60e-9
RERANK_FRAME_SECONDS = {"gray": 0.6e-3, "hsl": 4.4e-3}


def candidate_count(metric, k, n_frames):
    """Candidates each frame re-ranks at least: :data:`CANDIDATES`, at least
    twice the ``k`` neighbours, at most every other frame."""
    return max(0, min(max(CANDIDATES[metric], 2 * k), n_frames - 1))


def candidate_limit(metric, k, n_frames):
    """Candidates the candidate pass keeps for each frame, of which the sample
    chooses how many are re-ranked: :data:`MORE_CANDIDATES` times
    :func:`candidate_count`, at most every other frame."""
    most = MORE_CANDIDATES * candidate_count(metric, k, n_frames)
    return max(0, min(most, n_frames - 1))


def reduce_factor(metric, width, height):
    """Pixels per block side of a frame's reduced copy: :data:`REDUCE_FACTOR`,
    halved while the frame would keep fewer than :data:`MIN_REDUCED_BLOCKS`."""
    factor = REDUCE_FACTOR[metric]
    while factor > 1 and (width // factor) * (height // factor) < MIN_REDUCED_BLOCKS:
        factor //= 2
    return factor


def reduced_bytes(metric, width, height):
    """Bytes of one frame reduced (framescape.candidates.reduced_descriptors)."""
    factor = reduce_factor(metric, width, height)
    blocks = (width // factor) * (height // factor)
    if metric == "gray":
        return -(-blocks // 64) * 64 + 8  # bytes, and the rounding's slack
    return FEATURE_BYTES * blocks + 16  # float32 features, slack and norm


def graph_candidates_memory(metric, n_frames, width, height, k):
    """Peak bytes of a graph's candidate pass: the reduced frames, a block of
    full-size frames being reduced or compared with the sample (pixels and
    their features; gray: pixels, the pages read, luma and its aligned copy), a
    tile of reduced pairs, both sides' candidates of a tile, every frame's
    candidates kept and the heatmap's cells, and the sample: its frames'
    features (gray: luma) and their distances to every frame (float32, and two
    float64 copies while ranked: distances.nearest_frames)."""
    kept = candidate_limit(metric, k, n_frames)
    tile = min(CANDIDATE_TILE, n_frames)
    features = FEATURE_BYTES if metric == "hsl" else 1
    block = (3 + features if metric == "hsl" else 8) * min(FRAME_BLOCK, n_frames)
    return int(
        GRAPH_FIXED
        + reduced_bytes(metric, width, height) * n_frames
        + block * width * height
        + CANDIDATE_BYTES_PER_PAIR * tile**2
        + 8 * kept * (n_frames + 2 * tile)
        + 2 * 8 * HEATMAP_CELLS**2
        + RECALL_SAMPLE * (20 * n_frames + features * width * height)
    )


def graph_rerank_memory(metric, n_frames, width, height, k):
    """Peak bytes of a re-rank job: every frame's candidates, a block of rows'
    features and a block of other frames' (:func:`distances.distances_to`), the
    rows' distances to the union of their candidates, and the block's lists of
    ``k`` (at most N rows)."""
    c = candidate_limit(metric, k, n_frames)
    rows = min(RERANK_ROWS, n_frames)
    pixels = width * height
    if metric == "gray":
        # A block of others: pixels, their memmapped pages, luma, its aligned copy.
        features = rows * pixels + min(2048, n_frames) * 8 * pixels
    else:
        features = FEATURE_BYTES * pixels * (rows + min(FRAME_BLOCK, n_frames))
        features += 3 * pixels * min(FRAME_BLOCK, n_frames)
    union = min(rows * (c + 1), n_frames)
    return int(
        GRAPH_FIXED + 4 * c * n_frames + features + 12 * rows * union + 8 * n_frames * k
    )


def graph_merge_memory(metric, n_frames, width, height, k):
    """Peak bytes of putting a graph together: the lists, and for a metric whose
    second pass runs, the candidates and as many more, the reduced frames, a
    tile of reduced pairs and a re-rank."""
    total = GRAPH_FIXED + 3 * 8 * n_frames * k
    if COMPLETE[metric]:
        c = candidate_limit(metric, k, n_frames)
        tile = min(CANDIDATE_TILE, n_frames)
        total += (
            # The candidates, what the second pass finds (as many) and adds.
            (8 + 8 + 4) * c * n_frames
            + reduced_bytes(metric, width, height) * n_frames
            + CANDIDATE_BYTES_PER_PAIR * tile**2
            + graph_rerank_memory(metric, n_frames, width, height, k)
            - GRAPH_FIXED
        )
    return int(total)


def graph_memory(n_frames, width, height, metrics, methods, k):
    """The most any one job of a movie on the neighbour-graph path needs:
    ``(bytes, step)``; ``k`` is the graph's neighbours per frame."""
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
            total = GRAPH_FIXED + 12 * landmarks * n_frames + features
        else:
            total = GRAPH_FIXED + GRAPH_EDGE_BYTES * n_frames * k
        needs.append((int(total), f"embed_{method}"))
    return max(needs)


def graph_candidates_runtime(n_frames, width=320, height=240):
    """Minutes for a graph's candidate pass: its reduced pairs (their size
    grows with the frames'), and the sample, every frame compared with
    :data:`RECALL_SAMPLE` frames at full size (less than an hsl re-rank a
    frame)."""
    scale = width * height / (320 * 240)
    seconds = (
        REDUCED_PAIR_SECONDS * n_frames**2 / 2 + RERANK_FRAME_SECONDS["hsl"] * n_frames
    ) * (scale * RUNTIME_MARGIN)
    return int(MIN_RUNTIME + -(-seconds // 60))


def graph_rerank_runtime(metric, rows, width, height):
    """Minutes for re-ranking ``rows`` frames' candidates at full size (a
    second pass re-ranks fewer): the rate measured with the least number of
    candidates, times :data:`MORE_CANDIDATES` (the sample may ask for that
    many)."""
    scale = width * height / (320 * 240)
    seconds = (
        RERANK_FRAME_SECONDS[metric] * MORE_CANDIDATES * rows * scale * RUNTIME_MARGIN
    )
    return int(MIN_RUNTIME + -(-seconds // 60))


def graph_merge_runtime(metric, n_frames, width=320, height=240):
    """Minutes for putting a graph together; with a second pass, at worst (a
    movie of still shots: every frame doubtful) another candidate pass and a
    re-rank of every frame."""
    if not COMPLETE[metric]:
        return MIN_RUNTIME
    return graph_candidates_runtime(n_frames, width, height) + graph_rerank_runtime(
        metric, n_frames, width, height
    )


def graph_runtime(n_frames):
    """Minutes to ask for laying out a long movie from its neighbour graph: a
    minute per 1,000 frames beside the margin (t-SNE and UMAP grow with N × k,
    landmark MDS with L × N)."""
    return int(MIN_RUNTIME + -(-n_frames // 1000))


def dense_max_frames(limit, width, height, metrics, methods, tile_frames):
    """The most frames whose dense path (N × N matrices) fits in ``limit`` bytes
    (``dense_max_frames: auto``), at least 1."""
    low, high = 1, 1 << 20
    while low < high:
        middle = (low + high + 1) // 2
        needed, _ = movie_memory(middle, width, height, metrics, methods, tile_frames)
        if needed <= limit:
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


def check_memory(
    needed, n_frames, width, height, fps, limit=None, partition=None, dense_max=0
):
    """Refuse a movie whose largest job would not fit in memory.

    Parameters
    ----------
    needed : int
        Bytes of the movie's largest job (:func:`movie_memory`).
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
        ``needed``, when it fits.

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
    if needed <= limit:
        return needed
    remedy = (
        f"lower dense_max_frames (now {dense_max}) below {n_frames} frames: the "
        "neighbour-graph path needs no N×N matrix"
        if dense_max
        else "raise memory_limit_gb if the machine has more"
    )
    raise FramescapeError(
        f"needs about {needed / GB:.1f} GB of memory ({n_frames} frames of "
        f"{width}x{height}) but {limit / GB:.1f} GB is available{where}: lower fps "
        f"(now {fps:g}) or frame_width/frame_height, for this movie in "
        f"movie_overrides, or {remedy}"
    )
