"""How smooth the viewer is with many frames: the time until a page is drawn, and
frames per second while the points glide from one map to another, in Debian's
chromium (headless, software rendering unless a GPU is there).

    python benchmarks/viewer.py [--frames 365 2000 10000]
    python benchmarks/viewer.py --quick   # one page of 365 frames (CI)

Each page is built by framescape.viewer from synthetic maps (a noisy loop per
map), with the frame pictures of the demo movie repeated, in a temporary folder.
"""

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from framescape import viewer

REPO = Path(__file__).resolve().parents[1]

# BokehJS logs when the page is drawn and ready: "document idle at 750 ms".
IDLE = re.compile(r"document idle at (\d+) ms")
MAPS = [
    f"{method}_{metric}"
    for metric in ("gray", "hsl")
    for method in ("mds", "tsne", "umap")
]

MEASURE_SWITCH = """async (key) => {
  const model = Bokeh.documents[0].get_model_by_name("map_select");
  const gaps = [];
  let last = performance.now();
  let running = true;
  function tick(now) { gaps.push(now - last); last = now; if (running) requestAnimationFrame(tick); }
  requestAnimationFrame(tick);
  const started = performance.now();
  model.value = key;
  while (document.body.dataset.map !== key) { await new Promise((r) => setTimeout(r, 5)); }
  running = false;
  return {seconds: (performance.now() - started) / 1000, frames: gaps.length,
          worst_ms: Math.max(...gaps.slice(1))};
}"""


def make_page(folder, n, frames_dir):
    rng = np.random.default_rng(n)
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    items = []
    pictures = sorted(frames_dir.glob("*.png"))
    movie = folder / "bench"
    (movie / "frames").mkdir(parents=True)
    for picture in pictures:
        shutil.copyfile(picture, movie / "frames" / picture.name)
    coordinates = {
        key: 0.5
        + 0.35 * np.c_[np.cos(angle * (k + 1)), np.sin(angle)]
        + rng.normal(0, 0.02, (n, 2))
        for k, key in enumerate(MAPS)
    }
    for i in range(n):
        items.append(
            {
                "src": f"bench/frames/{pictures[i % len(pictures)].name}",
                "frame": i,
                "time": float(i),
                **{key: coordinates[key][i].round(6).tolist() for key in MAPS},
            }
        )
    nearest = {"gray": np.zeros((n, 8), np.int32), "hsl": np.zeros((n, 8), np.int32)}
    viewer.copy_assets(folder / "_viewer")
    picture = viewer.picture_size(pictures[0])
    page = viewer.viewer_page(
        items, MAPS, nearest, "bench", "bench.mp4", {}, 1, picture, "_viewer"
    )
    (folder / "bench.html").write_text(page)
    (folder / "bench.json").write_text(json.dumps(items))
    return folder / "bench.html"


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, nargs="+", default=[365, 2000, 10000])
    parser.add_argument("--frames-dir", type=Path, help="PNG frames to show")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one page of 365 frames; pictures made here if the demo has not run",
    )
    args = parser.parse_args()
    frames_dir = args.frames_dir or REPO / "results" / "demo_year" / "frames"
    made_here = None
    if args.quick:
        args.frames = [365]
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
    print(f"chromium: {chromium}")
    print("| frames | page MB | load s | switch s | frames drawn | worst gap ms |")
    print("|---:|---:|---:|---:|---:|---:|")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox"]
        )
        for n in args.frames:
            folder = Path(tempfile.mkdtemp(prefix="framescape-viewer-"))
            html = make_page(folder, n, frames_dir)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            with page.expect_console_message(
                lambda message: IDLE.search(message.text), timeout=120000
            ) as idle:
                page.goto(html.as_uri())
            loaded = float(IDLE.search(idle.value.text).group(1)) / 1000
            results = [page.evaluate(MEASURE_SWITCH, key) for key in MAPS[1:4]]
            best = min(results, key=lambda result: result["worst_ms"])
            worst = max(result["worst_ms"] for result in results)
            frames = round(np.mean([result["frames"] for result in results]))
            seconds = np.mean([result["seconds"] for result in results])
            size = html.stat().st_size / 1e6
            print(
                f"| {n} | {size:.1f} | {loaded:.1f} | {seconds:.2f} | {frames} "
                f"| {best['worst_ms']:.0f}–{worst:.0f} |",
                flush=True,
            )
            page.close()
            shutil.rmtree(folder)
        browser.close()
    if made_here:
        shutil.rmtree(made_here)


if __name__ == "__main__":
    main()
