"""Groups of shots: the average linkage over compared pairs against scipy's
over all pairs, a long dialogue scene, the compared pairs and their distances
against a brute-force comparison, flat shots, and the grey pictures kept a
frame."""

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

from framescape.frames.decode import MovieDecoder
from framescape.shots import groups
from framescape.shots.features import FrameFeatures, chunk_features
from framescape.shots.groups import (
    REACH,
    UNMATCHED,
    Pictures,
    colour_descriptors,
    picture_distance,
    shot_distances,
    shot_groups,
)
from framescape.shots.linkage import average_groups
from framescape.testing import real_movie


def same_partition(first, second):
    """Whether two labellings group the items alike (whatever the numbers)."""
    pairs = set(zip(first.tolist(), second.tolist()))
    return len(pairs) == len(set(first.tolist())) == len(set(second.tolist()))


@pytest.mark.parametrize("seed", range(5))
def test_every_pair_compared_gives_scipy_s_average_linkage(seed):
    rng = np.random.default_rng(seed)
    points = np.concatenate([rng.normal(centre, 0.3, (12, 3)) for centre in range(5)])
    distances = pdist(points)
    count = len(points)
    pairs = np.array([(i, j) for i in range(count) for j in range(i + 1, count)])
    for threshold in (0.3, 0.8, 1.5):
        ours = average_groups(count, pairs, distances, threshold)
        scipy = fcluster(linkage(distances, "average"), threshold, "distance")
        assert same_partition(ours, scipy), threshold
        assert 1 < len(set(ours.tolist())) < count


def test_a_long_dialogue_keeps_its_two_set_ups():
    """200 shots alternating two set-ups, each compared with the REACH after
    it: two groups, however long the scene (UPGMA over every pair, the far
    ones taken as apart, splits it)."""
    count = 200
    pairs = np.array(
        [(i, j) for i in range(count) for j in range(i + 1, min(count, i + 1 + REACH))]
    )
    alike = (pairs[:, 0] - pairs[:, 1]) % 2 == 0
    distances = np.where(alike, 0.2, 1.1)
    labels = average_groups(count, pairs, distances, 0.58)
    assert labels[:4].tolist() == [0, 1, 0, 1]
    assert set(labels.tolist()) == {0, 1}
    # The same scene with every pair known, the far ones as unmatched.
    full = np.full((count, count), 1.0 + UNMATCHED)
    full[pairs[:, 0], pairs[:, 1]] = distances
    condensed = full[np.triu_indices(count, 1)]
    scipy = fcluster(linkage(condensed, "average"), 0.58, "distance")
    assert len(set(scipy.tolist())) > 2


def test_clusters_with_no_compared_pair_stay_apart():
    labels = average_groups(4, np.array([[0, 1], [2, 3]]), np.array([0.1, 0.1]), 5.0)
    assert labels.tolist() == [0, 0, 2, 2]


def features_of(grays, colours_rgb):
    """FrameFeatures of frames given as grey pictures and one RGB colour each
    (its histogram all in that colour's bin)."""
    n = len(grays)
    histograms = np.zeros((n, 64), np.uint16)
    for frame, (r, g, b) in enumerate(colours_rgb):
        histograms[frame, (r // 64 * 4 + g // 64) * 4 + b // 64] = 64 * 36
    thumbs = np.zeros((n, 9, 16, 3), np.uint8)
    return FrameFeatures(
        thumbs,
        np.asarray(grays, np.uint8),
        histograms,
        thumbs[:, 0, 0],
        np.arange(n) / 25,
    )


def test_compared_pairs_and_their_distances_against_brute_force(monkeypatch):
    """More shots than REACH + 1: each shot against the REACH after it, the
    pictures where colours stay under the threshold, UNMATCHED elsewhere."""
    monkeypatch.setattr(groups, "REACH", 5)
    rng = np.random.default_rng(1)
    shots = 12
    textures = rng.integers(0, 255, (3, 18, 32))
    grays = np.concatenate(
        [np.repeat(textures[k % 3][None], 4, 0) for k in range(shots)]
    )
    # Two colours: shots 0, 1, 2, 6, 7, 8 in one, the others in the other.
    rgb = [
        ((200, 30, 30) if (k // 3) % 2 == 0 else (30, 30, 200)) for k in range(shots)
    ]
    features = features_of(grays, np.repeat(rgb, 4, 0))
    spans = [(4 * k, 4 * k + 3) for k in range(shots)]
    pairs, distances, matched = shot_distances(features, spans, 0.58)
    expected = [(i, j) for i in range(shots) for j in range(i + 1, min(shots, i + 6))]
    assert pairs.tolist() == [list(pair) for pair in expected]
    colours = colour_descriptors(features, spans)
    pictures = [Pictures(grays[groups.sample_rows(*span, 3)]) for span in spans]
    for (i, j), distance in zip(expected, distances.tolist()):
        colour = float(np.linalg.norm(colours[i] - colours[j]))
        if colour < 0.58:
            picture = picture_distance(pictures[i], pictures[j])
        else:
            picture = UNMATCHED
        assert distance == pytest.approx(colour + picture, abs=1e-6), (i, j)
    assert matched == sum(
        np.linalg.norm(colours[i] - colours[j]) < 0.58 for i, j in expected
    )
    # The same texture in the same colour is one set-up (shots 0, 6), but
    # only when seen again within REACH shots.
    labels = shot_groups(features, spans)
    assert labels[0] != labels[6] and labels[0] != labels[3] != labels[1]
    monkeypatch.setattr(groups, "REACH", 6)
    labels = shot_groups(features, spans)
    assert labels[0] == labels[6] and labels[1] == labels[7]
    assert labels[0] != labels[3] and labels[0] != labels[1]


def test_flat_shots_group_by_colour_alone():
    """Black leader twice is one group; a textured shot is not flat."""
    rng = np.random.default_rng(2)
    flat = np.full((4, 18, 32), 16)
    noisy = flat + rng.integers(0, 2, flat.shape)  # a grey level of noise
    texture = rng.integers(0, 255, (4, 18, 32))
    grays = np.concatenate([flat, texture, noisy])
    black = [(10, 10, 10)] * 4
    features = features_of(grays, black + black + black)
    labels = shot_groups(features, [(0, 3), (4, 7), (8, 11)])
    assert labels == [1, 2, 1]
    assert Pictures(noisy[:3]).flat and not Pictures(texture[:3]).flat


def test_grey_pictures_are_the_frames_luma_averaged_down():
    frames = np.stack(list(MovieDecoder(real_movie("bikes.mp4"), None, 64, 36)))[:20]
    grays = chunk_features(frames)["grays"]
    luma = frames.astype(np.float64) @ [0.299, 0.587, 0.114]
    expected = luma.reshape(20, 18, 2, 32, 2).mean(axis=(2, 4))
    assert grays.shape == (20, 18, 32) and grays.dtype == np.uint8
    assert np.abs(grays - expected).max() <= 0.5 + 1e-3
