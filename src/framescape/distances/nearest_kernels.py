"""Numba kernels that keep each frame's ``k`` nearest frames, sorted by (distance,
frame number) as the dense ranking is: a tile of distances or lists of
neighbours merged in, in place. Arrays in, arrays out; no knowledge of files."""



import numba
import numpy as np


@numba.njit(cache=True, nogil=True, inline="always")
def insert_nearest(nearest, frames, distance, frame):
    """Put ``frame`` at ``distance`` into one row's sorted ``k`` nearest, if it
    belongs there: by (distance, frame number), as the dense ranking orders."""
    k = nearest.shape[0]
    worst = nearest[k - 1]
    if distance > worst or (distance == worst and frame > frames[k - 1]):
        return
    position = k - 1
    while position > 0 and (
        nearest[position - 1] > distance
        or (nearest[position - 1] == distance and frames[position - 1] > frame)
    ):
        nearest[position] = nearest[position - 1]
        frames[position] = frames[position - 1]
        position -= 1
    nearest[position] = distance
    frames[position] = frame


@numba.njit(cache=True, parallel=True)
def merge_nearest(
    best_distances, best_frames, distances, row_start, column_start, part
):
    """Merge a tile of distances into every row's ``k`` nearest frames, in place.

    ``best_distances`` ``(N, k) float32`` and ``best_frames`` ``(N, k) int32`` are
    sorted by (distance, frame number), ``inf`` and ``N`` where nothing is known
    yet. Tile element ``[r, c]`` is the distance between frames ``row_start + r``
    and ``column_start + c``; ``part`` says which elements count: 0 all, 1 those
    right of the frames' diagonal (``c > r``), 2 those left of it (``c < r``).
    Equal distances keep the lower frame number first, as the dense ranking does.
    """
    for r in numba.prange(distances.shape[0]):
        row = row_start + r
        first = r + 1 if part == 1 else 0
        stop = r if part == 2 else distances.shape[1]
        for c in range(first, stop):
            frame = column_start + c
            if frame != row:
                insert_nearest(
                    best_distances[row], best_frames[row], distances[r, c], frame
                )


@numba.njit(cache=True, parallel=True)
def merge_sorted(best_distances, best_frames, distances, frames, row_start, n):
    """As :func:`merge_listed`, for lists already sorted by (distance, frame
    number) and holding no frame of the row's list: one linear merge a row,
    ``O(k + c)`` instead of an insertion each (``O(k c)`` at worst); a list
    whose first frame is no nearer than the row's ``k``-th is skipped."""
    k = best_distances.shape[1]
    if k == 0:
        return
    for r in numba.prange(frames.shape[0]):
        row = row_start + r
        old_distances, old_frames = best_distances[row], best_frames[row]
        new_distances, new_frames = distances[r], frames[r]
        length = 0
        while length < new_frames.shape[0] and new_frames[length] < n:
            length += 1
        if length == 0 or (
            new_distances[0] > old_distances[k - 1]
            or (
                new_distances[0] == old_distances[k - 1]
                and new_frames[0] > old_frames[k - 1]
            )
        ):
            continue
        merged_distances = np.empty(k, old_distances.dtype)
        merged_frames = np.empty(k, old_frames.dtype)
        i = j = 0
        for position in range(k):
            take_new = j < length and (
                new_distances[j] < old_distances[i]
                or (
                    new_distances[j] == old_distances[i]
                    and new_frames[j] < old_frames[i]
                )
            )
            if take_new:
                merged_distances[position] = new_distances[j]
                merged_frames[position] = new_frames[j]
                j += 1
            else:
                merged_distances[position] = old_distances[i]
                merged_frames[position] = old_frames[i]
                i += 1
        old_distances[:] = merged_distances
        old_frames[:] = merged_frames


@numba.njit(cache=True, parallel=True)
def merge_listed(best_distances, best_frames, distances, frames, row_start, n):
    """Merge lists of neighbours into rows' ``k`` nearest frames, in place:
    row ``row_start + r`` of ``best_…`` gains ``frames[r, j]`` at
    ``distances[r, j]`` (padding, frame number ``n``, is skipped). Orders as
    :func:`merge_nearest`."""
    for r in numba.prange(frames.shape[0]):
        row = row_start + r
        for j in range(frames.shape[1]):
            if frames[r, j] < n:
                insert_nearest(
                    best_distances[row], best_frames[row], distances[r, j], frames[r, j]
                )
