"""How the viewer copes with many frames: the page's size, the time until the
map is drawn and answers input, the first click's nearest frames, and frames
per second while the points glide from one map to another, in Debian's chromium
(headless, WebGL drawn in software unless a GPU is there).

    python benchmarks/viewer.py [--frames 365 10000 50000]
    python benchmarks/viewer.py --quick   # one page of 365 frames (CI)

Each results folder is made by framescape.pages.viewer.viewer_step, as the workflow's
make_viewer makes it, from a synthetic movie: 6 maps (a noisy loop each), random
nearest frames ((N, 8) int32 per metric) and frame pictures numbered as
extraction numbers them, each a link to one of a dozen pictures.
"""

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from common import MAPS, MEASURE_SWITCH, METRICS
from framescape.pages import viewer as pages_viewer
from framescape.testing import fake_run_files

REPO = Path(__file__).resolve().parents[1]

NEIGHBOURS = 8

# Seconds from the start of navigation until BokehJS has drawn the whole
# document and the main thread is free again (the task after the next frame
# runs): the map is drawn and answers input.
LOADED = """() => new Promise((resolve) => {
  function check() {
    if (window.Bokeh && Bokeh.documents.length && Bokeh.documents[0].is_idle) {
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now() / 1000)));
    } else {
      requestAnimationFrame(check);
    }
  }
  check();
})"""
# Screen position of frame i under the current map (shared with the browser tests).
SCREEN_POSITION = (REPO / "tests" / "browser" / "screen_position.js").read_text()


def make_results(folder, n, frames_dir):
    """A results folder with one movie, ``bench``, of ``n`` frames, made by
    :func:`framescape.pages.viewer.viewer_step`: the page's path and the seconds the
    step took."""
    rng = np.random.default_rng(n)
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pictures = sorted(frames_dir.glob("*.png"))[:12]
    movie = folder / "bench"
    (movie / "frames").mkdir(parents=True)
    (movie / "nearest").mkdir()
    # Numbered as extraction numbers them, each a link to one of the pictures.
    for i in range(n):
        (movie / "frames" / f"{i + 1:06d}.png").symlink_to(
            pictures[i % len(pictures)].resolve()
        )
    coordinates = {
        key: 0.5
        + 0.35 * np.c_[np.cos(angle * (k + 1)), np.sin(angle)]
        + rng.normal(0, 0.02, (n, 2))
        for k, key in enumerate(MAPS)
    }
    items = [
        {
            "src": f"bench/frames/{i + 1:06d}.png",
            "frame": i,
            "time": float(i),
            **{key: coordinates[key][i].round(6).tolist() for key in MAPS},
        }
        for i in range(n)
    ]
    (folder / "bench.json").write_text(json.dumps(items))
    (movie / "probe.json").write_text(json.dumps({"duration": float(n)}))
    for metric in METRICS:
        np.save(
            movie / "nearest" / f"{metric}.npy",
            rng.integers(0, n, (n, NEIGHBOURS), dtype=np.int32),
        )
    fake_run_files(folder)  # the assets and folder_status.js, as a run leaves them
    outputs = SimpleNamespace(
        page=folder / "bench.html",
        nearest=movie / "nearest.js",
        thumbnails=movie / "thumbnails.js",
    )
    started = time.perf_counter()
    pages_viewer.viewer_step(
        folder / "bench.json",
        movie / "probe.json",
        [movie / "nearest" / f"{metric}.npy" for metric in METRICS],
        folder / "_viewer",
        outputs,
        "bench",
        MAPS,
        list(METRICS),
        "bench.mp4",
        1,
    )
    return outputs.page, time.perf_counter() - started


def plain_pictures(folder, count=12, size=(320, 240)):
    """``count`` PNG pictures of ``size`` (width, height) in ``folder``, each a
    gradient of its own colour: stand-ins for a movie's frames."""
    from PIL import Image

    ramp = np.linspace(0, 255, size[0], dtype=np.uint8)
    for i in range(count):
        pixels = np.zeros((size[1], size[0], 3), np.uint8)
        pixels[..., i % 3] = ramp
        Image.fromarray(pixels).save(folder / f"{i + 1:06d}.png")
    return folder


def measure(browser, html, screenshot=None):
    """Load ``html`` in a fresh tab: load, first-click and switch figures."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(html.as_uri())
    loaded = page.evaluate(LOADED)
    # The first click on a point: its frame and nearest frames shown.
    started = time.perf_counter()
    page.mouse.click(*page.evaluate(SCREEN_POSITION, 0))
    page.locator("figure.fs-near").nth(NEIGHBOURS - 1).wait_for(timeout=60000)
    clicked = time.perf_counter() - started
    if screenshot:
        page.screenshot(path=screenshot)
    switches = [page.evaluate(MEASURE_SWITCH, key) for key in MAPS[1:4]]
    page.close()
    if errors:
        sys.exit(f"{html}: the page failed: {errors}")
    return {
        "load": loaded,
        "click": clicked,
        "switch": np.mean([switch["seconds"] for switch in switches]),
        "frames": round(np.mean([switch["frames"] for switch in switches])),
        "worst": [
            min(s["worst_ms"] for s in switches),
            max(s["worst_ms"] for s in switches),
        ],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, nargs="+", default=[365, 10000, 50000])
    parser.add_argument("--frames-dir", type=Path, help="PNG frames to show")
    parser.add_argument("--repeat", type=int, default=3, help="loads of each page")
    parser.add_argument(
        "--screenshot", type=Path, help="folder for a screenshot of each page"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one page of 365 frames, loaded once; pictures made here if the "
        "demo has not run",
    )
    args = parser.parse_args()
    frames_dir = args.frames_dir or REPO / "results" / "demo_year" / "frames"
    made_here = None
    if args.quick:
        args.frames, args.repeat = [365], 1
        if not frames_dir.is_dir():
            made_here = frames_dir = plain_pictures(
                Path(tempfile.mkdtemp(prefix="framescape-"))
            )
    if not frames_dir.is_dir():
        sys.exit(f"no frames in {frames_dir}: run the demo first or pass --frames-dir")
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("no chromium: install Debian's package (apt-get install chromium)")
    print(f"chromium: {chromium}; {platform.processor() or platform.machine()}")
    print(
        "| frames | page MB | other files MB | make s | load s (best of runs) "
        "| first click s | switch s | frames drawn | worst gap ms |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox"]
        )
        for n in args.frames:
            folder = Path(tempfile.mkdtemp(prefix="framescape-viewer-"))
            html, made = make_results(folder, n, frames_dir)
            runs = [
                measure(
                    browser,
                    html,
                    args.screenshot / f"viewer-{n}.png"
                    if args.screenshot and run == 0
                    else None,
                )
                for run in range(args.repeat)
            ]
            best = min(runs, key=lambda run: run["load"])
            size = html.stat().st_size / 1e6
            # What the page asks for later: thumbnails.js and any script beside it.
            others = sum(
                path.stat().st_size for path in (folder / "bench").glob("*.js")
            )
            loads = ", ".join(f"{run['load']:.2f}" for run in runs)
            print(
                f"| {n} | {size:.2f} | {others / 1e6:.1f} | {made:.1f} "
                f"| {best['load']:.2f} ({loads}) | {best['click']:.2f} "
                f"| {best['switch']:.2f} | {best['frames']} "
                f"| {best['worst'][0]:.0f}–{best['worst'][1]:.0f} |",
                flush=True,
            )
            shutil.rmtree(folder)
        browser.close()
    if made_here:
        shutil.rmtree(made_here)


if __name__ == "__main__":
    main()
