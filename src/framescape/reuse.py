"""Where footage repeats: stretches of the same footage in two places.

Each sampled frame gets a descriptor that survives what happens to footage
when it is reused (:func:`descriptors`): its luma only (colour grading,
greyscale and sepia change hue and saturation, not where it is light or dark),
black or flat bars at its edges cut off (letterbox and pillarbox added or
removed), the rest averaged into a :data:`GRID` of cells whatever its shape
(resolution, aspect ratio), and, in each of :data:`REGIONS` parts of the
picture, those cells' ranks rather than their values (brightness, contrast
and gamma changes keep the order of the cells). Two frames' similarity is the
correlation of their cells' ranks, part by part, averaged over the parts
(:func:`similar_pairs`, the candidates) or over all parts but the
:data:`DROP` least alike (:func:`region_similarity`, every later comparison:
a logo or a caption changes a part or two, not the others). Frames with too
little detail (black, uniform, the end of a fade, a plain gradient) get no
descriptor: they never match on their own.

A match must hold over time (:func:`find_stretches`): frame pairs that look
alike (:func:`similar_pairs`, every frame against every other in blocks, no
N×N kept) vote for a time offset between two movies; each offset with enough
votes is followed along both movies, frame by frame, as long as the frames
keep matching at that offset, and kept when it lasts at least ``min_seconds``
and matches clearly better at that offset than a few samples beside it (still
pictures, the same room from another take and slow pans look alike at every
offset and are dropped).
"""

from typing import NamedTuple

import numba
import numpy as np

from framescape.common import Progress, log, save_npz, save_tsv
from framescape.frames import MovieDecoder

# Cells of a descriptor (rows, columns), each the mean luma of its part of the
# frame inside the bars; ranked within each of REGIONS (rows, columns) parts
# of 4 × 4 cells.
GRID = (12, 16)
REGIONS = (3, 4)
# Parts left out of a comparison, the least alike: a logo or caption over up to
# about 15 % of the picture covers one or two of the 12.
DROP = 2
# ITU-R BT.601 luma weights.
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
# Bars at an edge: pixels within BAR_LEVEL grey levels of the outermost
# line's median, which must be darker than BAR_DARKEST (black bars, also
# after a brightness change), as deep as at most of the positions along it.
BAR_LEVEL = 6.0
BAR_DARKEST = 28.0
# Bars never take more than this share of a frame's height or width per side.
BAR_MOST = 0.35
# A picture whose cells stray less than this (standard deviation, grey levels)
# from the smooth surface that fits them best (a quadratic in the cells' row
# and column) has no descriptor: black, uniform, the flat end of a fade, a
# plain gradient. Real footage's windows gave 13 to 39 (bikes, bigbuckbunny,
# carphone), ffmpeg's gradients 2 to 10.
MIN_DETAIL = 8.0
# The movie is decoded again for descriptors, this small (stretched: bars
# are found in the picture), at PER_WINDOW frames a sampling interval; each
# window of one interval, one every half interval, is averaged into one
# picture.
DECODE_SIZE = (128, 96)
PER_WINDOW = 8
# Windows described at a time.
BLOCK = 256

# Matching. Pairs at least this similar (all parts) vote for an offset;
# frames keep matching along an offset while at least MATCH_SIMILARITY
# similar (all parts but DROP). On bikes.mp4 against its edited copies (a
# 10 % logo, bars, grading) all parts gave at least 0.77, all but two 0.90;
# against other footage at most 0.16 and 0.31 (benchmarks/reuse.py).
SEED_SIMILARITY = 0.65
MATCH_SIMILARITY = 0.7
# Most pairs one frame keeps as votes (the most similar).
MOST_PAIRS = 32
# A stretch bridges at most this many samples in a row that do not match (a
# flash, a frame under a passing caption, a frame without a descriptor).
GAP = 2
# At its offset, at least DISTINCT_SHARE of a stretch's samples must match
# better by DISTINCT than at the offset SHIFT sampling intervals either way
# (a still picture matches as well everywhere: no offset).
SHIFT = 2
DISTINCT = 0.04
DISTINCT_SHARE = 0.5
# Rows scored against all frames at a time in similar_pairs.
PAIR_BLOCK = 512

