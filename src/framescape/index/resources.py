"""Memory and time the index's jobs ask a scheduler for: light (no faiss), as
Snakemake imports it while it plans a run.

Counted from what each job holds: the projections (4 bytes a component a frame,
twice in the index's build: the memmap's pages and the index's own copy), the
sample's distances to a block of frames, a block's candidates and the re-rank's
features (:func:`framescape.graph.resources.graph_rerank_memory`). Time from the
rates measured on 100,000 frames of 40×30 (docs/performance.md, "The folder
map through an index")."""

from framescape.distances.parameters import FRAME_BLOCK
from framescape.graph.parameters import RERANK_ROWS, candidate_limit
from framescape.graph.resources import GRAPH_FIXED, reduced_bytes
from framescape.index.parameters import (
    DIMENSIONS,
    INDEX_RECALL_SAMPLE,
    LUMA_BLOCK_BYTES,
    LUMA_RESIDENT_BYTES,
    REFINE_WIDTH,
    SAMPLE_COLUMNS,
    TRAIN_FRAMES,
    search_frames,
)

# framescape.index.build's chunk of queries (build imports faiss: not here).
SEARCH_CHUNK = 4096
# What the terms below leave out (the memmapped frames' pages between their
# release, faiss's and numba's own buffers): when it was fitted, at 100,000
# frames of 40×30 the build peaked at 877 MB and a search job at 1,193 MB
# (gray, benchmarks/archive.py) against 675 and 1,042 MB counted.
MEASURED_MARGIN = 1.35
from framescape.resources import minutes

# A memory page: a mapped file is read a page at a time.
PAGE = 4096
# A frame read from a memmap at random can map the page cache's folio around
# it, up to 2 MiB where the kernel reads ahead in large folios: at a million
# frames, comparing 256 frames drawn from all over the file held 551 MB more
# until their block's pages were given back (EPYC-512, Linux 6.18, 8 MiB of
# read-ahead; docs/performance.md).
MAPPED_AROUND_FRAME = 2 * 2**20

# Seconds a frame, at 40×30: reduced and projected (and its share of the
# sample compared with every frame), and searched and re-ranked with the most
# candidates (benchmarks/archive.py); larger frames scale with their pixels.
BUILD_FRAME_SECONDS = 0.7e-3
SEARCH_FRAME_SECONDS = {"gray": 2.5e-3, "hsl": 5e-3}
# Refined, a frame among its neighbours' neighbours (framescape.index.refine,
# gray's only): 0.16 ms a frame in its three rounds at 100,000 frames, 0.15 ms
# at a million (one thread, every block, EPYC-512); asked 5 times that, as for
# the search.
REFINE_FRAME_SECONDS = {"gray": 0.8e-3}
# index_join, a frame: its luma made (10.8 to 12 µs, one thread) and its
# searched neighbours joined, 15.8 s in all at a million frames (EPYC-512);
# asked about 4 times that.
LUMA_FRAME_SECONDS = 60e-6
REFERENCE_PIXELS = 40 * 30


def projected_bytes(metric, n_frames):
    return 4 * DIMENSIONS[metric] * n_frames


def build_memory(metric, n_frames, width, height, k):
    """Peak bytes of ``index_build``: the projections twice (the memmap's
    pages and the index's copy) and the index's frame numbers, the lists'
    training frames (the PCA's sample projected), the PCA's sample reduced
    (float32), a block of frames being reduced (pixels and features), and the
    sample: its frames' features (hsl's 16 bytes a pixel), the frames' pages
    mapped around them (:data:`MAPPED_AROUND_FRAME`, at most the frames' file)
    and their distances to a block of frames."""
    train = min(TRAIN_FRAMES, n_frames)
    sample = min(INDEX_RECALL_SAMPLE, n_frames)
    return int(
        MEASURED_MARGIN
        * (
            GRAPH_FIXED
            + 2 * projected_bytes(metric, n_frames)
            + 8 * n_frames
            + 4 * DIMENSIONS[metric] * train
            + 4 * train * reduced_bytes(metric, width, height)
            + (3 + 16) * width * height * min(FRAME_BLOCK, n_frames)
            + sample * (16 * width * height + 12 * min(SAMPLE_COLUMNS, n_frames))
            + min(sample * MAPPED_AROUND_FRAME, 3 * width * height * n_frames)
        )
    )


def rerank_group_bytes(n_frames, width, height, c):
    """A re-rank group's bytes, as
    :func:`framescape.graph.resources.graph_rerank_memory` counts them: its
    rows' distances to the union of their ``c`` candidates each, and the
    full-size features of its rows and of a block of other frames."""
    group = min(RERANK_ROWS, n_frames)
    union = min(group * c, n_frames)
    features = (16 + 3) * width * height * (group + min(FRAME_BLOCK, n_frames))
    return 12 * group * union + features


