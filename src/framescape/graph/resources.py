"""Memory and time the neighbour graph's jobs ask a scheduler for: light (no
numba), as Snakemake imports it while it plans a run, and the memory guard
(:mod:`framescape.run.guard`) adds it up.

Memory is counted from what each job holds (reduced frames, a tile of reduced
pairs, candidates, features of a block of frames); time from the rates
``benchmarks/candidates.py`` measures per reduced pair and per re-ranked frame
(docs/performance.md, "The neighbour graph")."""

from framescape.common import MB
from framescape.distances.parameters import FRAME_BLOCK
from framescape.distances.tiles import HEATMAP_CELLS
from framescape.graph.parameters import (
    CANDIDATE_TILE,
    COMPLETE,
    MORE_CANDIDATES,
    RECALL_SAMPLE,
    RERANK_ROWS,
    candidate_limit,
    reduce_factor,
)
from framescape.resources import MIN_RUNTIME, minutes

GRAPH_EDGE_BYTES = 120
GRAPH_FIXED = 400 * MB
FEATURE_BYTES = 16
# A tile of reduced pairs holds float32 distances, gray's int64 sums and a
# transposed copy: 16 bytes a pair.
CANDIDATE_BYTES_PER_PAIR = 16
# Seconds per reduced pair (both metrics) and per frame re-ranked at full size,
# at 320×240, as benchmarks/candidates.py measures them (docs/performance.md,
# "The neighbour graph"); a job asks for RUNTIME_MARGIN times as much. Measured
# with numba's two threads: the jobs run on one, up to about 1.6 times as long
# (a 50,000-frame movie's hsl candidate pass: 155 s on two, 247 s on one),
# inside that margin.
REDUCED_PAIR_SECONDS = 60e-9
RERANK_FRAME_SECONDS = {"gray": 0.6e-3, "hsl": 4.4e-3}


def reduced_bytes(metric, width, height):
    """Bytes of one frame reduced (framescape.graph.reduce.reduced_descriptors)."""
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
    float64 copies while ranked: distances.nearest.nearest_frames)."""
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
    features and a block of other frames'
    (:func:`framescape.distances.nearest.distances_to`), the rows' distances to
    the union of their candidates, and the block's lists of ``k`` (at most N
    rows)."""
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


def graph_candidates_runtime(n_frames, width=320, height=240):
    """Minutes for a graph's candidate pass: its reduced pairs (their size
    grows with the frames'), and the sample, every frame compared with
    :data:`RECALL_SAMPLE` frames at full size (less than an hsl re-rank a
    frame)."""
    scale = width * height / (320 * 240)
    return minutes(
        (REDUCED_PAIR_SECONDS * n_frames**2 / 2 + RERANK_FRAME_SECONDS["hsl"] * n_frames)
        * scale
    )


def graph_rerank_runtime(metric, rows, width, height):
    """Minutes for re-ranking ``rows`` frames' candidates at full size (a
    second pass re-ranks fewer): the rate measured with the least number of
    candidates, times :data:`MORE_CANDIDATES` (the sample may ask for that
    many)."""
    scale = width * height / (320 * 240)
    return minutes(RERANK_FRAME_SECONDS[metric] * MORE_CANDIDATES * rows * scale)


def graph_merge_runtime(metric, n_frames, width=320, height=240):
    """Minutes for putting a graph together; with a second pass, at worst (a
    movie of still shots: every frame doubtful) another candidate pass and a
    re-rank of every frame."""
    if not COMPLETE[metric]:
        return MIN_RUNTIME
    return graph_candidates_runtime(n_frames, width, height) + graph_rerank_runtime(
        metric, n_frames, width, height
    )
