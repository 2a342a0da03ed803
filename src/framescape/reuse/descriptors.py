"""Window descriptors for the reuse stage (rule ``reuse_descriptors``): pictures
that survive what happens to footage when it is reused.

Each movie is decoded once more, small, and each window of one sampling
interval averaged into one picture (:func:`window_pictures`); of a picture
only its luma counts (colour grading, greyscale and sepia change hue and
saturation, not where it is light or dark); black bars at its edges are cut
off (letterbox and pillarbox added or removed); the rest is averaged into a
:data:`GRID` of cells whatever its shape (resolution, aspect ratio), and in
each of :data:`REGIONS` parts of the picture those cells' ranks replace their
values (brightness, contrast and gamma changes keep the order of the cells).
Two pictures' similarity is the rank correlation of their cells, part by part:
averaged over all parts it is a dot product of their descriptors
(:func:`descriptors`); :class:`framescape.reuse.matching.RegionSimilarity`
averages over all but the least alike parts, which shrugs off a logo or a
caption. Pictures with too little detail (black, uniform, the end of a fade, a
gradient close to a smooth surface) get no descriptor: they never match."""


import subprocess

import ffmpeg
import numba
import numpy as np
from scipy.stats import rankdata

from framescape.common import Progress, load_json, log, save_npz
from framescape.frames.decode import MovieDecoder, sampled_video
from framescape.frames.probe import ffmpeg_exe

# Cells of a descriptor (rows, columns), each the mean luma of its part of the
# frame inside the bars; ranked within each of REGIONS (rows, columns) parts
# of 4 × 4 cells.
GRID = (12, 16)
REGIONS = (3, 4)
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


class LumaDecoder(MovieDecoder):
    """A :class:`~framescape.frames.decode.MovieDecoder` whose frames are ffmpeg's
    ``gray`` (luma, full range 0–255): ``(height, width) uint8``, stretched to
    ``width``×``height``; iterated only (no PNGs, no ``keep_aspect``, no
    ``write_to``). ``source_fps``, the movie's own frame rate when known,
    only picks the quicker order of ffmpeg's filters. Grey frames because
    ffmpeg then takes less CPU time than for RGB frames (docs/performance.md,
    "Reused footage") and nothing is converted in Python."""

    def __init__(self, path, fps, width, height, *, threads=1, source_fps=None):
        super().__init__(path, fps, width, height, threads=threads)
        self.source_fps = source_fps

    def command(self):
        if self.source_fps and self.source_fps <= self.fps:
            # ffmpeg's fps filter repeats frames to reach a rate above the
            # source's: scaled first, each decoded frame is scaled once rather
            # than once a repeat (the same pixels and timestamps either way).
            video = (
                sampled_video(self.path, None, self.threads)
                .filter("scale", self.width, self.height)
                .filter("fps", self.fps)
            )
        else:
            # At or below the source's rate fps drops frames: drop them before
            # they are scaled.
            video = sampled_video(self.path, self.fps, self.threads).filter(
                "scale", self.width, self.height
            )
        video = video.filter("showinfo").filter("format", "gray")
        return (
            ffmpeg.output(
                video,
                "pipe:1",
                fps_mode="passthrough",
                format="rawvideo",
                pix_fmt="gray",
            )
            .global_args(
                "-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+info"
            )
            .compile(cmd=ffmpeg_exe())
        )

    def __iter__(self):
        process, reader = self._start(subprocess.PIPE)
        frame_bytes = self.width * self.height
        finished = False  # False too when the caller stops early: no error then
        try:
            while len(buffer := process.stdout.read(frame_bytes)) == frame_bytes:
                yield np.frombuffer(buffer, np.uint8).reshape(self.height, self.width)
            finished = True
        finally:
            process.stdout.close()
            self._finish(process, reader, check=finished)


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
    rows, columns = grid
    top, bottom, left, right = boxes.T[:, :, None]
    r = np.rint(top + (bottom - top) * np.arange(rows + 1) / rows).astype(np.intp)
    c = np.rint(left + (right - left) * np.arange(columns + 1) / columns).astype(
        np.intp
    )
    sums = cell_sums(np.ascontiguousarray(y), r, c)
    area = np.maximum(np.diff(r, axis=1)[:, :, None] * np.diff(c, axis=1)[:, None], 1)
    return (sums / area).astype(np.float32)


@numba.njit(cache=True, nogil=True)
def cell_sums(y, r, c):
    """``(n, rows, columns) float64`` sums of ``(n, H, W)`` ``y`` over the
    cells between row edges ``r`` ``(n, rows + 1)`` and column edges ``c``
    ``(n, columns + 1)``, added in float64. The pictures of
    :func:`window_pictures` are means of :data:`PER_WINDOW` whole grey levels,
    multiples of 1/8 up to 255: every cell's sum of them is exact, in any
    order, as it was from the slower summed-area table this loop replaces
    (docs/performance.md, "Reused footage"); other pictures' sums are rounded
    in float64."""
    n, rows, columns = len(y), r.shape[1] - 1, c.shape[1] - 1
    sums = np.zeros((n, rows, columns))
    for i in range(n):
        for a in range(rows):
            for row in range(r[i, a], r[i, a + 1]):
                for b in range(columns):
                    total = 0.0
                    for column in range(c[i, b], c[i, b + 1]):
                        total += y[i, row, column]
                    sums[i, a, b] += total
    return sums


