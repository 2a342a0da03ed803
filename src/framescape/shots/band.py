"""How unlike each frame is to the next few (:func:`distance_band`): the
distances on a band around the self-similarity matrix's diagonal, never the
matrix itself.

A frame's distance to another mixes two views of the picture, each from 0 to 1:
the mean absolute difference of their 16×9 thumbnails (where things are) and
half the L1 distance of their colour histograms (which colours, wherever they
are: a pan or a moving subject changes it little)."""

import numpy as np

from framescape.shots.features import PIXELS, THUMB_HEIGHT, THUMB_WIDTH

THUMB_VALUES = THUMB_WIDTH * THUMB_HEIGHT * 3


def frame_vectors(features, rows):
    """The frames ``rows`` (a slice or indices) of ``features`` as float32:
    ``(thumbnails scaled so that a mean absolute difference is their L1
    distance, histograms scaled so that half their L1 distance is theirs)``."""
    thumbs = np.asarray(features.thumbs[rows], np.float32)
    thumbs = thumbs.reshape(len(thumbs), -1) / (255.0 * THUMB_VALUES)
    histograms = np.asarray(features.histograms[rows], np.float32)
    return thumbs, histograms / (2.0 * PIXELS)


def distance_band(vectors, lags):
    """``(n, lags) float32``: row ``i``, column ``k - 1`` is the distance of frame
    ``i`` to frame ``i + k``; NaN past the last frame."""
    thumbs, histograms = vectors
    n = len(thumbs)
    band = np.full((n, lags), np.nan, np.float32)
    for lag in range(1, min(lags, n - 1) + 1):
        pictures = np.abs(thumbs[:-lag] - thumbs[lag:]).sum(axis=1)
        colours = np.abs(histograms[:-lag] - histograms[lag:]).sum(axis=1)
        band[: n - lag, lag - 1] = 0.5 * pictures + 0.5 * colours
    return band
