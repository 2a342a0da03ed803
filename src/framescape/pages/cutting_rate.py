"""The cutting rate (PNG, matplotlib): new shots a minute along a movie, with
the figures people quote of its shots. A module of its own: what the maps'
and heatmaps' plots compute with stays as it is (their step code digest)."""

import matplotlib.pyplot as plt
import numpy as np

from framescape.common import log
from framescape.pages.figures import save_figure
from framescape.shots.table import load_shots, shot_figures

# New shots counted in a minute about each of 600 times.
RATE_WINDOW = 60.0
RATE_POINTS = 600
# Each new shot's tick along the time axis, this part of the plot's height.
RUG_HEIGHT = 0.05
# Time in minutes from this length on, else in seconds.
MINUTES_FROM = 180.0


def rate_window(duration):
    """The sliding window (s) of the cutting rate: a minute, a quarter of a
    movie shorter than four (a 30-s clip: 7.5 s)."""
    return min(RATE_WINDOW, duration / 4)


def cutting_rate(shots, duration, points=RATE_POINTS):
    """New shots a minute along the movie: ``(times, rate, window)``, the new
    shots (every shot but the first, at its ``start``) in a window of
    :func:`rate_window` seconds about each of ``points`` times, the window
    kept inside the movie at its ends. ``(points,) float64`` each; empty
    arrays for a movie of no length."""
    if duration <= 0:
        return np.zeros(0), np.zeros(0), 0.0
    window = rate_window(duration)
    starts = np.sort([shot.start for shot in shots[1:]])
    times = np.linspace(0, duration, points)
    low = np.clip(times - window / 2, 0, duration - window)
    count = np.searchsorted(starts, low + window) - np.searchsorted(starts, low)
    return times, count * 60 / window, window


def cutting_rate_title(title, shots):
    """``title``, then on a second line the shots' count, average and median
    length (:func:`~framescape.shots.table.shot_figures`)."""
    figures = shot_figures(shots)
    if not figures["shots"]:
        return f"{title}\nno shots"
    count, average, median = figures.values()
    shots = f"{count:,} shots" if count > 1 else "1 shot"
    return (
        f"{title}\n{shots} · average shot length {average:.1f} s · "
        f"median {median:.1f} s"
    )


def draw_cutting_rate(ax, shots, duration, scale):
    """The curve, its fill, the average dashed and a tick a new shot, on ``ax``
    (time divided by ``scale``)."""
    times, rate, window = cutting_rate(shots, duration)
    ax.fill_between(times / scale, rate, color="tab:blue", alpha=0.25, linewidth=0)
    ax.plot(
        times / scale,
        rate,
        color="tab:blue",
        linewidth=1.2,
        label=f"new shots in a {window:g}-s window",
    )
    average = 60 * len(shots) / duration
    ax.axhline(average, color="0.3", linestyle="--", linewidth=0.9, label="average")
    starts = np.array([shot.start for shot in shots[1:]])
    ax.vlines(
        starts / scale,
        0,
        RUG_HEIGHT,
        color="0.25",
        linewidth=0.6,
        transform=ax.get_xaxis_transform(),
    )
    ax.set_xlim(0, duration / scale)
    # Headroom for the legend above the highest point.
    ax.set_ylim(0, max(rate.max(), average, 1.0) * 1.35)
    ax.legend(loc="upper right", fontsize="small", frameon=False)


def plot_cutting_rate(path, shots, duration, title):
    """Shots a minute along the movie (:func:`cutting_rate`) as a PNG: time
    in minutes for a movie of three minutes or more, else in seconds."""
    scale, unit = (60, "min") if duration >= MINUTES_FROM else (1, "s")
    figure, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
    if duration > 0:
        draw_cutting_rate(ax, shots, duration, scale)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("shots per minute")
    ax.set_title(cutting_rate_title(title, shots))
    save_figure(figure, path)


def plot_cutting_rate_step(shots_tsv, output, title, duration=None):
    """Rule writing ``plots/cutting_rate.png`` from ``shots.tsv``;
    ``duration`` (s) by default the last shot's end."""
    shots = load_shots(shots_tsv)
    if duration is None:
        duration = shots[-1].end if shots else 0.0
    plot_cutting_rate(output, shots, duration, title)
    log.info("%d shots in %s s", len(shots), duration)
