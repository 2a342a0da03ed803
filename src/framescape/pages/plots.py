"""Static pictures of a movie (PNG, matplotlib): its maps, one panel per
method × metric, and its distance matrices as self-similarity heatmaps, with
lines where its shots start when it has them."""


import os

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.offsetbox import AnnotationBbox, OffsetImage

from framescape.common import load_frames_tsv, log, map_label, npy_shape
from framescape.distances.tiles import HEATMAP_CELLS, heatmap_cells
from framescape.graph.parameters import reduce_factor
from framescape.pages.figures import save_figure
from framescape.pages.pictures import thumbnail
from framescape.registry import METRICS
from framescape.shots.table import load_shots

# Longer side of a frame's picture on a map, pixels: landscape and portrait
# frames take the same room, each at its own aspect.
THUMBNAIL_SIZE = 56
# Shot starts over a heatmap: thin and half seen, so that dense cutting greys
# the picture rather than hides it; a colour the magma map never takes.
SHOT_LINE = {"color": "#3ec1d3", "linewidth": 0.6, "alpha": 0.5}


def thumbnail_frames(n_frames, count):
    """Indices of ``count`` frames spread evenly over the movie, first and last included."""
    count = min(count, n_frames)
    return np.unique(np.linspace(0, n_frames - 1, count).round().astype(int))


def load_thumbnail(path, size=THUMBNAIL_SIZE):
    """``(h, w, 3) uint8``: the frame's PNG at its own aspect, longer side ``size``."""
    return np.asarray(thumbnail(path, size, max_height=size))


def plot_maps(path, frames, maps, movie_dir, title, thumbnails=6):
    """One figure, a panel per map: points coloured by time, consecutive frames
    joined by a faint line, a few frame thumbnails at their points.

    Parameters
    ----------
    path : output PNG
    frames : list of dict
        ``frames.tsv`` rows (``time`` in seconds, ``file``).
    maps : dict
        ``{"<method>_<metric>": (N, 2) array}``, in panel order.
    movie_dir : folder the frames' ``file`` paths are relative to
    title : figure title (the movie's name)
    thumbnails : frames shown as pictures in every panel
    """
    times = np.array([frame["time"] for frame in frames])
    metrics = list(dict.fromkeys(key.split("_")[1] for key in maps))
    methods = list(dict.fromkeys(key.split("_")[0] for key in maps))
    figure, axes = plt.subplots(
        len(metrics),
        len(methods),
        figsize=(4.2 * len(methods) + 1.2, 4.2 * len(metrics) + 0.6),
        squeeze=False,
        layout="constrained",
    )
    pictures = {
        index: load_thumbnail(f"{movie_dir}/{frames[index]['file']}")
        for index in thumbnail_frames(len(frames), thumbnails)
    }
    for key, coordinates in maps.items():
        method, metric = key.split("_")
        ax = axes[metrics.index(metric), methods.index(method)]
        ax.plot(*coordinates.T, color="0.55", linewidth=0.5, alpha=0.5, zorder=1)
        points = ax.scatter(
            *coordinates.T,
            c=times,
            cmap="viridis",
            vmin=times.min(),
            vmax=max(times.max(), times.min() + 1e-9),
            s=max(2.0, min(14.0, 3000 / len(frames))),
            linewidths=0,
            zorder=2,
        )
        for index, picture in pictures.items():
            box = AnnotationBbox(
                OffsetImage(picture, zoom=1.0),
                coordinates[index],
                frameon=True,
                pad=0.1,
                bboxprops={"edgecolor": plt.cm.viridis(_unit(times, index))},
                zorder=3,
            )
            ax.add_artist(box)
        ax.set_title(map_label(key))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    colour_bar = figure.colorbar(points, ax=axes, shrink=0.8)
    colour_bar.set_label("time (s)")
    figure.suptitle(title)
    save_figure(figure, path)


def _unit(times, index):
    spread = times.max() - times.min()
    return (times[index] - times.min()) / spread if spread > 0 else 0.5


def block_mean(matrix, cells=HEATMAP_CELLS):
    """``matrix`` averaged over square blocks so no side exceeds ``cells``.

    Reads ``matrix`` (a memmap is fine) a band of rows at a time. Returns the
    reduced ``(M, M)`` float32 matrix and the block size.
    """
    n = len(matrix)
    block, m = heatmap_cells(n, cells)
    if block == 1:
        return np.asarray(matrix, np.float32), 1
    reduced = np.empty((m, m), np.float32)
    edges = np.arange(0, n, block)
    for row, start in enumerate(edges):
        band = np.asarray(matrix[start : start + block], np.float64)
        reduced[row] = np.add.reduceat(band, edges, axis=1).sum(axis=0) / (
            band.shape[0] * np.diff(np.append(edges, n))
        )
    return reduced, block


