"""Frame-to-frame distance matrices: ``gray`` and ``hsl`` (design.md, exact definitions).

gray: mean absolute difference of BT.601 luma, in grey levels, range [0, 255].
hsl: mean over pixels of (S_a−S_b)² + (L_a−L_b)² + sin²(π(H_a−H_b)), range [0, 3].
"""

import time

import numba
import numpy as np

import kernels
from common import FramescapeError, log, rectangle_outside, run_step, save_npy
from resources import FRAME_BLOCK, GRAM_TILE, HSL_BLOCK, HSL_FEATURE_BYTES

METRICS = ("gray", "hsl")


def pixel_mask(shape, rectangles):
    """``(H, W) bool`` mask, True where a pixel is used, from masked-out rectangles.

    Parameters
    ----------
    shape : (H, W)
    rectangles : list of [top, left, height, width]
        Areas to leave out, in frame pixels (clipped to the frame).
    """
    height, width = shape
    mask = np.ones((height, width), bool)
    for top, left, rect_height, rect_width in rectangles or []:
        if rectangle_outside([top, left, rect_height, rect_width], width, height):
            raise FramescapeError(
                f"mask rectangle [{top}, {left}, {rect_height}, {rect_width}] lies "
                f"outside the {width}x{height} frame"
            )
        mask[max(top, 0) : top + rect_height, max(left, 0) : left + rect_width] = False
    if not mask.any():
        raise FramescapeError("the mask leaves no pixel of the frame")
    return mask


def check_frames(frames, mask):
    """``frames`` as an array (a memmap stays one), the kept pixels' flat
    indices (``None``: all) and their number, after checking shapes."""
    frames = np.asanyarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(
            f"frames must be (N, H, W, 3) uint8, got {frames.shape} {frames.dtype}"
        )
    if mask is None:
        return frames, None, frames.shape[1] * frames.shape[2]
    mask = np.asarray(mask, bool)
    if mask.shape != frames.shape[1:3]:
        raise ValueError(
            f"mask shape {mask.shape} does not match frames {frames.shape[1:3]}"
        )
    if not mask.any():
        raise ValueError("mask leaves no pixel")
    kept = np.flatnonzero(mask)
    return frames, kept, kept.size


def pixel_block(frames, kept, frame_slice=slice(None), pixel_slice=slice(None)):
    """``(n, p, 3) uint8`` C-contiguous pixels: some frames, some kept pixels.

    Reads only those bytes from a memmapped ``frames.npy``.
    """
    flat = frames.reshape(frames.shape[0], -1, 3)[frame_slice]
    columns = pixel_slice if kept is None else kept[pixel_slice]
    return np.ascontiguousarray(flat[:, columns])


def gray_distances(frames, mask=None):
    """Mean absolute luma difference between every pair of frames.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
        RGB frames (a memmap is read a block of frames at a time).
    mask : (H, W) bool, optional
        True where a pixel is used.

    Returns
    -------
    (N, N) float32
        Grey levels in [0, 255]; symmetric, zero diagonal. Sums are exact integers.
    """
    frames, kept, p = check_frames(frames, mask)
    n = frames.shape[0]
    # Zero columns up to the SIMD width add nothing to any sum.
    luma = np.zeros((n, -(-p // kernels.SIMD_BYTES) * kernels.SIMD_BYTES), np.uint8)
    for start in range(0, n, FRAME_BLOCK):
        block = slice(start, start + FRAME_BLOCK)
        luma[block, :p] = kernels.bt601_luma(pixel_block(frames, kept, block))
    sad = kernels.pairwise_sad(luma)
    return (sad / p).astype(np.float32)


def hsl_block_pixels(n_frames, n_pixels):
    """Pixels per feature block: at most ``HSL_BLOCK`` (float32 sums stay well
    within 1e-4), fewer for long movies so that the block's features stay under
    :data:`HSL_FEATURE_BYTES`."""
    fitting = HSL_FEATURE_BYTES // (n_frames * 4 * 4)
    return int(max(64, min(HSL_BLOCK, n_pixels, fitting)))


def hsl_distances(frames, mask=None):
    """Mean HSL difference between every pair of frames (circular hue).

    Uses the identity ``d = (‖Φ_a‖² + ‖Φ_b‖² − 2⟨Φ_a, Φ_b⟩) / P`` with the features
    of :func:`kernels.hls_features`: one Gram matrix, built block by block over
    pixels in float32 and summed in float64.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
    mask : (H, W) bool, optional

    Returns
    -------
    (N, N) float32
        In [0, 3]; symmetric, zero diagonal.
    """
    frames, kept, p = check_frames(frames, mask)
    n = frames.shape[0]
    block_pixels = hsl_block_pixels(n, p)
    gram = np.zeros((n, n), np.float64)
    features = np.empty((n, 4 * block_pixels), np.float32)
    for start in range(0, p, block_pixels):
        pixels = pixel_block(
            frames, kept, pixel_slice=slice(start, start + block_pixels)
        )
        block_features = features[:, : 4 * pixels.shape[1]]
        kernels.hls_features(pixels, block_features)
        add_gram(gram, block_features)
    norms = np.diag(gram).copy()
    distances = gram
    distances *= -2.0
    distances += norms[:, None]
    distances += norms[None, :]
    distances /= p
    np.clip(distances, 0.0, 3.0, out=distances)
    np.fill_diagonal(distances, 0.0)
    return kernels.mirror_upper(distances.astype(np.float32))


def add_gram(gram, features):
    """``gram += features @ features.T`` on and above the diagonal (float32
    products, float64 sums), a tile of rows at a time: about half the work of
    one full product; the lower triangle is left alone."""
    for start in range(0, features.shape[0], GRAM_TILE):
        stop = start + GRAM_TILE
        gram[start:stop, start:] += features[start:stop] @ features[start:].T


DISTANCES = {"gray": gray_distances, "hsl": hsl_distances}


def compute_distances(frames, metric, mask=None):
    """``(N, N) float32`` distance matrix of ``frames`` for ``metric`` (gray or hsl)."""
    if metric not in DISTANCES:
        raise FramescapeError(
            f"unknown metric '{metric}' (choose from {', '.join(METRICS)})"
        )
    return DISTANCES[metric](frames, mask)


def distances_step(snakemake):
    numba.set_num_threads(
        max(1, min(snakemake.threads, numba.config.NUMBA_NUM_THREADS))
    )
    metric = snakemake.wildcards.metric
    frames = np.load(snakemake.input.frames, mmap_mode="r")
    mask = None
    if snakemake.params.mask:
        try:
            mask = pixel_mask(frames.shape[1:3], snakemake.params.mask)
        except FramescapeError as error:
            movie = snakemake.wildcards.movie
            raise FramescapeError(f"movie_overrides of {movie}: {error}") from None
        log.info("mask keeps %d of %d pixels", mask.sum(), mask.size)
    started = time.monotonic()
    distances = compute_distances(frames, metric, mask)
    log.info(
        "%s distances of %d frames in %.2f s (max %.4f)",
        metric,
        len(frames),
        time.monotonic() - started,
        float(distances.max()) if distances.size else 0.0,
    )
    save_npy(snakemake.output[0], distances)


if __name__ == "__main__":
    run_step(snakemake, distances_step)  # noqa: F821
