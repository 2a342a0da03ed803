"""Plots and the viewer's pages, as functions (the browser test
is test_browser.py)."""

import html
import re

import numpy as np
import pytest
from PIL import Image

from conftest import MARKUP_NAME
from framescape import plots, viewer
from framescape.movies import movies_table, read_movies_tsv


@pytest.mark.parametrize("n, cells", [(10, 20), (10, 3), (1001, 100)])
def test_block_mean_averages_square_blocks(n, cells):
    matrix = np.random.default_rng(n).random((n, n)).astype(np.float32)
    reduced, block = plots.block_mean(matrix, cells)
    assert block == -(-n // cells)
    assert len(reduced) <= cells
    for row in range(len(reduced)):
        for column in (0, len(reduced) - 1):
            part = matrix[
                row * block : (row + 1) * block, column * block : (column + 1) * block
            ]
            assert reduced[row, column] == pytest.approx(part.mean(), rel=1e-6)


def coloured_pixels(path):
    image = np.asarray(Image.open(path).convert("RGB")).astype(int)
    return image, (np.ptp(image, axis=2) > 60).sum()


def test_plot_maps_draws_every_panel(tmp_path, bikes_frames):
    n = len(bikes_frames)
    movie = tmp_path / "movie"
    (movie / "frames").mkdir(parents=True)
    for index, frame in enumerate(bikes_frames):
        Image.fromarray(frame).save(movie / "frames" / f"{index + 1:06d}.png")
    frames = [
        {"frame": i, "time": i / 25, "file": f"frames/{i + 1:06d}.png"}
        for i in range(n)
    ]
    angle = np.linspace(0, np.pi, n)
    maps = {
        f"{method}_{metric}": 0.5 + 0.4 * np.c_[np.cos(angle), np.sin(angle)]
        for metric in ("gray", "hsl")
        for method in ("mds", "tsne", "umap")
    }
    plots.plot_maps(tmp_path / "maps.png", frames, maps, movie, "a movie", 4)
    image, coloured = coloured_pixels(tmp_path / "maps.png")
    assert image.shape[1] > image.shape[0] > 500  # 3 columns, 2 rows
    assert coloured > 5000  # points, thumbnails and the colour bar


def test_plot_distances_shows_the_matrix(tmp_path):
    n = 30
    times = np.arange(n) * 0.5
    distances = np.abs(times[:, None] - times[None, :]).astype(np.float32)
    plots.plot_distances(tmp_path / "d.png", distances, times, "gray", "a movie")
    image, coloured = coloured_pixels(tmp_path / "d.png")
    assert coloured > 20000


def items_for(n, keys):
    rng = np.random.default_rng(0)
    return [
        {
            "src": f"m/frames/{i + 1:06d}.png",
            "frame": i,
            "time": i * 0.5,
            **{key: rng.random(2).round(6).tolist() for key in keys},
        }
        for i in range(n)
    ]


def test_viewer_page_escapes_the_name_and_holds_every_map():
    keys = ["mds_gray", "umap_hsl"]
    items = items_for(12, keys)
    nearest = {"gray": np.zeros((12, 3), np.int32), "hsl": np.ones((12, 3), np.int32)}
    assets = viewer.asset_names("9.9.9")
    page = viewer.viewer_page(
        items, keys, nearest, "m", MARKUP_NAME, {"duration": 6.0}, 2.0, assets
    )
    assert MARKUP_NAME not in page
    assert f"<h1>{html.escape(MARKUP_NAME)}</h1>" in page
    for name in assets:
        assert f"_viewer/{name}" in page
    # The Bokeh document (a JSON string in the page's script) holds every column.
    document = re.search(r"const docs_json = '(.*?)';", page).group(1)
    for column in ("src", "time", "frame", "mds_gray_x", "umap_hsl_y", "hsl"):
        assert f'"{column}"' in document
    assert "m/frames/000012.png" in document


def test_index_page_lists_movies_and_failures(tmp_path):
    rows = [
        {"movie": "m", "file": MARKUP_NAME, "status": "ok"},
        {"movie": "bad", "file": "broken <b>.mp4", "status": "no video stream"},
    ]
    (tmp_path / "movies.tsv").write_text(movies_table(rows))
    summaries = {"m": viewer.movie_summary(items_for(5, ["mds_gray"]))}
    page = viewer.index_page(
        read_movies_tsv(tmp_path / "movies.tsv"), summaries, ["a.js"]
    )
    assert MARKUP_NAME not in page and "<b>" not in page
    assert html.escape(MARKUP_NAME) in page
    assert 'href="m.html"' in page and 'src="m/frames/000003.png"' in page
    assert "5 frames · 0:02.0" in page
    assert "no video stream" in page and 'href="bad.html"' not in page


def test_assets_are_copied_under_their_names(tmp_path):
    import bokeh

    names = viewer.asset_names(bokeh.__version__)
    viewer.copy_assets([tmp_path / name for name in names])
    assert (tmp_path / f"bokeh-{bokeh.__version__}.min.js").read_bytes()[:200]
    assert b"window.framescape" in (tmp_path / "framescape.js").read_bytes()
