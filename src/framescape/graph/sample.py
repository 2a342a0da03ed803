"""How many of its candidates each frame re-ranks: :data:`RECALL_SAMPLE` frames
spread over the movie are compared with every frame at full size, and the
fewest candidates that hold :data:`RECALL_TARGET` of their true nearest are
kept (:func:`choose_candidates`); the footage decides, not a fixed count."""



import numpy as np

from framescape.distances.nearest import distances_to, nearest_frames
from framescape.distances.parameters import FRAME_BLOCK
from framescape.graph.parameters import (
    RECALL_SAMPLE,
    RECALL_TARGET,
)


def sampled_frames(n, count=RECALL_SAMPLE):
    """``(S,) int64``: ``count`` frames spread evenly over a movie of ``n``
    (all of them when fewer), whose true nearest frames tell how many
    candidates are needed (:func:`candidates_needed`)."""
    if n == 0:
        return np.zeros(0, np.int64)
    return np.unique(np.linspace(0, n - 1, min(count, n)).round().astype(np.int64))


def exact_nearest(frames, metric, k, chosen, mask=None, progress=None):
    """``(S, k) int32``: the true ``k`` nearest of a few frames, ranked as the
    dense path ranks (:func:`nearest_frames`) their full-size
    distances to every frame (:func:`distances_to`, a block of
    :data:`FRAME_BLOCK` frames at a time, whatever the metric). ``progress``
    as :func:`distances_to`'s."""
    rows = distances_to(
        frames, metric, chosen, mask, column_frames=FRAME_BLOCK, progress=progress
    )
    return nearest_frames(rows, k, rows=chosen)


def candidates_needed(listed, truth, least, target=RECALL_TARGET):
    """How many of each frame's candidates to re-rank: the fewest, at least
    ``least``, that hold ``target`` of some frames' true nearest frames.

    Parameters
    ----------
    listed : (S, c) int
        The sampled frames' candidates, nearest reduced distance first.
    truth : (S, k) int
        Their true ``k`` nearest (:func:`exact_nearest`).
    least : int
    target : float

    Returns
    -------
    count : int
        Between ``least`` and ``c`` (``c`` when even all of them hold less).
    recall : float
        The share of the true nearest that ``count`` candidates hold: as the
        re-rank is exact, the estimated recall of the graph (1 without a
        sample).
    """
    width = listed.shape[1]
    if truth.size == 0:
        return min(least, width), 1.0
    # Each true neighbour's place in its frame's list (width: not in it), by a
    # table of places over frame numbers (N + 1: the lists' "none" marker).
    place = np.full(max(int(listed.max()), int(truth.max())) + 1, width)
    position = np.empty(truth.shape, np.int64)
    for row, (candidates, nearest) in enumerate(zip(listed, truth)):
        frames, first = np.unique(candidates, return_index=True)  # a repeat: its first
        place[frames] = first
        position[row] = place[nearest]
        place[frames] = width
    position = position.ravel()
    # held[c]: the share that the first c candidates hold.
    held = np.concatenate([[0], np.cumsum(np.bincount(position, minlength=width + 1))])
    held = held[: width + 1] / position.size
    enough = np.flatnonzero(held[least:] >= target)
    count = least + int(enough[0]) if len(enough) else width
    return count, float(held[count])


def choose_candidates(
    frames, metric, k, merged, least, mask=None, sample=RECALL_SAMPLE, progress=None
):
    """The candidates each frame re-ranks: the first ``count`` of the candidate
    pass's lists (:func:`candidates_needed` of :func:`sampled_frames`), in
    place.

    Parameters
    ----------
    frames : (N, H, W, 3) uint8
    metric : "gray" or "hsl"
    k : int
    merged : NearestMerge
        The candidate pass's lists, cut to ``count`` columns here.
    least : int
    mask : (H, W) bool, optional
    sample : int
        Frames compared with every frame at full size.
    progress : callable, optional
        ``progress(frames compared, N, "frames")``.

    Returns
    -------
    dict
        ``count``, ``recall`` (:func:`candidates_needed`), ``sampled`` (how
        many frames), ``kept`` (the candidates the pass kept a frame).
    """
    kept = merged.frames.shape[1]
    chosen = sampled_frames(len(merged.frames), sample if k else 0)
    truth = np.zeros((0, k), np.int64)
    if len(chosen):
        truth = exact_nearest(frames, metric, k, chosen, mask, progress)
    count, recall = candidates_needed(merged.frames[chosen], truth, least)
    merged.frames = np.ascontiguousarray(merged.frames[:, :count])
    merged.distances = np.ascontiguousarray(merged.distances[:, :count])
    return {"count": count, "recall": recall, "sampled": len(chosen), "kept": kept}