def search_memory(metric, n_frames, width, height, k, tile_frames):
    """Peak bytes of an ``index_search`` job: the index and its frame numbers,
    the block's candidates (int32) and lists, faiss's distances and numbers
    for a chunk of queries, and a re-rank's group."""
    rows = min(search_frames(tile_frames), n_frames)
    c = candidate_limit(metric, k, n_frames) + 1
    return int(
        MEASURED_MARGIN
        * (
            GRAPH_FIXED
            + projected_bytes(metric, n_frames)
            + 8 * n_frames
            + rows * (4 * c + 8 * k)
            + SEARCH_CHUNK * 12 * c
            + rerank_group_bytes(n_frames, width, height, c)
        )
    )


def refine_mapped(n_frames, width, height, k, c):
    """Bytes of an ``index_refine`` job's memory-mapped files at most: the
    searched neighbours (int32) and every frame's luma (a byte a pixel),
    all of it up to :data:`LUMA_RESIDENT_BYTES`; past it, what a re-rank
    group reads before its pages are given back (its rows' ``c`` candidates,
    each frame's row on at most a page more than its bytes fill)."""
    pixels = width * height
    luma = pixels * n_frames
    if luma > LUMA_RESIDENT_BYTES:
        group = min(RERANK_ROWS, n_frames) * c
        luma = min(luma, group * PAGE * (pixels // PAGE + 2))
    return 4 * k * n_frames + luma


def refine_memory(metric, n_frames, width, height, k, tile_frames):
    """Peak bytes of an ``index_refine`` job, in its first round (the later
    ones take fewer frames): its mapped files (:func:`refine_mapped`), the
    block's candidates (int32, k + width² a row as they are made, then the
    widest row's count copied; during the re-rank their groups' places
    instead), the block's neighbours and distances with the round's found
    ones, each frame's place in the block (int32), and a re-rank group (its
    candidates sorted and their sums, about 40 bytes each, and its rows'
    luma). At a million frames of 40×30 it asks 3,572 MiB, where a job
    peaked at 1,922 MB (EPYC-512): the candidates a row lists after repeats
    are fewer than k + width², and the luma read fewer than every frame's."""
    rows = min(search_frames(tile_frames), n_frames)
    c = min(n_frames, k + REFINE_WIDTH[metric] ** 2)
    held = (
        2 * 4 * rows * c
        + 4 * 8 * rows * k
        + 4 * n_frames
        + min(RERANK_ROWS, rows) * (40 * c + width * height)
    )
    mapped = refine_mapped(n_frames, width, height, k, c)
    return int(MEASURED_MARGIN * (GRAPH_FIXED + mapped + held))


def join_memory(n_frames, k):
    """Peak bytes of ``index_graph``: the lists, and one block's as it is
    read."""
    return int(GRAPH_FIXED + 2 * 8 * n_frames * k)


def luma_join_memory(n_frames, k):
    """Peak bytes of ``index_join``: :func:`join_memory`'s lists, then, once
    they are written and let go, :data:`LUMA_BLOCK_BYTES` of frames' pixels
    and their luma at a time."""
    return max(join_memory(n_frames, k), GRAPH_FIXED + LUMA_BLOCK_BYTES)


def build_runtime(n_frames, width, height):
    scale = width * height / REFERENCE_PIXELS
    return minutes(BUILD_FRAME_SECONDS * n_frames * scale)


def block_runtime(seconds_a_frame, n_frames, width, height, tile_frames):
    """Minutes to ask for a job of one block: its frames at ``seconds_a_frame``
    each (at 40×30; larger frames scale with their pixels)."""
    rows = min(search_frames(tile_frames), n_frames)
    scale = width * height / REFERENCE_PIXELS
    return minutes(seconds_a_frame * rows * scale)


def join_runtime(n_frames, width, height):
    """Minutes for ``index_join``: every frame's luma (the lists' join is
    quicker)."""
    scale = width * height / REFERENCE_PIXELS
    return minutes(LUMA_FRAME_SECONDS * n_frames * scale)


def refine_runtime(metric, n_frames, width, height, tile_frames):
    rate = REFINE_FRAME_SECONDS[metric]
    return block_runtime(rate, n_frames, width, height, tile_frames)


def search_runtime(metric, n_frames, width, height, tile_frames):
    rate = SEARCH_FRAME_SECONDS[metric]
    return block_runtime(rate, n_frames, width, height, tile_frames)
