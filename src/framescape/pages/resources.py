"""Memory and time the per-movie pages' jobs that grow with a movie's frames
ask a scheduler for: light, as Snakemake imports it while it plans a run (and apart
from the steps, so that re-measuring them reruns nothing).

``plot_maps`` draws every frame in every panel (matplotlib keeps each point and
segment of the scatter and the line, and renders them); ``make_viewer`` holds
the movie's JSON items and nearest frames as Python objects while it writes
the page. Fitted to measured peaks with room to spare (docs/performance.md,
"A long movie's plot of its maps outgrew a small job"); both jobs ask for at
least a small job's memory and time."""

from framescape.common import MB
from framescape.resources import minutes

# plot_maps of six maps: its jobs on the test pattern peaked at 164, 245 and
# 920 MB at 5,000, 10,000 and 50,000 frames (17.3 KiB a frame from 10,000 on);
# alone, on random maps, at 95, 217, 696 and 1,359 MB at 1,000 to 100,000.
PLOT_MAPS_FIXED = 100 * MB
PLOT_MAPS_FRAME = 20 * 1024
# make_viewer: 68 MB on the demo's 365 frames, 89, 99 and 274 MB on the test
# pattern's 5,000, 10,000 and 50,000 (4.5 KiB a frame from 10,000 on).
VIEWER_FIXED = 100 * MB
VIEWER_FRAME = 6 * 1024
# Seconds a frame on the 50,000-frame test pattern (EPYC-AVX2, 2026-12-07; the
# slowest CPU seen): make_viewer 158 s, plot_maps 33 s.
VIEWER_FRAME_SECONDS = 0.0032
PLOT_MAPS_FRAME_SECONDS = 0.00066


def plot_maps_memory(n_frames):
    """Bytes the ``plot_maps`` job's step holds for a movie of ``n_frames``
    frames."""
    return PLOT_MAPS_FIXED + PLOT_MAPS_FRAME * n_frames


def viewer_memory(n_frames):
    """Bytes the ``make_viewer`` job's step holds for a movie of ``n_frames``
    frames."""
    return VIEWER_FIXED + VIEWER_FRAME * n_frames


def plot_maps_minutes(n_frames):
    """Minutes the ``plot_maps`` job asks for."""
    return minutes(PLOT_MAPS_FRAME_SECONDS * n_frames)


def viewer_minutes(n_frames):
    """Minutes the ``make_viewer`` job asks for."""
    return minutes(VIEWER_FRAME_SECONDS * n_frames)
