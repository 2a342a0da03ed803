"""A movie's frames as the shot stage keeps them (:class:`FrameFeatures`), about
a kilobyte a frame: a 16×9 colour thumbnail, a 32×18 grey picture, a 64-bin
colour histogram, the frame's mean colour (the colour barcode) and its time;
made by :mod:`framescape.shots.decode`."""

from pathlib import Path
from typing import NamedTuple

import numpy as np

# ffmpeg scales every frame to this before the features are taken: small enough
# that a 1080p movie costs little beyond its decoding.
DECODE_WIDTH, DECODE_HEIGHT = 64, 36
PIXELS = DECODE_WIDTH * DECODE_HEIGHT
THUMB_WIDTH, THUMB_HEIGHT = 16, 9
# Fine enough to tell a close-up from a wide shot of one place (groups): at
# 16×9, shots of different places matched as well as shots of one place.
GRAY_WIDTH, GRAY_HEIGHT = 32, 18
# 4 levels of each of red, green and blue.
HISTOGRAM_LEVELS = 4
HISTOGRAM_BINS = HISTOGRAM_LEVELS**3
CHUNK_FRAMES = 1024


class FrameFeatures(NamedTuple):
    """A movie's frames as features, one row a frame (arrays or memory maps).

    ``thumbs`` ``(N, 9, 16, 3) uint8``; ``grays`` ``(N, 18, 32) uint8``
    (luma); ``histograms`` ``(N, 64) uint16``
    (pixels of the 64×36 frame per bin); ``colours`` ``(N, 3) uint8`` (mean
    RGB); ``times`` ``(N,) float64`` (seconds, ffmpeg's timestamps).
    """

    thumbs: np.ndarray
    grays: np.ndarray
    histograms: np.ndarray
    colours: np.ndarray
    times: np.ndarray

    def __len__(self):
        return len(self.times)


# One .npy file a field, named after it.
FEATURE_FILES = FrameFeatures._fields


def block_means(frames, height, width):
    """``frames`` ``(n, 36, 64, …)`` averaged down to ``(n, height, width, …)``."""
    n = len(frames)
    blocks = frames.reshape(
        n,
        height,
        DECODE_HEIGHT // height,
        width,
        DECODE_WIDTH // width,
        *frames.shape[3:],
    )
    return blocks.mean(axis=(2, 4))


def chunk_features(frames):
    """The features but times of ``(n, 36, 64, 3) uint8`` frames: ``{name:
    rows}`` (names of :data:`FEATURE_FILES`)."""
    n = len(frames)
    thumbs = np.rint(block_means(frames, THUMB_HEIGHT, THUMB_WIDTH)).astype(np.uint8)
    # ITU-R BT.601 luma, as ffmpeg's gray conversion weighs the channels.
    luma = frames @ np.array([0.299, 0.587, 0.114], np.float32)
    grays = np.rint(block_means(luma, GRAY_HEIGHT, GRAY_WIDTH)).astype(np.uint8)
    levels = (frames // (256 // HISTOGRAM_LEVELS)).astype(np.int32)
    bins = (levels[..., 0] * HISTOGRAM_LEVELS + levels[..., 1]) * HISTOGRAM_LEVELS
    bins = (bins + levels[..., 2]).reshape(n, -1)
    offsets = (np.arange(n) * HISTOGRAM_BINS)[:, None]
    histograms = np.bincount(
        (bins + offsets).ravel(), minlength=n * HISTOGRAM_BINS
    ).reshape(n, HISTOGRAM_BINS)
    colours = np.rint(frames.reshape(n, -1, 3).mean(axis=1)).astype(np.uint8)
    return {
        "thumbs": thumbs,
        "grays": grays,
        "histograms": histograms.astype(np.uint16),
        "colours": colours,
    }


def load_features(folder, mmap_mode="r"):
    """The :class:`FrameFeatures` of ``folder``, as memory maps by default."""
    folder = Path(folder)
    return FrameFeatures(
        *(
            np.load(folder / f"{name}.npy", mmap_mode=mmap_mode)
            for name in FEATURE_FILES
        )
    )


def frame_rate(times, nominal=None):
    """The movie's own rate: the median step of its timestamps (the rate most
    of a variable-rate movie runs at), else ``nominal``, else 25."""
    if len(times) > 1:
        step = float(np.median(np.diff(times)))
        if step > 0:
            return 1.0 / step
    return float(nominal or 25.0)
