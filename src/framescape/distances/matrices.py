"""A movie's distance matrices: the pixel mask, gray's exact sums of absolute luma
differences and hsl's features and Gram products, a block of frames at a time,
as one tile or many, and the tiles put together into the ``(N, N) float32``
matrix (:func:`compute_distances`, :func:`assemble`)."""


import functools
import mmap

import numpy as np

from framescape.common import (
    FramescapeError,
    rectangle_outside,
)
from framescape.distances import kernels
from framescape.distances.gram import hsl_gram
from framescape.distances.parameters import (
    FRAME_BLOCK,
    GRAM_TILE,
    hsl_block_pixels,
)

# Rows of a gray matrix computed at a time: a progress line can follow each band.
SAD_BAND = 512


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

    Reads only those bytes from a memmapped ``frames.npy``; the frames are
    taken before their pixels are flattened, so that frames not contiguous in
    memory are copied a block at a time, never whole.
    """
    chosen = frames[frame_slice]
    flat = chosen.reshape(chosen.shape[0], -1, 3)
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
    return whole_matrix("gray", frames, mask)


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
    return whole_matrix("hsl", frames, mask)


def whole_matrix(metric, frames, mask, progress=None):
    """The distance matrix as one tile: the same arithmetic as a tiled movie."""
    frames, _, p = check_frames(frames, mask)
    whole = (0, frames.shape[0])
    # Computed once: assemble asks for a diagonal tile twice (hsl's norms first).
    tile = functools.cache(lambda: TILES[metric](frames, whole, whole, mask, progress))
    return assemble(metric, frames.shape[0], p, {(whole, whole): tile})


def gray_tile(frames, rows, columns, mask=None, progress=None):
    """Exact sums of absolute luma differences between two blocks of frames.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
    rows, columns : (start, stop)
        Frame numbers of the two blocks; the same block gives only the pairs
        right of the diagonal (the rest 0).
    mask : (H, W) bool, optional
    progress : callable, optional
        ``progress(pairs done, pairs, "pairs")`` after each band of
        :data:`SAD_BAND` rows (a :class:`framescape.common.Progress`).

    Returns
    -------
    (rows, columns) int64
    """
    frames, kept, p = check_frames(frames, mask)
    row_luma = block_luma(frames, kept, p, rows)
    diagonal = rows == columns
    column_luma = row_luma if diagonal else block_luma(frames, kept, p, columns)
    n_rows, n_columns = len(row_luma), len(column_luma)
    total = n_rows * (n_rows - 1) // 2 if diagonal else n_rows * n_columns
    sad = np.zeros((n_rows, n_columns), np.int64)
    for start in range(0, n_rows, SAD_BAND):
        stop = min(start + SAD_BAND, n_rows)
        band = row_luma[start:stop]
        if diagonal:
            sad[start:stop, start:stop] = kernels.sad_tile(band, band, upper=True)
            sad[start:stop, stop:] = kernels.sad_tile(band, column_luma[stop:])
            done = stop * (2 * n_rows - stop - 1) // 2  # rows 0 … stop-1
        else:
            sad[start:stop] = kernels.sad_tile(band, column_luma)
            done = stop * n_columns
        if progress:
            progress(done, total, "pairs")
    return sad


def block_luma(frames, kept, p, frame_range):
    """``(n, P') uint8`` luma of a block of frames; zero columns up to the SIMD
    width add nothing to any sum."""
    start, stop = frame_range
    width = -(-p // kernels.SIMD_BYTES) * kernels.SIMD_BYTES
    luma = kernels.aligned_zeros(stop - start, width)
    for first in range(start, stop, FRAME_BLOCK):
        block = slice(first, min(first + FRAME_BLOCK, stop))
        luma[first - start : block.stop - start, :p] = kernels.bt601_luma(
            pixel_block(frames, kept, block)
        )
    return luma


def luma_rows(frames, kept, numbers):
    """``(n, P') uint8`` luma of some frames, rows aligned and padded as
    :func:`kernels.sad_tile` wants them."""
    luma = kernels.bt601_luma(pixel_block(frames, kept, numbers))
    return kernels.padded_rows(luma, kernels.SIMD_BYTES)


def hsl_tile(frames, rows, columns, mask=None, progress=None):
    """Gram matrix ``⟨Φ_a, Φ_b⟩`` of the HSL features of two blocks of frames.

    Pixels are taken a block at a time, as many as the whole movie's features
    allow (:func:`hsl_block_pixels` of all N frames, so a tile sums the very same
    float32 products as the whole matrix would).

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
    rows, columns : (start, stop)
        Frame numbers of the two blocks, starting at multiples of
        :data:`GRAM_TILE`; the same block gives only the products on and above
        the diagonal's :data:`GRAM_TILE` squares.
    mask : (H, W) bool, optional
    progress : callable, optional
        ``progress(blocks done, blocks, "pixel blocks")`` after each block of
        pixels (a :class:`framescape.common.Progress`).

    Returns
    -------
    (rows, columns) float64
    """
    frames, kept, p = check_frames(frames, mask)
    if rows[0] % GRAM_TILE or columns[0] % GRAM_TILE:
        raise ValueError(f"tiles must start at multiples of {GRAM_TILE} frames")
    return hsl_gram(
        functools.partial(pixel_block, frames, kept),
        [rows] if rows == columns else [rows, columns],
        p,
        hsl_block_pixels(frames.shape[0], p),
        GRAM_TILE,
        progress,
    )


TILES = {"gray": gray_tile, "hsl": hsl_tile}


def assemble(metric, n_frames, n_pixels, tiles):
    """The ``(N, N) float32`` distance matrix from its tiles.

    Parameters
    ----------
    metric : "gray" or "hsl"
    n_frames, n_pixels : int
        N, and the pixels of a frame that count (after the mask).
    tiles : dict
        ``{(rows, columns): load}``, one entry per tile on or above the diagonal,
        where ``load()`` gives that tile of :func:`gray_tile` or :func:`hsl_tile`
        (a tile is read when it is its turn; hsl reads the diagonal ones twice).
    """
    distances = np.zeros((n_frames, n_frames), np.float32)
    norms = np.zeros(n_frames)
    if metric == "hsl":
        for (rows, columns), load in tiles.items():
            if rows == columns:
                norms[slice(*rows)] = np.diagonal(load())
    for (rows, columns), load in tiles.items():
        raw = load()
        out = distances[slice(*rows), slice(*columns)]
        for start in range(0, raw.shape[0], FRAME_BLOCK):
            band = slice(start, min(start + FRAME_BLOCK, raw.shape[0]))
            out[band] = raw_distances(
                metric,
                raw[band],
                norms[rows[0] + band.start : rows[0] + band.stop],
                norms[slice(*columns)],
                n_pixels,
            )
    np.fill_diagonal(distances, 0.0)
    return kernels.mirror_upper(distances)


def raw_distances(metric, raw, row_norms, column_norms, n_pixels):
    """Distances (float64) from some rows of a raw tile (:func:`gray_tile`'s
    sums, or :func:`hsl_tile`'s Gram products with the rows' and columns'
    squared norms), element by element: the matrix and the neighbour graph
    both convert their tiles here."""
    if metric == "gray":
        return raw / n_pixels
    return hsl_band(raw, row_norms, column_norms, n_pixels)


def hsl_band(gram, row_norms, column_norms, n_pixels):
    """Distances ``(‖Φ_a‖² + ‖Φ_b‖² − 2⟨Φ_a, Φ_b⟩) / P`` of some rows, in [0, 3]
    (rounding can take an exact 0 slightly below)."""
    distances = gram * -2.0
    distances += row_norms[:, None]
    distances += column_norms[None, :]
    distances /= n_pixels
    return np.clip(distances, 0.0, 3.0, out=distances)


def compute_distances(frames, metric, mask=None, progress=None):
    """``(N, N) float32`` distance matrix of ``frames`` for ``metric`` (gray or
    hsl); ``progress`` as :func:`gray_tile` and :func:`hsl_tile` take it."""
    if metric not in TILES:
        raise ValueError(
            f"unknown metric '{metric}' (choose from {', '.join(TILES)})"
        )
    return whole_matrix(metric, frames, mask, progress)


def hsl_features(pixels):
    """``(n, 4P) float32`` hsl features of ``(n, P, 3) uint8`` pixels."""
    features = np.empty((pixels.shape[0], 4 * pixels.shape[1]), np.float32)
    kernels.hls_features(pixels, features)
    return features


def squared_norms(features):
    """``(n,) float64`` squared norms of float32 feature rows."""
    return np.einsum("ij,ij->i", features, features, dtype=np.float64)


def release_pages(frames):
    """Give a memmap's pages back to the page cache (they stop counting as
    this process's memory); nothing for an array in memory."""
    while frames is not None and not isinstance(frames, np.memmap):
        frames = frames.base if isinstance(frames, np.ndarray) else None
    if frames is not None and getattr(frames, "_mmap", None) is not None:
        frames._mmap.madvise(mmap.MADV_DONTNEED)