TSV_HEADER = ("movie_a", "start_a", "end_a", "movie_b", "start_b", "end_b", "score")


def luma(frames):
    """``(n, H, W) float32`` luma (0–255) of ``(n, H, W, 3) uint8`` frames."""
    return np.asarray(frames, dtype=np.float32) @ LUMA


def bar_depth(lines, counted, most):
    """How many of ``lines`` (``(n, L, K)``: per frame, L lines of K pixels,
    outermost first) are a bar, at most ``most``: along each of the K pixel
    positions that count (``counted`` ``(n, K)`` bool), how far pixels stay
    within :data:`BAR_LEVEL` of the outermost line's median level (which must
    be darker than :data:`BAR_DARKEST`), the median of those depths. A logo
    or caption over less than half of a bar's length leaves it a bar."""
    outermost = np.where(counted, lines[:, 0, :], np.nan)
    level = np.nanmedian(outermost, axis=1)
    near = np.abs(lines - level[:, None, None]) < BAR_LEVEL
    # Per position, the first line that is not near the level.
    depths = np.where(near.all(axis=1), most, np.argmin(near, axis=1))
    depth = np.nanmedian(np.where(counted, depths, np.nan), axis=1)
    return np.where(level < BAR_DARKEST, np.minimum(depth, most), 0).astype(int)


def content_boxes(y):
    """``(n, 4) int`` rows ``top, bottom, left, right`` (bottom, right
    exclusive) of each frame's picture inside its bars.

    Rows first (over the whole width), then columns over the rows left, so
    that bars added above and below leave the columns found as they were.
    """
    n, height, width = y.shape
    most_rows, most_columns = int(height * BAR_MOST), int(width * BAR_MOST)
    every = np.ones((n, width), dtype=bool)
    top = bar_depth(y[:, :most_rows], every, most_rows)
    bottom = bar_depth(y[:, ::-1][:, :most_rows], every, most_rows)
    rows = np.arange(height)[None, :]
    inside = (rows >= top[:, None]) & (rows < height - bottom[:, None])
    columns = y.transpose(0, 2, 1)
    left = bar_depth(columns[:, :most_columns], inside, most_columns)
    right = bar_depth(columns[:, ::-1][:, :most_columns], inside, most_columns)
    return np.stack([top, height - bottom, left, width - right], axis=1)


def cell_means(y, boxes, grid=GRID):
    """``(n, rows, columns) float32``: each frame's box cut into ``grid`` cells
    (edges rounded to whole pixels), the mean luma of each."""
    n = len(y)
    rows, columns = grid
    # Summed-area table with a zero row and column in front.
    table = np.zeros((n, y.shape[1] + 1, y.shape[2] + 1), dtype=np.float64)
    np.cumsum(np.cumsum(y, axis=1, dtype=np.float64), axis=2, out=table[:, 1:, 1:])
    top, bottom, left, right = boxes.T[:, :, None]
    r = np.rint(top + (bottom - top) * np.arange(rows + 1) / rows).astype(np.intp)
    c = np.rint(left + (right - left) * np.arange(columns + 1) / columns).astype(
        np.intp
    )
    frame = np.arange(n)[:, None, None]
    r0, r1 = r[:, :-1, None], r[:, 1:, None]
    c0, c1 = c[:, None, :-1], c[:, None, 1:]
    sums = (
        table[frame, r1, c1]
        - table[frame, r0, c1]
        - table[frame, r1, c0]
        + table[frame, r0, c0]
    )
    area = np.maximum((r1 - r0) * (c1 - c0), 1)
    return (sums / area).astype(np.float32)


