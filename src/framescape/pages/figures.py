"""matplotlib for the static pictures: its Agg backend (no display needed) and
a figure saved atomically, shared by every module that draws a PNG, so that a
change to one picture's code reruns that picture only."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from framescape.common import atomic_path


def save_figure(figure, path):
    """Write ``figure`` to ``path`` as a PNG at 110 dpi, atomically, and close it."""
    with atomic_path(path, suffix=".png") as tmp:
        figure.savefig(tmp, dpi=110)
    plt.close(figure)
