"""How smooth the viewer is with many frames: frames per second while the points
glide from one map to another, and the time from a hover to its frame's picture,
in Debian's chromium (headless, software rendering unless a GPU is there).

    python benchmarks/viewer.py [--frames 365 2000 10000]

Each page is built by scripts/viewer.py from synthetic maps (a noisy loop per
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from framescape import viewer

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
    import bokeh

    names = viewer.asset_names(bokeh.__version__)
    viewer.copy_assets([folder / "_viewer" / name for name in names])
    page = viewer.viewer_page(items, MAPS, nearest, "bench", "bench.mp4", {}, 1, names)
    (folder / "bench.html").write_text(page)
    (folder / "bench.json").write_text(json.dumps(items))
    return folder / "bench.html"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, nargs="+", default=[365, 2000, 10000])
    parser.add_argument("--frames-dir", type=Path, help="PNG frames to show")
    args = parser.parse_args()
    frames_dir = args.frames_dir or REPO / "results" / "demo_year" / "frames"
    if not frames_dir.is_dir():
        sys.exit(f"no frames in {frames_dir}: run the demo first or pass --frames-dir")
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
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
            idle = []
            page.on("console", lambda message: idle.extend(IDLE.findall(message.text)))
            page.goto(html.as_uri())
            page.wait_for_function(
                "() => window.Bokeh && Bokeh.documents.length > 0"
                " && Bokeh.documents[0].get_model_by_name('map') !== null"
            )
            while not idle:
                page.wait_for_timeout(50)
            loaded = float(idle[0]) / 1000
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


if __name__ == "__main__":
    main()