def rank_vectors(cells):
    """``(n, D) float32`` unit vectors: each picture's cells replaced by their
    ranks (ties share their mean rank, so a flat area has no order), centred.
    The dot product of two is the rank correlation of their cells."""
    flat = cells.reshape(len(cells), int(np.prod(cells.shape[1:])))
    ranks = rankdata(flat, axis=1).astype(np.float32)
    ranks -= ranks.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(ranks, axis=1, keepdims=True)
    return ranks / np.maximum(norms, 1e-6)


def descriptors(pictures):
    """Descriptors of pictures (``(n, H, W) float32`` luma, 0–255): those of
    their cells inside their bars (:func:`descriptors_of_cells`)."""
    return descriptors_of_cells(cell_means(pictures, content_boxes(pictures)))


def descriptors_of_cells(cells):
    """Descriptors of pictures' cells.

    Parameters
    ----------
    cells : (n, rows, columns) float32
        Mean luma of each picture's :data:`GRID` cells.

    Returns
    -------
    (n, D) float32
        Per part of the picture (:data:`REGIONS`, in order), its cells' centred
        ranks as a unit vector over the square root of the number of parts:
        the dot product of two descriptors is the mean of their parts' rank
        correlations. Zero for a picture with too little detail (:func:`detail`;
        it matches nothing).
    """
    n = len(cells)
    ok = detail(cells) >= MIN_DETAIL
    (rows, columns), (part_rows, part_columns) = GRID, REGIONS
    parts = part_rows * part_columns
    # (n, part_rows, rows/part_rows, part_columns, columns/part_columns) → one
    # (n·parts) × cells block each.
    regions = (
        cells[ok]
        .reshape(
            -1, part_rows, rows // part_rows, part_columns, columns // part_columns
        )
        .transpose(0, 1, 3, 2, 4)
        .reshape(-1, rows // part_rows, columns // part_columns)
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


def window_pictures(frames, per_window):
    """Mean pictures of windows of ``per_window`` consecutive frames, one
    window starting every ``per_window // 2`` frames (they overlap by half).

    Parameters
    ----------
    frames : iterable of (H, W) uint8
        A movie's luma frames in order, sampled at ``per_window`` a window
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
        y = frame.astype(np.float32)
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


def descriptors_step(source, probe, output, fps, threads=1):
    """Rule ``reuse_descriptors``: one movie's window descriptors.

    The movie is decoded once more, small (:data:`DECODE_SIZE`, stretched) at
    :data:`PER_WINDOW` frames per sampling interval (``1 / fps`` s); each
    interval-long window, one every half interval, is averaged into one
    picture, so that two copies of the same footage sampled at different
    moments still see nearly the same pictures (a window shifted by a quarter
    of its length shares three quarters of its frames).

    ``probe`` is the movie's ``probe.json``: its duration tells a damaged file
    that stops early, as in ``extract_frames``; its frame rate picks the order
    of ffmpeg's filters (:class:`LumaDecoder`). ``output`` (npz): ``vectors``
    (m, D) float32, ``times`` (m,) float64 (s, each window's start),
    ``interval`` (s, a window's length), ``parts`` (the number of parts each
    vector is made of, :data:`REGIONS`).
    """
    width, height = DECODE_SIZE
    header = load_json(probe)
    decoder = LumaDecoder(
        source,
        fps=fps * PER_WINDOW,
        width=width,
        height=height,
        threads=threads,
        source_fps=header.get("fps"),
    )
    progress = Progress(f"reuse descriptors of {source}")
    parts = []
    for batch in batched(window_pictures(decoder, PER_WINDOW), BLOCK):
        parts.append(descriptors(np.stack(batch)))
        progress(len(parts) * BLOCK, None, "windows")
    decoder.check_complete(header.get("duration"))
    vectors = (
        np.concatenate(parts) if parts else np.zeros((0, GRID[0] * GRID[1]), np.float32)
    )
    hop = PER_WINDOW // 2
    times = np.asarray(decoder.times, dtype=np.float64)[: len(vectors) * hop : hop]
    save_npz(
        output,
        vectors=vectors,
        times=times,
        interval=np.float64(1 / fps),
        parts=np.int64(REGIONS[0] * REGIONS[1]),
    )
    log.info(
        "%d windows of %.3f s (one every %.3f s), %d without a descriptor",
        len(vectors),
        1 / fps,
        0.5 / fps,
        int((~vectors.any(axis=1)).sum()),
    )
