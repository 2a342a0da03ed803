"""Which shots show the same place or set-up (:func:`shot_groups`).

Two shots are compared in two ways, each a distance from 0 up:

- their colours: the Euclidean distance of the square roots of their frames'
  mean colour histograms (0 to √2: √2 times the Hellinger distance), which a
  camera move or a new framing changes little, but which cannot tell two
  shots of one street apart;
- their pictures: how well one shot's grey picture, scaled down by up to
  :data:`ZOOMS`' largest factor and shifted, matches a part of the other's (one
  minus the best normalised correlation, 0 to 2), so a close-up of something
  in a wide shot, or a framing shifted sideways, matches its wide shot.

Their sum joins shots by average linkage while it stays under a threshold.
The pictures are matched only for shots at most :data:`REACH` shots apart
whose colours alone leave them under it.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.ndimage import zoom
from scipy.spatial.distance import pdist

from framescape.shots.band import PIXELS

# Shots whose summed distance is under this show the same set-up: measured on
# benchmarks/shots.py (docs/performance.md).
GROUP_DISTANCE = 0.58
# Frames read per shot for its colours, spread over it: long shots cost no more.
COLOUR_SAMPLES = 16
# Frames per shot whose pictures are matched: its first, middle and last, so
# that a shot that pans matches the shot its start or its end looks like.
PICTURE_SAMPLES = 3
# How much closer one shot may be framed than the other: a close-up up to
# about half the wide shot's width.
ZOOMS = (1.2, 1.45, 1.75, 2.1)
# At the same framing, pictures may be shifted by this many pixels (of 32×18).
SHIFT = 2
# Shots further apart than this are not matched by their pictures: a return
# to a set-up after more shots than this gets a new group. It bounds the
# cost: a two-hour film of 3,300 shots matches at most 132,000 pairs, about
# 0.25 ms each.
REACH = 40
# The picture distance of a pair not matched: uncorrelated.
UNMATCHED = 1.0


def sample_rows(first, last, count):
    """At most ``count`` frames spread from ``first`` to ``last``."""
    return np.unique(np.linspace(first, last, count).round().astype(int))


def colour_descriptors(features, spans):
    """``(shots, 64)``: the square root of each span's mean colour histogram
    (shares of its pixels)."""
    rows = [
        features.histograms[sample_rows(first, last, COLOUR_SAMPLES)].mean(axis=0)
        for first, last in spans
    ]
    return np.sqrt(np.asarray(rows, np.float64) / PIXELS)


def normalised(pictures):
    """Each picture (over its last two axes) less its mean, to unit length."""
    centred = pictures - pictures.mean(axis=(-2, -1), keepdims=True)
    norms = np.sqrt((centred**2).sum(axis=(-2, -1), keepdims=True))
    return centred / np.maximum(norms, 1e-6)


class Pictures:
    """One shot's grey pictures, ready to be matched: its windows at each
    framing (every place a closer picture could sit), and its pictures as a
    closer framing of another (scaled down, or cropped at the same framing)."""

    def __init__(self, grays):
        pictures = np.asarray(grays, np.float32)
        height, width = pictures.shape[1:]
        # The same framing: the centre of one within the whole of the other.
        self.templates = [normalised(pictures[:, SHIFT:-SHIFT, SHIFT:-SHIFT])]
        for factor in ZOOMS:
            size = (round(height / factor), round(width / factor))
            scale = (1, size[0] / height, size[1] / width)
            self.templates.append(normalised(zoom(pictures, scale, order=1)))
        self.windows = [self.windows_of(pictures, t.shape[1:]) for t in self.templates]

    @staticmethod
    def windows_of(pictures, size):
        """``(frames × places, values)``: every ``size`` window of the
        pictures, each less its mean and to unit length."""
        windows = sliding_window_view(pictures, size, axis=(1, 2))
        windows = normalised(windows.reshape(-1, *size))
        return windows.reshape(len(windows), -1)

    def correlation(self, closer):
        """The best correlation of ``closer``'s pictures with a window of
        these at any framing."""
        return max(
            float((windows @ templates.reshape(len(templates), -1).T).max())
            for windows, templates in zip(self.windows, closer.templates)
        )


def picture_distance(first, second):
    """One minus the best correlation of either shot framed within the other
    (from 0: rounding can take a correlation a little over 1)."""
    return max(0.0, 1.0 - max(first.correlation(second), second.correlation(first)))


def shot_distances(features, spans, distance):
    """Condensed pairwise distances of the shots ``spans``: colours plus
    pictures, the pictures matched only for shots at most :data:`REACH`
    apart whose colours stay under ``distance`` (:data:`UNMATCHED` for the
    others)."""
    colours = pdist(colour_descriptors(features, spans))
    pictures = np.full_like(colours, UNMATCHED)
    shots = len(spans)
    cache = {}

    def pictures_of(index):
        if index not in cache:
            first, last = spans[index]
            rows = sample_rows(first, last, PICTURE_SAMPLES)
            cache[index] = Pictures(features.grays[rows])
        return cache[index]

    start = 0  # row i's pairs (i, j > i) begin here in the condensed vector
    for i in range(shots - 1):
        reach = slice(start, start + min(REACH, shots - 1 - i))
        for offset in np.flatnonzero(colours[reach] < distance):
            pictures[reach.start + offset] = picture_distance(
                pictures_of(i), pictures_of(i + 1 + offset)
            )
        cache.pop(i, None)
        start += shots - 1 - i
    return colours + pictures


def shot_groups(features, spans, distance=GROUP_DISTANCE):
    """Group numbers of the shots ``spans`` (``(first_frame, last_frame)``),
    from 1 in order of first appearance."""
    if len(spans) == 0:
        return []
    if len(spans) == 1:
        return [1]
    distances = shot_distances(features, spans, distance)
    labels = fcluster(linkage(distances, "average"), distance, "distance")
    numbers = {}
    return [numbers.setdefault(label, len(numbers) + 1) for label in labels]