def rank_vectors(cells):
    """``(n, D) float32`` unit vectors: each frame's cells replaced by their
    ranks (ties share their mean rank), centred. The dot product of two is the
    rank correlation of their cells."""
    flat = cells.reshape(len(cells), int(np.prod(cells.shape[1:])))
    order = np.argsort(flat, axis=1, kind="stable")
    ranks = np.empty_like(flat)
    np.put_along_axis(ranks, order, np.arange(flat.shape[1], dtype=np.float32), 1)
    # Equal cells (flat areas) share one rank, so a flat area has no order.
    ranks = mean_tied_ranks(flat, order, ranks)
    ranks -= ranks.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(ranks, axis=1, keepdims=True)
    return ranks / np.maximum(norms, 1e-6)


def mean_tied_ranks(values, order, ranks):
    """``ranks`` with each run of equal ``values`` given the run's mean rank."""
    for i in range(len(values)):
        sorted_values = values[i, order[i]]
        starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
        if len(starts) == len(sorted_values):
            continue
        stops = np.r_[starts[1:], len(sorted_values)]
        mean_rank = ((starts + stops - 1) / 2).astype(np.float32)
        ranks[i, order[i]] = np.repeat(mean_rank, stops - starts)
    return ranks


def descriptors(pictures):
    """Descriptors of pictures.

    Parameters
    ----------
    pictures : (n, H, W) float32
        Luma, 0–255.

    Returns
    -------
    (n, D) float32
        Per part of the picture (:data:`REGIONS`, in order), its cells' centred
        ranks as a unit vector over the square root of the number of parts:
        the dot product of two descriptors is the mean of their parts' rank
        correlations. Zero for a picture with too little detail inside its
        bars (:func:`detail`; it matches nothing).
    """
    cells = cell_means(pictures, content_boxes(pictures))
    n = len(cells)
    ok = detail(cells) >= MIN_DETAIL
    (rows, columns), (across, down) = GRID, REGIONS
    parts = across * down
    # (n, across, rows/across, down, columns/down) → one (n·parts) × cells block each.
    regions = (
        cells[ok]
        .reshape(-1, across, rows // across, down, columns // down)
        .transpose(0, 1, 3, 2, 4)
        .reshape(-1, rows // across, columns // down)
    )
    vectors = np.zeros((n, rows * columns), dtype=np.float32)
    vectors[ok] = rank_vectors(regions).reshape(-1, rows * columns) / np.sqrt(parts)
    return vectors


def detail(cells):
    """``(n,)``: the standard deviation of each picture's cells (``(n, rows,
    columns)``) around the quadratic surface in row and column fitted to them
    by least squares."""
    n, rows, columns = cells.shape
    r, c = np.meshgrid(
        np.linspace(-1, 1, rows), np.linspace(-1, 1, columns), indexing="ij"
    )
    terms = np.stack([np.ones_like(r), r, c, r * r, r * c, c * c], axis=-1)
    terms = terms.reshape(-1, 6)
    fitted = terms @ np.linalg.pinv(terms)
    flat = cells.reshape(n, -1).astype(np.float64)
    return (flat - flat @ fitted.T).std(axis=1)


def region_similarity(vectors, i, j):
    """``(k,) float64`` in [0, 1]: the mean rank correlation of frames ``i``
    and ``j`` (index arrays) over all parts but the :data:`DROP` least alike,
    negative values as 0."""
    parts = REGIONS[0] * REGIONS[1]
    a = vectors[i].reshape(len(i), parts, -1)
    b = vectors[j].reshape(len(j), parts, -1)
    per_part = np.sort(np.einsum("kpd,kpd->kp", a, b) * parts, axis=1)
    return np.clip(per_part[:, DROP:].mean(axis=1), 0.0, 1.0)


def window_pictures(frames, per_window):
    """Mean pictures of windows of ``per_window`` consecutive frames, one
    window starting every ``per_window // 2`` frames (they overlap by half).

    Parameters
    ----------
    frames : iterable of (H, W, 3) uint8
        A movie's frames in order, sampled at ``per_window`` a window
        (streamed: only the current half window is held).
    per_window : int
        Even.

    Yields
    ------
    (H, W) float32
        Each window's mean luma; a trailing part window is dropped.
    """
    hop = per_window // 2
    total, taken, previous = None, 0, None
    for frame in frames:
        y = luma(frame)
        total = y if total is None else total + y
        taken += 1
        if taken < hop:
            continue
        half = total / hop
        if previous is not None:
            yield (previous + half) / 2
        previous, total, taken = half, None, 0


def batched(items, size):
    """Lists of up to ``size`` consecutive items."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def descriptors_step(source, output, fps, threads=1):
    """Rule ``reuse_descriptors``: one movie's window descriptors.

    The movie is decoded once more, small (:data:`DECODE_SIZE`, stretched) at
    :data:`PER_WINDOW` frames per sampling interval (``1 / fps`` s); each
    interval-long window, one every half interval, is averaged into one
    picture, so that two copies of the same footage sampled at different
    moments still see nearly the same pictures (a window shifted by a quarter
    of its length shares three quarters of its frames).

    ``output`` (npz): ``vectors`` (m, D) float32, ``times`` (m,) float64 (s,
    each window's start), ``interval`` (s, a window's length).
    """
    width, height = DECODE_SIZE
    decoder = MovieDecoder(
        source, fps=fps * PER_WINDOW, width=width, height=height, threads=threads
    )
    progress = Progress(f"reuse descriptors of {source}")
    parts = []
    for batch in batched(window_pictures(decoder, PER_WINDOW), BLOCK):
        parts.append(descriptors(np.stack(batch)))
        progress(len(parts) * BLOCK, None, "windows")
    vectors = (
        np.concatenate(parts) if parts else np.zeros((0, GRID[0] * GRID[1]), np.float32)
    )
    hop = PER_WINDOW // 2
    times = np.asarray(decoder.times, dtype=np.float64)[: len(vectors) * hop : hop]
    save_npz(output, vectors=vectors, times=times, interval=np.float64(1 / fps))
    log.info(
        "%d windows of %.3f s (one every %.3f s), %d without a descriptor",
        len(vectors),
        1 / fps,
        0.5 / fps,
        int((~vectors.any(axis=1)).sum()),
    )


@numba.njit(cache=True, parallel=True)
def keep_similar(scores, row_ids, movie, time, threshold, apart, most, pairs):
    """Per row of ``scores`` (frames ``row_ids`` against all frames), the
    columns of the ``most`` highest scores at least ``threshold``, skipping
    the row's own movie within ``apart`` seconds; into ``pairs`` (rows, most)
    (-1 where fewer). Returns nothing: ``pairs`` is filled in place."""
    rows, columns = scores.shape
    for r in numba.prange(rows):
        i = row_ids[r]
        best = np.full(most, -np.inf, dtype=np.float32)
        found = np.full(most, -1, dtype=np.int64)
        for j in range(columns):
            s = scores[r, j]
            if s < threshold or s <= best[most - 1] or j == i:
                continue
            if movie[j] == movie[i] and abs(time[j] - time[i]) < apart:
                continue
            # Insert in descending order.
            k = most - 1
            while k > 0 and best[k - 1] < s:
                best[k] = best[k - 1]
                found[k] = found[k - 1]
                k -= 1
            best[k] = s
            found[k] = j
        pairs[r] = found


def similar_pairs(
    vectors,
    movie,
    time,
    apart,
    threshold=SEED_SIMILARITY,
    most=MOST_PAIRS,
    block=PAIR_BLOCK,
    rows=None,
    progress=None,
):
    """Pairs of frames whose descriptors are at least ``threshold`` similar.

    The frames ``rows`` (default: all) against every frame, ``block`` rows at
    a time (one BLAS product each); no (N, N) array is kept.

    Parameters
    ----------
    vectors : (N, D) float32
        Unit descriptors (zero rows match nothing).
    movie : (N,) int
        Each frame's movie number.
    time : (N,) float64
        Each frame's time in its movie (s).
    apart : float
        Frames of one movie closer than this (s) are not paired.
    threshold, most : float, int
        Each frame keeps its ``most`` most similar frames at least ``threshold``
        similar.
    rows : (R,) int, optional
        The frames compared with all (windows overlapping by half: every
        other one of each movie finds the same footage at most a quarter of a
        window off, for half the time).

    Returns
    -------
    (M, 2) int64
        Frame index pairs ``i < j``, each once.
    """
    rows = np.arange(len(vectors)) if rows is None else np.asarray(rows)
    found = []
    for start in range(0, len(rows), block):
        these = rows[start : start + block]
        scores = vectors[these] @ vectors.T
        pairs = np.full((len(these), most), -1, dtype=np.int64)
        keep_similar(
            scores, these, movie, time, np.float32(threshold), apart, most, pairs
        )
        r, c = np.nonzero(pairs >= 0)
        found.append(np.stack([these[r], pairs[r, c]], axis=1))
        if progress:
            progress(start + len(these), len(rows), "windows")
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(np.concatenate(found), axis=1)
    return np.unique(pairs, axis=0)


class Track(NamedTuple):
    """One movie's frames as :func:`find_stretches` follows them.

    ``frames`` their indices in time order, ``times`` their times (s),
    ``hop`` the usual time between two (s), ``span`` the time each one's
    picture stands for (s: 0 for a single sampled frame, the window's length
    for a window's mean), ``end`` where the last one's time ends (s).
    """

    frames: np.ndarray
    times: np.ndarray
    hop: float
    span: float
    end: float


def movie_tracks(movie, time, step, span):
    """``{movie number: Track}``."""
    order = np.lexsort((time, movie))
    numbers, starts = np.unique(movie[order], return_index=True)
    tracks = {}
    for number, frames in zip(numbers.tolist(), np.split(order, starts[1:])):
        times = time[frames]
        hop = float(np.median(np.diff(times))) if len(times) > 1 else step[number]
        end = times[-1] + max(span[number], hop)
        tracks[number] = Track(frames, times, hop, float(span[number]), end)
    return tracks


def best_partner(similarity, x, y, y_times, targets, width, reach=1):
    """For each frame of ``x``, the most similar of the frames of ``y``
    nearest ``targets`` (the nearest and ``reach`` either side of it) within
    ``width`` seconds of it: their similarity (0 where none) and time."""
    nearest = np.clip(np.searchsorted(y_times, targets), 0, len(y_times) - 1)
    step_back = (nearest > 0) & (
        np.abs(y_times[nearest - 1] - targets) < np.abs(y_times[nearest] - targets)
    )
    nearest = nearest - step_back
    best = np.zeros(len(x), dtype=np.float64)
    when = np.full(len(x), np.nan)
    for shift in range(-reach, reach + 1):
        k = np.clip(nearest + shift, 0, len(y_times) - 1)
        near = np.abs(y_times[k] - targets) <= width
        s = np.where(near, similarity(x, y[k]), 0.0)
        better = s > best
        best[better], when[better] = s[better], y_times[k][better]
    return best, when


def follow(similarity, x, y, offset, width, min_seconds, same_movie):
    """Stretches where the frames of track ``x`` keep matching those of track
    ``y`` ``offset`` seconds later: ``(start_x, end_x, offset, score)`` each,
    ``offset`` refined to the matched frames' mean.

    A stretch's ends lie between its first (last) matching frame and the one
    before (after) it; taking a frame to match when at least half of its span
    is inside, they are put in the middle of where they can be, cut to both
    movies' time and, inside one movie, to end where its copy starts.
    """
    # The offset the votes gave may be off by a frame: the best of three
    # frames around it gives the one the frames agree on, along which each
    # frame is then compared with its nearest only (its neighbours would
    # stretch the ends).
    matched, when = best_partner(
        similarity, x.frames, y.frames, y.times, x.times + offset, width
    )
    agreed = matched >= MATCH_SIMILARITY
    if not agreed.any():
        return []
    offset = float(np.median(when[agreed] - x.times[agreed]))
    matched, when = best_partner(
        similarity, x.frames, y.frames, y.times, x.times + offset, width, reach=0
    )
    beside = [
        best_partner(
            similarity,
            x.frames,
            y.frames,
            y.times,
            x.times + offset + shift * width,
            width,
        )[0]
        for shift in (-SHIFT, SHIFT)
    ]
    hits = np.flatnonzero(matched >= MATCH_SIMILARITY)
    breaks = np.flatnonzero(np.diff(x.times[hits]) > (GAP + 1) * width + 1e-6)
    found = []
    for run in np.split(hits, breaks + 1) if len(hits) else []:
        first, last = run[0], run[-1]
        span = slice(first, last + 1)
        score = matched[span].mean()
        ahead = matched[span] - np.maximum(beside[0][span], beside[1][span])
        if np.mean(ahead >= DISTINCT) < DISTINCT_SHARE:
            continue
        shift = float(np.mean(when[run] - x.times[run]))
        start = max(
            x.times[first] + (x.span - x.hop) / 2, x.times[0], y.times[0] - shift
        )
        end = min(x.times[last] + (x.span + x.hop) / 2, x.end, y.end - shift)
        if same_movie:
            end = min(end, start + shift)
            # Footage that comes back soon after it ends is most often one
            # shot moving in cycles (a wheel, waves, a test pattern): a repeat
            # inside one movie needs min_seconds between its two places.
            if start + shift - end < min_seconds - 1e-6:
                continue
        if end - start >= min_seconds - 1e-6:
            found.append((start, end, shift, score))
    return found


def find_stretches(
    candidates, similarity, movie, time, step, min_seconds, span=None, min_votes=2
):
    """Stretches of footage found in two places, from frame pairs that look
    alike.

    Pairs vote for a time offset between two movies (or two moments of one);
    each offset with at least ``min_votes`` votes is followed along both
    movies (:func:`follow`). Stretches of one pair of movies found twice at
    nearly the same offset are kept once, the better.

    Parameters
    ----------
    candidates : (M, 2) int
        Frame index pairs that look alike (indices into ``movie``/``time``).
    similarity : callable
        ``similarity(i, j)`` for equal-length index arrays: a float array in
        [0, 1] (1 = the same picture).
    movie : (N,) int
        Each frame's movie number.
    time : (N,) float
        Each frame's time in its movie (s).
    step : (movies,) float
        Each movie's sampling interval (s): the tolerance of an offset.
    min_seconds : float
        The shortest stretch reported.
    span : (movies,) float, optional
        The time each movie's frames stand for (s): their windows' length
        for window means; 0 (the default) for single sampled frames.

    Returns
    -------
    list of tuple
        ``(movie_a, start_a, end_a, movie_b, start_b, end_b, score)``, movie
        numbers, ``movie_a <= movie_b`` (``start_a < start_b`` within one
        movie), best score first.
    """
    movie, time, step = (
        np.asarray(movie),
        np.asarray(time, float),
        np.asarray(step, float),
    )
    span = np.zeros(len(step)) if span is None else np.asarray(span, float)
    if len(candidates) == 0:
        return []
    i, j = np.asarray(candidates).T
    swap = (movie[i] > movie[j]) | ((movie[i] == movie[j]) & (time[i] > time[j]))
    a, b = np.where(swap, j, i), np.where(swap, i, j)
    ma, mb = movie[a], movie[b]
    offsets = time[b] - time[a]
    width = np.maximum(step[ma], step[mb])
    keep = (ma != mb) | (offsets >= min_seconds)
    ma, mb, offsets, width = ma[keep], mb[keep], offsets[keep], width[keep]
    bucket = np.rint(offsets / width).astype(np.int64)
    groups, inverse, votes = np.unique(
        np.stack([ma, mb, bucket], axis=1),
        axis=0,
        return_inverse=True,
        return_counts=True,
    )
    tracks = movie_tracks(movie, time, step, span)
    stretches = []
    for g in np.flatnonzero(votes >= min_votes)[
        np.argsort(-votes[votes >= min_votes], kind="stable")
    ]:
        x_movie, y_movie, _ = groups[g]
        members = inverse.ravel() == g
        offset = float(np.median(offsets[members]))
        w = float(width[members][0])
        x, y = tracks[x_movie], tracks[y_movie]
        if step[y_movie] > step[x_movie]:
            # Walk the movie sampled less often; its frames each find a partner.
            walked = follow(similarity, y, x, -offset, w, min_seconds, False)
            stretches += [
                (x_movie, s + d, e + d, y_movie, s, e, score)
                for s, e, d, score in walked
            ]
        else:
            walked = follow(
                similarity, x, y, offset, w, min_seconds, x_movie == y_movie
            )
            stretches += [
                (x_movie, s, e, y_movie, s + d, e + d, score)
                for s, e, d, score in walked
            ]
    return distinct_stretches(stretches, step)


def distinct_stretches(stretches, step):
    """Best first, each stretch once: a stretch overlapping a better one of the
    same two movies at nearly the same offset (closer than the shift
    :func:`follow` compares with, plus a sampling interval) is the same
    footage seen a little off, and dropped."""
    kept = []
    for row in sorted(stretches, key=lambda r: -r[6]):
        ma, sa, ea, mb, sb, _, _ = row
        near = (SHIFT + 1) * max(step[ma], step[mb])
        if not any(
            k[0] == ma
            and k[3] == mb
            and min(ea, k[2]) > max(sa, k[1])
            and abs((sb - sa) - (k[4] - k[1])) <= near
            for k in kept
        ):
            kept.append(row)
    return kept


def load_descriptors(paths):
    """All movies' descriptors one after the other: ``vectors`` (N, D),
    ``movie`` (N,) movie number (the order of ``paths``), ``time`` (N,) s and
    ``step`` (movies,) each movie's interval (s)."""
    vectors, movie, time, step = [], [], [], []
    for number, path in enumerate(paths):
        with np.load(path) as data:
            vectors.append(data["vectors"])
            time.append(data["times"])
            step.append(float(data["interval"]))
        movie.append(np.full(len(vectors[-1]), number, dtype=np.int64))
    return (
        np.concatenate(vectors),
        np.concatenate(movie),
        np.concatenate(time),
        np.asarray(step),
    )


def tsv_rows(stretches, movies):
    """``reuse.tsv`` rows from :func:`find_stretches`' stretches: movie ids
    (``movies[number]``), the two places in id order (a repeat inside one
    movie: earlier first), times with 3 decimals, score with 3."""
    rows = []
    for ma, sa, ea, mb, sb, eb, score in stretches:
        a, b = (movies[ma], sa, ea), (movies[mb], sb, eb)
        if (b[0], b[1]) < (a[0], a[1]):
            a, b = b, a
        rows.append(
            [
                a[0],
                f"{a[1]:.3f}",
                f"{a[2]:.3f}",
                b[0],
                f"{b[1]:.3f}",
                f"{b[2]:.3f}",
                f"{min(max(score, 0.0), 1.0):.3f}",
            ]
        )
    return rows


def reuse_step(descriptor_npzs, movies, min_seconds, output, threads=1):
    """Rule ``reuse``: ``reuse.tsv`` of every movie's descriptors
    (``descriptor_npzs``, in the order of ``movies``, their ids); the header
    alone when nothing repeats (or there are no movies)."""
    if not movies:
        save_tsv(output, TSV_HEADER, [])
        log.info("no movies")
        return []
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    vectors, movie, time, step = load_descriptors(descriptor_npzs)
    log.info("%d windows of %d movies", len(vectors), len(movies))
    # Every other window of each movie against all.
    first = np.searchsorted(movie, movie)
    pairs = similar_pairs(
        vectors,
        movie,
        time,
        min_seconds,
        rows=np.flatnonzero((np.arange(len(movie)) - first) % 2 == 0),
        progress=Progress("similar windows"),
    )
    log.info("%d pairs of windows alike", len(pairs))

    def similarity(i, j):
        return region_similarity(vectors, i, j)

    stretches = find_stretches(
        pairs, similarity, movie, time, step, min_seconds, span=step
    )
    rows = tsv_rows(stretches, list(movies))
    save_tsv(output, TSV_HEADER, rows)
    log.info("%d stretches found in two places", len(rows))
    return rows
