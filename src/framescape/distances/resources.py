"""Memory and time the distance jobs ask a scheduler for: light (no numba), as
Snakemake imports it while it plans a run, and the memory guard
(:mod:`framescape.run.guard`) adds it up.

The memory estimates are fitted to the peak resident sizes in the workflow's own
benchmark files (``benchmarks/scaling.py``, 320×240 frames, N = 2,000 and
10,000): a fixed part for Python and the libraries, a part per frame pixel and
a part per pair of frames, fitted to both sizes and rounded up by about a fifth
(the peaks and the fits: docs/performance.md, "Memory estimates")."""

from framescape.common import MB
from framescape.distances.parameters import HSL_BLOCKS_HELD, hsl_block_pixels
from framescape.resources import minutes

# step: (fixed bytes, bytes per frame pixel, bytes per pair of frames), fitted to
# the peaks measured at N = 2,000 and 10,000 and rounded up (docs/performance.md,
# "Memory estimates"); mds's fixed part is larger: its peaks measured in a fresh
# process (tests/workflow/test_memory_estimates.py) lie above the fit of the two;
# tsne's too, from its jobs' own peaks on movies of 250 and 365 frames (216 to
# 220 MB, EPYC-AVX2, 2026-12-07), above the 200 MB fitted. The frames
# are read from a memmap, whose pages count as the job's (3 bytes a pixel), gray
# adds its luma (1 byte a pixel) and holds int64 sums and the float32 matrix.
STEP_MEMORY = {
    "distances_gray": (350 * MB, 4.0, 12),
    "distances_hsl": (350 * MB, 2.5, 20),
    "embed_mds": (350 * MB, 0, 20),
    "embed_tsne": (250 * MB, 0, 22),
    "embed_umap": (450 * MB, 0, 20),
}


# Numba compiles umap-learn's and pynndescent's functions in the first UMAP
# job of a machine or node without their cache, and the compiler's memory is
# the job's: on a fresh clone's test run the first UMAP job of a 250-frame
# movie peaked at 471 MB, the others at 289 to 295 MB (EPYC-AVX2, 2026-12-07).
UMAP_COMPILE_BYTES = 200 * MB


# nearest_frames ranks a matrix's rows through a memory map, NEAREST_BLOCK (512)
# rows at a time (framescape.distances.nearest): its peak counts the pages of
# the file it has read, the whole float32 matrix by the end, beside float64
# copies of a block of rows. With Snakemake's script preamble imported, its
# step held 160, 220 and 348 MiB beside the file's pages on random matrices of
# 4,000, 8,000 and 16,000 frames (a fresh process each, EPYC-AVX2,
# 2026-12-07): about 100 MiB and 16 KiB a frame, counted with room to spare.
NEAREST_FIXED = 150 * MB
NEAREST_FRAME = 20 * 1024
# The (N, N) float32 matrix, a pair's bytes.
MATRIX_BYTES_PER_PAIR = 4


def nearest_memory(n_frames):
    """Peak resident bytes of the ``nearest_frames`` job's step ranking the
    matrix of ``n_frames`` frames: the pages of the file it has read count in
    them, as they do for a cluster that stops jobs by their resident size."""
    return NEAREST_FIXED + MATRIX_BYTES_PER_PAIR * n_frames**2 + NEAREST_FRAME * n_frames


def step_memory(step, n_frames, width, height):
    """Peak bytes one job of ``step`` holds for ``n_frames`` frames of ``width×height``.

    ``step`` is ``distances_<metric>`` or ``embed_<method>``.
    """
    fixed, per_pixel, per_pair = STEP_MEMORY[step]
    pixels = width * height
    total = fixed + per_pixel * n_frames * pixels + per_pair * n_frames**2
    if step == "embed_umap":
        total += UMAP_COMPILE_BYTES
    if step == "distances_hsl":
        total += hsl_feature_bytes(n_frames, n_frames, pixels)
    return int(total)


def hsl_feature_bytes(frames, n_frames, pixels):
    """float32 features of ``frames`` frames (of a movie of ``n_frames``) in the
    blocks of pixels held at once: whole blocks, even when the last one is
    shorter (the blocks shrink for long movies)."""
    block = hsl_block_pixels(n_frames, pixels)
    held = min(HSL_BLOCKS_HELD, -(-pixels // block))
    return frames * 4 * 4 * held * block


# Seconds one job takes for 10,000 frames of 320×240 on 2 cores, as
# benchmarks/scaling.py measures them (docs/performance.md, "Every job at 5,000
# and 10,000 frames"); distances grow with pairs × pixels, layouts with pairs.
SECONDS_AT_10000 = {
    "distances_gray": 92,
    "distances_hsl": 289,
    "embed_mds": 36,
    "embed_tsne": 71,
    "embed_umap": 65,
}


def step_runtime(step, n_frames, width=320, height=240, pairs=None):
    """Minutes to ask the scheduler for one job of ``step`` (``runtime``): all
    pairs of ``n_frames`` frames, or ``pairs`` pairs (a tile)."""
    if pairs is None:
        pairs = n_frames * (n_frames - 1) // 2
    scale = pairs / (10000 * 9999 / 2)
    if step.startswith("distances_"):
        scale *= width * height / (320 * 240)
    return minutes(SECONDS_AT_10000[step] * scale)


# A tile job holds its raw int64 or float64 tile; assembling holds the float32
# matrix and reads one tile at a time (memmapped). benchmarks/tiles.py measures
# both against these estimates (docs/performance.md, "Tiles").
TILE_BYTES_PER_PAIR = 8
ASSEMBLY_FIXED = 200 * MB


def tile_memory(metric, rows, columns, diagonal, n_frames, width, height):
    """Peak bytes of one tile job: ``rows × columns`` frame pairs of a movie of
    ``n_frames`` frames (``diagonal``: the rows are the columns)."""
    fixed, per_pixel, _ = STEP_MEMORY[f"distances_{metric}"]
    frames = rows if diagonal else rows + columns
    pixels = width * height
    total = fixed + per_pixel * frames * pixels + TILE_BYTES_PER_PAIR * rows * columns
    if metric == "hsl":  # float32 features of the tile's frames, as in step_memory
        total += hsl_feature_bytes(frames, n_frames, pixels)
    return int(total)


def tile_runtime(metric, rows, columns, diagonal, width, height):
    """Minutes for one tile job: its pairs of frames (on the diagonal, each pair
    of the block once), at the one-job rate."""
    pairs = rows * (rows - 1) // 2 if diagonal else rows * columns
    return step_runtime(f"distances_{metric}", 0, width, height, pairs)


def assembly_memory(n_frames, tile_frames):
    """Peak bytes of putting a matrix of ``n_frames`` together from its tiles."""
    tile = TILE_BYTES_PER_PAIR * tile_frames**2
    return int(ASSEMBLY_FIXED + MATRIX_BYTES_PER_PAIR * n_frames**2 + tile)
