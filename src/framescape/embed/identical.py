"""Identical frames laid out once by UMAP: frames at distance 0 from each other
(a still shot, black frames, footage used again) are one point of the layout,
and every one of them gets its coordinates.

UMAP gives each neighbour at distance 0 the largest weight there is, and it
samples an edge in proportion to its weight: a frame with many identical copies
draws most of its samples from them, and the layout's work grows with the share
of identical frames (docs/performance.md, "UMAP and identical frames"). Laid
out once, they cost one point, and the copies of a frame no longer form an
island that its other neighbours cannot reach.

:func:`groups_of_matrix` and :func:`groups_of_graph` number the groups of
identical frames (in the order of their first frames); :func:`group_graph`
gives each group of a neighbour graph its nearest other groups. A group that no
list joins to another (each of its frames' neighbours is another copy, and no
other frame lists them) gets them from its distances to every frame when the
caller can read them, for the :data:`MEASURED_GROUPS` largest such groups; the
rest are taken apart again (:func:`apart`): UMAP cannot place a point without
neighbours, and those frames are laid out one by one, as copies of each
other."""

import numba
import numpy as np

from framescape.common import log
from framescape.embed.parameters import MEASURED_BLOCK, MEASURED_GROUPS


@numba.njit(cache=True)
def root(parent, frame):
    while parent[frame] != frame:
        parent[frame] = parent[parent[frame]]
        frame = parent[frame]
    return frame


@numba.njit(cache=True)
def join(parent, one, other):
    """Join the groups of two frames under the smaller root: a group's root is
    its first frame."""
    one, other = root(parent, one), root(parent, other)
    if one < other:
        parent[other] = one
    elif other < one:
        parent[one] = other


@numba.njit(cache=True)
def numbered(parent):
    """``(count, labels)`` of the groups ``parent`` joins, numbered in the order
    of their first frames."""
    labels = np.empty(len(parent), np.int64)
    count = 0
    for frame in range(len(parent)):
        first = root(parent, frame)
        if first == frame:
            labels[frame] = count
            count += 1
        else:
            # Its first frame comes before it, so is numbered already.
            labels[frame] = labels[first]
    return count, labels


@numba.njit(cache=True)
def groups_of_matrix(distances):
    """``(count, labels)`` of the frames of an ``(N, N)`` distance matrix:
    frames at distance 0 share a label."""
    n = len(distances)
    parent = np.arange(n)
    for row in range(n):
        for column in range(row + 1, n):
            if distances[row, column] == 0:
                join(parent, row, column)
    return numbered(parent)


@numba.njit(cache=True)
def groups_of_graph(indices, distances):
    """``(count, labels)`` of the frames of a neighbour graph (``(N, k)``
    indices and distances): frames listed at distance 0 share a label, and so
    do frames joined through such listings."""
    n, k = indices.shape
    parent = np.arange(n)
    for frame in range(n):
        for slot in range(k):
            if distances[frame, slot] == 0:
                join(parent, frame, indices[frame, slot])
    return numbered(parent)


@numba.njit(cache=True)
def listed_by_members(members, group, labels, indices, distances):
    """The other groups the frames ``members`` of ``group`` list, and at what
    distances."""
    k = indices.shape[1]
    found = np.empty(len(members) * k, np.int64)
    found_at = np.empty(len(members) * k, np.float32)
    count = 0
    for frame in members:
        for slot in range(k):
            other = labels[indices[frame, slot]]
            if other != group:
                found[count] = other
                found_at[count] = distances[frame, slot]
                count += 1
    return found[:count], found_at[:count]


@numba.njit(cache=True)
def keep_nearest(nearest, near, group, found, found_at):
    """Row ``group`` of ``nearest`` and ``near``: the nearest distinct groups
    of ``found``, ties in the order found; the rest padded. Returns how many."""
    wanted = nearest.shape[1]
    taken = 0
    for position in np.argsort(found_at, kind="mergesort"):
        other = found[position]
        seen = False
        for earlier in range(taken):
            if nearest[group, earlier] == other:
                seen = True
                break
        if not seen:
            nearest[group, taken] = other
            near[group, taken] = found_at[position]
            taken += 1
            if taken == wanted:
                break
    nearest[group, taken:] = -1
    near[group, taken:] = near[group, taken - 1] if taken else 0.0
    return taken


