"""Average linkage over the pairs that were compared (:func:`average_groups`):
clusters are joined while the mean distance of their compared pairs stays
under a threshold, as UPGMA does over all pairs, so that a movie's shots need
only be compared with their neighbours in time and no N × N array is made."""

import heapq

import numpy as np


def average_groups(count, pairs, distances, threshold):
    """Cluster labels (``(count,)`` int, the smallest member's index) of
    ``count`` items joined by average linkage while the mean distance of the
    compared pairs between two clusters is at most ``threshold``.

    ``pairs`` ``(m, 2)``: the compared pairs ``(i, j)``, ``i < j``; ``distances``
    ``(m,)``: theirs. Two clusters with no compared pair between them are never
    joined. With every pair compared, the clusters are scipy's
    ``fcluster(linkage(d, "average"), threshold, "distance")``.
    """
    # links[a][b] = [sum, count] of the compared pairs between clusters a, b.
    links = [{} for _ in range(count)]
    for (i, j), distance in zip(np.asarray(pairs).tolist(), distances.tolist()):
        links[i][j] = links[j][i] = [distance, 1]
    heap = [
        (d, i, j) for (i, j), d in zip(np.asarray(pairs).tolist(), distances.tolist())
    ]
    heapq.heapify(heap)
    members = [[i] for i in range(count)]
    while heap:
        mean, a, b = heapq.heappop(heap)
        if mean > threshold:
            break
        link = links[a].get(b)
        if link is None or link[0] / link[1] != mean:
            continue  # a cluster of this pair was joined since
        if len(members[a]) < len(members[b]):
            a, b = b, a
        # b joins a: its links become a's, added to those a has already.
        del links[a][b]
        for c, (total, number) in links[b].items():
            if c == a:
                continue
            del links[c][b]
            joined = links[a].setdefault(c, [0.0, 0])
            joined[0] += total
            joined[1] += number
            links[c][a] = joined
            heapq.heappush(heap, (joined[0] / joined[1], min(a, c), max(a, c)))
        links[b] = {}
        members[a] += members[b]
        members[b] = []
    labels = np.empty(count, np.int64)
    for group in members:
        if group:
            labels[group] = min(group)
    return labels
