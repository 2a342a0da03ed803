"""Tiles of a long movie's distance matrices: which frames each tile job compares.

A movie of more than ``tile_frames`` frames is cut into blocks of ``tile_frames``
consecutive frames (the last one shorter); one job computes each pair of blocks
on or above the diagonal, and ``compute_distances`` puts them together. Plain
Python and a .npy header: Snakemake's own process lists the tile jobs with it."""


from pathlib import Path

from framescape.common import npy_shape, save_text


def write_frame_count(frames_npy, path):
    """Write the number of frames in ``frames.npy`` (from its header) to ``path``."""
    save_text(path, f"{npy_shape(frames_npy)[0]}\n")


def read_frame_count(path):
    return int(Path(path).read_text(encoding="utf-8"))
