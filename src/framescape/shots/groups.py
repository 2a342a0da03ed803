"""Which shots show the same place or set-up (:func:`shot_groups`).

Two shots are compared in two ways, each a distance from 0 up:

- their colours: the Euclidean distance of the square roots of their frames'
  mean colour histograms (0 to √2: √2 times the Hellinger distance), which a
  camera move or a new framing changes little, but which cannot tell two
  shots of one street apart;
- their pictures: one minus how well one shot's grey picture, scaled down by
  up to about :data:`ZOOMS`' largest factor or shifted a little, matches a part
  of the other's (the best normalised correlation; 0 to 2), so that a close-up
  of something in a wide shot, or a framing shifted sideways, matches its wide
  shot.

Each shot is compared with the :data:`REACH` shots after it; the pictures only
when the colours alone stay under the threshold. Their sum joins shots by
average linkage over the compared pairs
(:func:`~framescape.shots.linkage.average_groups`) while it stays under the
threshold: memory and time grow with the shots, not with their square.
"""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import zoom

from framescape.common import log
from framescape.shots.features import PIXELS
from framescape.shots.linkage import average_groups

# Shots whose summed distance is under this show the same set-up: measured on
# benchmarks/shots.py (docs/performance.md).
GROUP_DISTANCE = 0.58
# Frames read per shot for its colours, spread over it: long shots cost no more.
COLOUR_SAMPLES = 16
# Frames per shot whose pictures are matched: its first, middle and last, so
# that a shot that pans matches the shot its start or its end looks like.
PICTURE_SAMPLES = 3
# How much closer one shot may be framed than the other: a close-up up to
# about half the wide shot's width (rounded to whole pixels of 32×18).
ZOOMS = (1.2, 1.45, 1.75, 2.1)
# At the same framing, pictures may be shifted by this many pixels (of 32×18).
SHIFT = 2
# Each shot is compared with this many shots after it: a set-up seen again
# within them (a dialogue's reverse shots, a return to a room) joins its group
# however long the scene; one seen again only later than that gets a new one.
REACH = 40
# A picture whose grey levels spread less than this (standard deviation) is
# flat: black leader, a plain card. Its correlation would be noise.
FLAT_SPREAD = 2.0
# The picture distance of two shots whose colours alone keep them apart, and
# of a flat picture against one that is not: the largest there is.
UNMATCHED = 2.0


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
    """Each picture (over its last two axes) less its mean, to unit length;
    a flat one (spread under :data:`FLAT_SPREAD`) stays short of it."""
    centred = pictures - pictures.mean(axis=(-2, -1), keepdims=True)
    norms = np.sqrt((centred**2).sum(axis=(-2, -1), keepdims=True))
    # A Python float, so that float32 pictures stay float32 (twice as fast
    # to match as float64).
    floor = FLAT_SPREAD * math.sqrt(pictures.shape[-2] * pictures.shape[-1])
    return centred / np.maximum(norms, floor)


class Pictures:
    """One shot's grey pictures, ready to be matched: its windows at each
    framing (every place a closer picture could sit), and its pictures as a
    closer framing of another (scaled down, or cropped at the same framing)."""

    def __init__(self, grays):
        pictures = np.asarray(grays, np.float32)
        height, width = pictures.shape[1:]
        self.flat = bool(pictures.std(axis=(1, 2)).max() < FLAT_SPREAD)
        # The same framing: the centre of one within the whole of the other.
        centre = pictures[:, SHIFT : height - SHIFT, SHIFT : width - SHIFT]
        self.templates = [normalised(centre)]
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
    (from 0: rounding can take a correlation a little over 1). Two flat shots
    are alike (their colours tell black from white); a flat one and one that
    is not, :data:`UNMATCHED`."""
    if first.flat or second.flat:
        return 0.0 if first.flat and second.flat else UNMATCHED
    return max(0.0, 1.0 - max(first.correlation(second), second.correlation(first)))


def shot_distances(features, spans, threshold):
    """The compared pairs of the shots ``spans`` (``(m, 2)``: each shot and the
    :data:`REACH` after it) and their distances: colours plus pictures, the
    pictures matched only where colours stay under ``threshold``
    (:data:`UNMATCHED` elsewhere); and how many were matched."""
    colours = colour_descriptors(features, spans)
    shots = len(spans)
    cache = {}

    def pictures_of(index):
        if index not in cache:
            first, last = spans[index]
            rows = sample_rows(first, last, PICTURE_SAMPLES)
            cache[index] = Pictures(features.grays[rows])
        return cache[index]

    pairs, distances, matched = [], [], 0
    for i in range(shots - 1):
        after = np.arange(i + 1, min(shots, i + 1 + REACH))
        near = np.sqrt(((colours[after] - colours[i]) ** 2).sum(axis=1))
        for j, colour in zip(after.tolist(), near.tolist()):
            if colour < threshold:
                picture = picture_distance(pictures_of(i), pictures_of(j))
                matched += 1
            else:
                picture = UNMATCHED
            pairs.append((i, j))
            distances.append(colour + picture)
        cache.pop(i, None)
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    return pairs, np.asarray(distances, np.float64), matched


def shot_groups(features, spans, threshold=GROUP_DISTANCE):
    """Group numbers of the shots ``spans`` (``(first_frame, last_frame)``),
    from 1 in order of first appearance."""
    if len(spans) == 0:
        return []
    pairs, distances, matched = shot_distances(features, spans, threshold)
    labels = average_groups(len(spans), pairs, distances, threshold)
    numbers = {}
    groups = [numbers.setdefault(label, len(numbers) + 1) for label in labels]
    log.info(
        "%d shots in %d groups (%d pairs compared, %d by their pictures)",
        len(spans),
        len(numbers),
        len(pairs),
        matched,
    )
    return groups
