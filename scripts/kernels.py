"""Numba kernels for the distance matrices, apart from I/O so that they can be
tested and benchmarked alone. Arrays in, arrays out; no knowledge of files."""

import numba
import numpy as np

# Accumulate absolute differences in int32 for SIMD width, but flush to int64
# before 2**31 could be reached: 2**23 pixels × 255 < 2**31.
SAD_BLOCK = 1 << 23


@numba.njit(cache=True, nogil=True)
def sum_abs_diff_int32(a, b):
    """Sum of |a - b| over uint8 vectors of at most :data:`SAD_BLOCK` elements.

    The int32 casts keep the accumulator 32 bits wide (numba would widen it to
    int64), which doubles the SIMD lanes.
    """
    total = np.int32(0)
    for k in range(a.shape[0]):
        total = np.int32(total + np.int32(abs(np.int32(a[k]) - np.int32(b[k]))))
    return total


@numba.njit(cache=True, nogil=True)
def sum_abs_diff(a, b):
    """Exact sum of |a - b| over two equal-length uint8 vectors, as int64."""
    total = np.int64(0)
    for start in range(0, a.shape[0], SAD_BLOCK):
        total += sum_abs_diff_int32(
            a[start : start + SAD_BLOCK], b[start : start + SAD_BLOCK]
        )
    return total


@numba.njit(cache=True, nogil=True)
def sad_row(luma, sad, i):
    """Fill row and column ``i`` of ``sad`` right of the diagonal."""
    for j in range(i + 1, luma.shape[0]):
        value = sum_abs_diff(luma[i], luma[j])
        sad[i, j] = value
        sad[j, i] = value


@numba.njit(cache=True, parallel=True)
def pairwise_sad(luma):
    """Sums of absolute differences between all rows of ``luma``.

    Parameters
    ----------
    luma : (N, P) uint8, C-contiguous

    Returns
    -------
    (N, N) int64, symmetric, zero diagonal.
    """
    n = luma.shape[0]
    sad = np.zeros((n, n), np.int64)
    # Row i has n-1-i pairs right of the diagonal: doing row i together with row
    # n-1-i gives every parallel task the same amount of work.
    for i in numba.prange((n + 1) // 2):
        sad_row(luma, sad, i)
        if n - 1 - i != i:
            sad_row(luma, sad, n - 1 - i)
    return sad


@numba.njit(cache=True, parallel=True)
def bt601_luma(rgb):
    """ITU-R BT.601 luma of ``(N, P, 3) uint8`` RGB as ``(N, P) uint8``.

    Fixed-point weights 19595, 38470, 7471 (/65536) with rounding: exactly what
    Pillow's ``convert("L")`` gives.
    """
    n, p = rgb.shape[0], rgb.shape[1]
    luma = np.empty((n, p), np.uint8)
    for i in numba.prange(n):
        for k in range(p):
            r = np.int32(rgb[i, k, 0])
            g = np.int32(rgb[i, k, 1])
            b = np.int32(rgb[i, k, 2])
            luma[i, k] = np.uint8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
    return luma


@numba.njit(cache=True, parallel=True)
def hls_features(rgb, features):
    """Per-pixel HSL features φ = (S, L, ½cos 2πH, ½sin 2πH) into ``features``.

    H, L, S follow Python's ``colorsys.rgb_to_hls`` for R, G, B in [0, 1], so that
    ``‖φ_a − φ_b‖² = (S_a−S_b)² + (L_a−L_b)² + sin²(π(H_a−H_b))``.

    Parameters
    ----------
    rgb : (N, P, 3) uint8
    features : (N, 4 * P) float32 or float64, written in place
    """
    n, p = rgb.shape[0], rgb.shape[1]
    for i in numba.prange(n):
        for k in range(p):
            r = rgb[i, k, 0] / 255.0
            g = rgb[i, k, 1] / 255.0
            b = rgb[i, k, 2] / 255.0
            maxc = max(r, g, b)
            minc = min(r, g, b)
            lightness = (maxc + minc) / 2.0
            if maxc == minc:
                hue = 0.0
                saturation = 0.0
            else:
                spread = maxc - minc
                if lightness <= 0.5:
                    saturation = spread / (maxc + minc)
                else:
                    saturation = spread / (2.0 - maxc - minc)
                rc = (maxc - r) / spread
                gc = (maxc - g) / spread
                bc = (maxc - b) / spread
                if r == maxc:
                    hue = bc - gc
                elif g == maxc:
                    hue = 2.0 + rc - bc
                else:
                    hue = 4.0 + gc - rc
                hue = (hue / 6.0) % 1.0
            angle = 2.0 * np.pi * hue
            features[i, 4 * k] = saturation
            features[i, 4 * k + 1] = lightness
            features[i, 4 * k + 2] = 0.5 * np.cos(angle)
            features[i, 4 * k + 3] = 0.5 * np.sin(angle)
