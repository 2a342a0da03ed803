"""Which shots show the same place or set-up (:func:`shot_groups`): each shot
described by its frames' mean thumbnail and colour histogram, shots joined by
average linkage while their distance (the band's, :mod:`framescape.shots.band`)
stays under a threshold."""

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

from framescape.shots.band import frame_vectors

# Two shots closer than this (0–1) show the same set-up: measured on
# benchmarks/shots.py (docs/shots.md).
GROUP_DISTANCE = 0.12
# Frames read per shot at most, spread over it: long shots cost no more.
SAMPLES = 16


def shot_descriptors(features, spans):
    """``(shots, 432 + 64)``: each span's (``first_frame``, ``last_frame``)
    mean thumbnail and histogram over at most :data:`SAMPLES` of its frames,
    scaled as :func:`frame_vectors` scales them."""
    rows = []
    for first, last in spans:
        picks = np.unique(np.linspace(first, last, SAMPLES).round().astype(int))
        thumbs, histograms = frame_vectors(features, picks)
        rows.append(np.concatenate([thumbs.mean(axis=0), histograms.mean(axis=0)]))
    return np.asarray(rows, np.float64)


def shot_groups(features, spans, distance=GROUP_DISTANCE):
    """Group numbers of the shots ``spans``, from 1 in order of first
    appearance."""
    if len(spans) == 0:
        return []
    if len(spans) == 1:
        return [1]
    descriptors = shot_descriptors(features, spans)
    # The band's distance: half the L1 distance of each part, summed.
    distances = 0.5 * pdist(descriptors, "cityblock")
    labels = fcluster(linkage(distances, "average"), distance, "distance")
    numbers = {}
    return [numbers.setdefault(label, len(numbers) + 1) for label in labels]