def plot_distances(
    path, distances, times, metric, title, reduced_factor=None, shot_starts=()
):
    """Self-similarity heatmap of an ``(N, N)`` distance matrix, time on both axes.

    Repeated scenes show as dark off-diagonal blocks, cycles as stripes parallel
    to the diagonal. ``distances`` may also be ``(block averages, frames per
    cell side)`` (:func:`block_mean`'s result, or the neighbour graph's).
    ``reduced_factor``: the distances are those of frames averaged over
    ``f × f`` pixel blocks (the neighbour graph's candidates), which the
    colour bar says. ``shot_starts``: the times (s) where shots start after
    the first, drawn as lines across both axes (:data:`SHOT_LINE`), the
    shots as squares along the diagonal.
    """
    reduced, block = (
        distances if isinstance(distances, tuple) else block_mean(distances)
    )
    end = float(times[-1]) if len(times) else 0.0
    step = float(times[1] - times[0]) if len(times) > 1 else 1.0
    figure, ax = plt.subplots(figsize=(6.4, 5.6), layout="constrained")
    image = ax.imshow(
        reduced,
        cmap="magma",
        origin="upper",
        extent=(-step / 2, end + step / 2, end + step / 2, -step / 2),
        interpolation="nearest",
    )
    low, high = -step / 2, end + step / 2
    if len(shot_starts):
        ax.vlines(shot_starts, low, high, **SHOT_LINE)
        ax.hlines(shot_starts, low, high, **SHOT_LINE)
        # A shot that starts after the last sampled frame (shorter than the
        # sampling step) would widen the axes past the matrix.
        ax.set_xlim(low, high)
        ax.set_ylim(high, low)
    colour_bar = figure.colorbar(image, ax=ax)
    label = f"{metric} distance ({METRICS[metric].unit})"
    if reduced_factor:
        label += f"\nof {reduced_factor}×{reduced_factor}-pixel block means"
    colour_bar.set_label(label)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("time (s)")
    averaged = f", {block}×{block} frames averaged per cell" if block > 1 else ""
    shots = f", {len(shot_starts) + 1} shots" if len(shot_starts) else ""
    ax.set_title(f"{title}\n{metric}: {len(times)} frames{averaged}{shots}")
    save_figure(figure, path)


def plot_maps_step(frames_tsv, scaled_npys, output, names, title, thumbnails):
    """Rule ``plot_maps``: ``maps.png`` of one movie."""
    frames = load_frames_tsv(frames_tsv)
    maps = {key: np.load(path) for key, path in zip(names, scaled_npys)}
    plot_maps(output, frames, maps, os.path.dirname(frames_tsv), title, thumbnails)
    log.info("%d frames, %d maps", len(frames), len(maps))


def plot_distances_step(
    frames_tsv, frames_npy, source, output, metric, title, shots_tsv=None
):
    """Rule ``plot_distances``: the self-similarity heatmap of one metric, from
    its matrix (``distances/<metric>.npy``) or, on the long-movie path, from
    the block averages of its candidates' reduced distances
    (``graph/<metric>_heatmap.npy``); with the movie's ``shots.tsv``, lines
    where its shots start."""
    frames = load_frames_tsv(frames_tsv)
    times = np.array([frame["time"] for frame in frames])
    reduced = np.load(source, mmap_mode="r")
    factor = None
    if os.path.basename(source).endswith("_heatmap.npy"):  # the graph's cells
        block, cells = heatmap_cells(len(frames))
        if reduced.shape != (cells, cells):
            raise ValueError(
                f"{source}: {reduced.shape} cells for {len(frames)} frames"
            )
        _, height, width, _ = npy_shape(frames_npy)
        reduced = (np.asarray(reduced), block)
        factor = reduce_factor(metric, width, height)
    starts = [shot.start for shot in load_shots(shots_tsv)[1:]] if shots_tsv else []
    plot_distances(output, reduced, times, metric, title, factor, starts)
    log.info("%d frames, %d shot starts", len(frames), len(starts))
