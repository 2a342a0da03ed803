"""Frame-to-frame distance matrices: ``gray`` and ``hsl`` (design.md, exact definitions).

gray: mean absolute difference of BT.601 luma, in grey levels, range [0, 255].
hsl: mean over pixels of (S_a−S_b)² + (L_a−L_b)² + sin²(π(H_a−H_b)), range [0, 3].
"""

import time

import numba
import numpy as np

import kernels
from common import FramescapeError, log, rectangle_outside, run_step, save_npy
from resources import HSL_BLOCK

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


def masked_pixels(frames, mask):
    """``(N, P, 3) uint8`` pixels of ``frames`` kept by ``mask`` (all if None)."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(
            f"frames must be (N, H, W, 3) uint8, got {frames.shape} {frames.dtype}"
        )
    n = frames.shape[0]
    if mask is None:
        return np.ascontiguousarray(frames).reshape(n, -1, 3)
    mask = np.asarray(mask, bool)
    if mask.shape != frames.shape[1:3]:
        raise ValueError(
            f"mask shape {mask.shape} does not match frames {frames.shape[1:3]}"
        )
    if not mask.any():
        raise ValueError("mask leaves no pixel")
    return np.ascontiguousarray(frames[:, mask, :])


def gray_distances(frames, mask=None):
    """Mean absolute luma difference between every pair of frames.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
        RGB frames.
    mask : (H, W) bool, optional
        True where a pixel is used.

    Returns
    -------
    (N, N) float32
        Grey levels in [0, 255]; symmetric, zero diagonal. Sums are exact integers.
    """
    pixels = masked_pixels(frames, mask)
    luma = kernels.bt601_luma(pixels)
    sad = kernels.pairwise_sad(luma)
    return (sad / luma.shape[1]).astype(np.float32)


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
    pixels = masked_pixels(frames, mask)
    n, p = pixels.shape[:2]
    gram = np.zeros((n, n), np.float64)
    features = np.empty((n, 4 * min(HSL_BLOCK, p)), np.float32)
    for start in range(0, p, HSL_BLOCK):
        block = np.ascontiguousarray(pixels[:, start : start + HSL_BLOCK])
        block_features = features[:, : 4 * block.shape[1]]
        kernels.hls_features(block, block_features)
        gram += block_features @ block_features.T
    norms = np.diag(gram).copy()
    distances = (norms[:, None] + norms[None, :] - 2.0 * gram) / p
    np.clip(distances, 0.0, 3.0, out=distances)
    np.fill_diagonal(distances, 0.0)
    return ((distances + distances.T) / 2).astype(np.float32)


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