@numba.njit(cache=True)
def group_neighbours(labels, count, indices, distances, wanted):
    """The nearest ``wanted`` other groups of each of ``count`` groups, nearest
    first (ties in the order found): ``(count, wanted)`` int64 groups and
    float32 distances.

    A group's candidates are the groups its frames list; for a group that
    finds fewer, also the groups whose frames list one of its frames
    (distances are symmetric): a group of more frames than a list holds lists
    only itself, but others list it. Identical frames are at the same
    distance from any other frame, so a group's distance is its frames'. Where
    fewer are found, the index is -1 (which umap-learn skips) and the distance
    the row's last found one (umap-learn sizes a frame's neighbourhood from
    every distance in its row); a group with none has -1 and 0 throughout.
    """
    n, k = indices.shape
    order = np.argsort(labels, kind="mergesort")
    bounds = np.searchsorted(labels[order], np.arange(count + 1))
    nearest = np.full((count, wanted), -1, np.int64)
    near = np.zeros((count, wanted), np.float32)
    short = np.zeros(count, np.bool_)
    for group in range(count):
        members = order[bounds[group] : bounds[group + 1]]
        found, found_at = listed_by_members(members, group, labels, indices, distances)
        short[group] = keep_nearest(nearest, near, group, found, found_at) < wanted
    # The listings of the short groups' frames by other groups' frames.
    sizes = np.zeros(count + 1, np.int64)
    for frame in range(n):
        for slot in range(k):
            other = labels[indices[frame, slot]]
            if short[other] and labels[frame] != other:
                sizes[other + 1] += 1
    starts = np.cumsum(sizes)
    filled = starts[:-1].copy()
    listing = np.empty(starts[-1], np.int64)
    listing_at = np.empty(starts[-1], np.float32)
    for frame in range(n):
        for slot in range(k):
            other = labels[indices[frame, slot]]
            if short[other] and labels[frame] != other:
                listing[filled[other]] = labels[frame]
                listing_at[filled[other]] = distances[frame, slot]
                filled[other] += 1
    for group in np.flatnonzero(short):
        members = order[bounds[group] : bounds[group + 1]]
        found, found_at = listed_by_members(members, group, labels, indices, distances)
        keep_nearest(
            nearest,
            near,
            group,
            np.concatenate((found, listing[starts[group] : starts[group + 1]])),
            np.concatenate((found_at, listing_at[starts[group] : starts[group + 1]])),
        )
    return nearest, near


def apart(labels, keep):
    """``(count, labels)`` with the frames of the groups not in ``keep`` (a
    bool per group) each a group of its own, numbered again in the order of
    their first frames."""
    alone = ~keep[labels]
    split = np.where(alone, len(keep) + np.arange(len(labels)), labels)
    keys, first, inverse = np.unique(split, return_index=True, return_inverse=True)
    # np.unique numbers by key; the groups are numbered by first frame.
    rank = np.empty(len(keys), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(keys))
    return len(keys), rank[inverse]


def first_frames(labels):
    """The first frame of each group ``labels`` numbers (0, 1, … in order)."""
    return np.unique(labels, return_index=True)[1]


@numba.njit(cache=True)
def nearest_groups(row, labels, count, group, wanted):
    """The ``wanted`` groups nearest to ``group`` by one of its frames'
    distances to every frame (``row``), nearest first, ties by number."""
    nearest = np.full(count, np.inf, np.float32)
    for frame in range(len(row)):
        other = labels[frame]
        if other != group and row[frame] < nearest[other]:
            nearest[other] = row[frame]
    # The wanted smallest without sorting every group: those up to the
    # wanted-th smallest distance, sorted (in group order, so ties by number).
    chosen = np.arange(count)
    if count > wanted:
        bound = np.partition(nearest, wanted - 1)[wanted - 1]
        chosen = np.flatnonzero(nearest <= bound)
    order = chosen[np.argsort(nearest[chosen], kind="mergesort")][:wanted]
    order = order[np.isfinite(nearest[order])]
    return order, nearest[order]


def measured_neighbours(nearest, near, labels, groups, rows):
    """Rows ``groups`` of ``nearest`` and ``near`` from their first frames'
    distances to every frame (``rows(frames)``, :data:`MEASURED_BLOCK` frames
    at a time), padded as :func:`group_neighbours` pads."""
    first = first_frames(labels)
    wanted = nearest.shape[1]
    count = len(first)
    for start in range(0, len(groups), MEASURED_BLOCK):
        block = groups[start : start + MEASURED_BLOCK]
        measured = rows(first[block])
        for group, row in zip(block, measured, strict=True):
            found, found_at = nearest_groups(row, labels, count, group, wanted)
            keep_nearest(nearest, near, group, found, found_at)


def group_graph(indices, distances, wanted, rows=None):
    """The neighbour graph of the groups of identical frames: ``(count,
    labels, nearest, near)`` (:func:`group_neighbours`); None when no two
    frames are identical.

    Groups that no list joins to another: given ``rows(frames)`` (each
    frame's distances to every frame, as landmark MDS reads them), the
    :data:`MEASURED_GROUPS` of most frames get their nearest groups from their
    first frames' rows; the others are taken apart."""
    count, labels = groups_of_graph(indices, distances)
    if count == len(indices):
        return None
    nearest, near = group_neighbours(labels, count, indices, distances, wanted)
    alone = np.flatnonzero(nearest[:, 0] < 0)
    measure = alone[:0]
    if rows is not None:
        sizes = np.bincount(labels, minlength=count)[alone]
        measure = alone[np.argsort(-sizes, kind="stable")[:MEASURED_GROUPS]]
    rest = np.setdiff1d(alone, measure)
    if len(rest):
        log.info(
            "%d groups of identical frames are listed with no other frame: "
            "their %d frames laid out one by one",
            len(rest),
            np.isin(labels, rest).sum(),
        )
        first = first_frames(labels)
        keep = np.ones(count, bool)
        keep[rest] = False
        count, labels = apart(labels, keep)
        nearest, near = group_neighbours(labels, count, indices, distances, wanted)
        measure = labels[first[measure]]
    if len(measure):
        log.info(
            "%d groups of identical frames are listed with no other frame: "
            "their nearest groups from their distances to every frame",
            len(measure),
        )
        measured_neighbours(nearest, near, labels, np.sort(measure), rows)
    return count, labels, nearest, near
