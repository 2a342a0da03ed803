"""``frame_count.txt``: how many frames a movie gave, from the header of its
``frames.npy``. Plain Python: Snakemake's own process reads it to tile a movie's
distances and size its jobs."""


from pathlib import Path

from framescape.common import npy_shape, save_text


def write_frame_count(frames_npy, path):
    """Write the number of frames in ``frames.npy`` (from its header) to ``path``."""
    save_text(path, f"{npy_shape(frames_npy)[0]}\n")


def read_frame_count(path):
    return int(Path(path).read_text(encoding="utf-8"))
