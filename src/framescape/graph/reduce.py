"""Pass 1 of the neighbour graph: every frame averaged over ``f × f`` pixel blocks
wholly inside the frame and the mask, a block of frames at a time
(:func:`reduced_descriptors`). gray keeps each block's mean luma rounded to a
byte, hsl the block means of its four features (float32) and their squared
norms; each frame's ``slack`` is what its bound gives away to rounding. Their
distances are lower bounds of the full-size ones (why: :mod:`framescape.graph`)."""



import numba
import numpy as np

from framescape.distances import kernels
from framescape.distances.matrices import (
    check_frames,
    hsl_features,
    pixel_block,
    release_pages,
    squared_norms,
)
from framescape.distances.parameters import FRAME_BLOCK
from framescape.graph.parameters import reduce_factor

# Reduced distances are summed in float32: a bound is lowered by this share of
# itself before it is compared with an exact distance.
REDUCED_MARGIN = 1e-5
# hsl: float32 rounding of the reduced and of the full-size Gram products, per
# frame, as a share of the largest squared feature norm (1 + 1 + 1/4): about 170
# float32 units, several times what any pair of real frames was seen to need
# (tests/unit/test_candidates.py).
HSL_ROUNDING = 1e-5
HSL_LARGEST_NORM = 2.25


def kept_blocks(shape, mask, factor):
    """``(H/f, W/f) bool``: the ``factor × factor`` blocks wholly inside the
    frame and the mask (a block with a masked-out pixel is left out, which only
    lowers the bound)."""
    height, width = shape
    rows, columns = height // factor, width // factor
    if mask is None:
        return np.ones((rows, columns), bool)
    inside = np.asarray(mask, bool)[: rows * factor, : columns * factor]
    return inside.reshape(rows, factor, columns, factor).all(axis=(1, 3))


@numba.njit(cache=True, parallel=True)
def block_sums(planes, factor):
    """``(n, C, H/f, W/f) float64`` sums of ``(n, C, H, W)`` planes over
    ``factor × factor`` blocks (a partial block at the edges is left out)."""
    n, channels, height, width = planes.shape
    rows, columns = height // factor, width // factor
    sums = np.zeros((n, channels, rows, columns))
    for i in numba.prange(n):
        for channel in range(channels):
            for y in range(rows * factor):
                for column in range(columns):
                    total = 0.0
                    for x in range(column * factor, (column + 1) * factor):
                        total += planes[i, channel, y, x]
                    sums[i, channel, y // factor, column] += total
    return sums


def block_means(planes, factor, blocks):
    """``(n, C, B) float64`` means of ``(n, C, H, W)`` planes over the kept
    ``factor × factor`` blocks."""
    return block_sums(planes, factor)[:, :, blocks] / factor**2


def reduced_descriptors(
    frames, metric, factor=None, mask=None, frame_block=FRAME_BLOCK, progress=None
):
    """Every frame averaged over ``factor × factor`` pixel blocks: what the
    candidate pass compares.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8 (a memmap is read ``frame_block`` at a time)
    metric : "gray" or "hsl"
    factor : int, optional
        Pixels per block side (by default :func:`reduce_factor` of the frame
        size); halved until a block lies wholly inside the mask.
    mask : (H, W) bool, optional
    frame_block : int
    progress : callable, optional
        ``progress(frames done, N, "frames")``.

    Returns
    -------
    dict of arrays
        ``descriptors``: gray ``(N, B') uint8``, the block means rounded (zero
        columns up to :data:`kernels.SIMD_BYTES`); hsl ``(N, 4B) float32``, the
        block means of the features times ``f / √P``. ``slack`` ``(N,)``
        float64: what each frame takes off the bound, in the metric's units.
        gray also ``scale`` (0-d, ``f² / P``: the sum of absolute byte
        differences times it is the reduced distance); hsl ``norms`` ``(N,)``
        float64, the descriptors' squared norms.
        Memory: gray B' bytes a frame (4,800 at f = 4 for 320×240: 240 MB for
        50,000 frames), hsl 16 B bytes (19 KB at f = 8: 960 MB).
    """
    frames, _, n_pixels = check_frames(frames, mask)
    n, height, width = frames.shape[:3]
    factor = factor or reduce_factor(metric, width, height)
    blocks = kept_blocks((height, width), mask, factor)
    # A mask that leaves no whole block (stripes, a frame smaller than a
    # block) takes smaller blocks: one pixel always lies inside it.
    while not blocks.any() and factor > 1:
        factor //= 2
        blocks = kept_blocks((height, width), mask, factor)
    count = int(blocks.sum())
    scale = factor**2 / n_pixels
    slack = np.zeros(n)
    if metric == "gray":
        width_bytes = -(-count // kernels.SIMD_BYTES) * kernels.SIMD_BYTES
        descriptors = np.zeros((n, width_bytes), np.uint8)
    else:
        descriptors = np.empty((n, 4 * count), np.float32)
    for start in range(0, n, frame_block):
        stop = min(start + frame_block, n)
        pixels = pixel_block(frames, None, slice(start, stop))
        if metric == "gray":
            luma = kernels.bt601_luma(pixels).reshape(-1, 1, height, width)
            means = block_means(luma, factor, blocks)[:, 0]
            rounded = np.rint(means)
            descriptors[start:stop, :count] = rounded
            slack[start:stop] = scale * np.abs(means - rounded).sum(axis=1)
        else:
            planes = hsl_features(pixels).reshape(-1, 4, height, width)
            means = block_means(planes, factor, blocks) * np.sqrt(scale)
            descriptors[start:stop] = means.reshape(stop - start, -1)
        release_pages(frames)
        if progress:
            progress(stop, n, "frames")
    reduced = {"descriptors": descriptors, "slack": slack}
    if metric == "gray":
        reduced["scale"] = np.array(scale)
    else:
        reduced["norms"] = squared_norms(descriptors)
        slack[:] = HSL_ROUNDING * HSL_LARGEST_NORM
    return reduced
