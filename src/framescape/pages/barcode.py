"""A movie's colour barcode (PNG): a column a slot of time, the mean colour of
the frames shown in it, with the shots' bounds marked over it."""

import numpy as np
from PIL import Image

from framescape.common import FramescapeError, atomic_path, log
from framescape.shots.table import load_shots

BARCODE_WIDTH = 1000
BARCODE_HEIGHT = 60
# A frame time on a slot's edge belongs to that slot, not the one before it,
# whatever the rounding of ``time / duration * width``.
EDGE = 1e-9
# Bounds are drawn in the top and bottom fifths: the middle of every
# column keeps its colour, even where the cuts are denser than the columns.
TICK_PART = 5
# Dashes of this many pixels, black then white: seen on any colour.
DASH = 2
NO_FRAMES_GREY = 128


def slot_of(times, duration, width):
    """The column of each time: ``(N,) int64``, slots of ``duration / width``
    seconds, times past the end in the last."""
    if duration <= 0:
        return np.zeros(len(times), np.int64)
    slots = np.floor(np.asarray(times, np.float64) / duration * width + EDGE)
    return np.clip(slots, 0, width - 1).astype(np.int64)


def barcode_colours(colours, times, duration, width=BARCODE_WIDTH):
    """A colour a column: ``(W, 3) uint8``, ``W`` at most ``width`` and at most
    the frames' count (a short movie gets a column a frame).

    Parameters
    ----------
    colours : (N, 3) uint8, each frame's mean RGB colour
    times : (N,) float64, each frame's time (s)
    duration : the movie's length (s)
    width : the most columns

    Each column is the mean colour of its slot's frames, rounded; a slot with
    no frame takes the one before it (the frame still on screen), the first
    slots the first frame's.
    """
    colours = np.asarray(colours)
    if colours.ndim != 2 or colours.shape[1] != 3 or len(times) != len(colours):
        raise FramescapeError(
            f"colours {colours.shape} and times {np.shape(times)}: want (N, 3) and (N,)"
        )
    if not len(colours):
        return np.full((1, 3), NO_FRAMES_GREY, np.uint8)
    width = max(1, min(width, len(colours)))
    slots = slot_of(times, duration, width)
    counts = np.bincount(slots, minlength=width)
    sums = np.stack(
        [np.bincount(slots, colours[:, channel], width) for channel in range(3)],
        axis=1,
    )
    filled = np.flatnonzero(counts)
    source = np.maximum.accumulate(np.where(counts > 0, np.arange(width), filled[0]))
    return np.rint(sums[source] / counts[source, None]).astype(np.uint8)


def mark_bounds(image, shots, duration):
    """Draw ``shots``' bounds on ``image`` (``(H, W, 3) uint8``, in place): at
    each shot's ``start`` but the first a dashed column in the top and bottom
    ``1 / TICK_PART`` of the rows; over a gradual transition's mixed frames,
    those rows lightened halfway to white."""
    height, width, _ = image.shape
    part = max(1, height // TICK_PART)
    rows = np.r_[0:part, height - part : height]
    for shot in shots[1:]:
        first, last = slot_of([shot.transition_start, shot.start], duration, width)
        if last > first:
            band = image[rows, first:last].astype(np.uint16)
            image[rows, first:last] = (band + 255) // 2
    dashes = np.where((rows // DASH) % 2 == 0, 0, 255).astype(np.uint8)
    for shot in shots[1:]:
        (column,) = slot_of([shot.start], duration, width)
        image[rows, column] = dashes[:, None]
    return image


def barcode_image(
    colours, times, duration, shots, width=BARCODE_WIDTH, height=BARCODE_HEIGHT
):
    """The barcode as ``(height, W, 3) uint8`` (:func:`barcode_colours`, then
    :func:`mark_bounds`)."""
    columns = barcode_colours(colours, times, duration, width)
    image = np.repeat(columns[None], height, axis=0)
    return mark_bounds(image, shots, duration)


def save_png(path, image):
    """``image`` (``(H, W, 3) uint8``) as a PNG, atomically; the same pixels
    give the same bytes (Pillow writes no time)."""
    with atomic_path(path, suffix=".png") as tmp:
        Image.fromarray(image).save(tmp, format="PNG")


def barcode_step(
    colours_npy,
    times_npy,
    shots_tsv,
    output,
    duration=None,
    width=BARCODE_WIDTH,
    height=BARCODE_HEIGHT,
):
    """Rule writing ``barcode.png``: from the frames' mean colours (``(N, 3)
    uint8``) and times (``(N,) float64``) saved as ``.npy``, and
    ``shots.tsv``; ``duration`` by default the last shot's end."""
    colours, times = np.load(colours_npy), np.load(times_npy)
    shots = load_shots(shots_tsv)
    if duration is None:
        duration = shots[-1].end if shots else 0.0
    image = barcode_image(colours, times, duration, shots, width, height)
    save_png(output, image)
    log.info("%d frames, %d shots, %d columns", len(colours), len(shots), image.shape[1])
