"""The browser tests' fixtures: Debian's chromium driven by Playwright, the
pages of the shared workflow run (tests/conftest.py, workflow_run) and pages made
here from portrait pictures. What the modules share besides fixtures is
:mod:`framescape.testing.browser`.

Chromium is not installed here: CI installs Debian's package beforehand
(apt-get install chromium). Screenshots go to test-artifacts/ at the top of the
repository. Every wait is for a condition, with a timeout."""

import importlib.util
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from framescape.testing import fake_movie_pages, need
from framescape.testing.browser import ARTIFACTS, MOVIE, PORTRAIT


@pytest.fixture(scope="session")
def chromium():
    path = shutil.which("chromium")
    need(path, "chromium (Debian's package: apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser(chromium):
    need(importlib.util.find_spec("playwright"), "playwright (pip install -e .[test])")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def results(workflow_run):
    workdir, _ = workflow_run
    ARTIFACTS.mkdir(exist_ok=True)
    for plot in (workdir / "results" / MOVIE / "plots").glob("*.png"):
        shutil.copyfile(plot, ARTIFACTS / f"plot-{plot.name}")
    return workdir / "results"


@pytest.fixture(scope="session")
def portrait(tmp_path_factory):
    """A results folder with the viewer and index of a movie of 24 portrait
    pictures (PORTRAIT), made by the viewer's own steps; its frames lie on a
    circle, far apart, and their files are numbered out of order (the page
    lists them instead of rebuilding each name)."""
    results = tmp_path_factory.mktemp("portrait") / "results"
    frames = results / "phone" / "frames"
    frames.mkdir(parents=True)
    n = 24
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    gradient = np.linspace(0, 255, PORTRAIT[1], dtype=np.uint8)[:, None]
    items = []
    for i in range(n):
        pixels = np.zeros((PORTRAIT[1], PORTRAIT[0], 3), np.uint8)
        pixels[..., 0] = gradient
        pixels[..., 2] = i * 10
        name = f"{i * 5 % n + 1:06d}.png"
        Image.fromarray(pixels).save(frames / name)
        point = 0.5 + 0.4 * np.array([np.cos(angle[i]), np.sin(angle[i])])
        items.append(
            {
                "src": f"phone/frames/{name}",
                "frame": i,
                "time": float(i),
                "mds_gray": point.round(6).tolist(),
            }
        )
    json_path = results / "phone.json"
    json_path.write_text(json.dumps(items))
    probe = results / "phone" / "probe.json"
    probe.write_text(json.dumps({"error": None, "width": 1080, "height": 1920}))
    nearest = results / "phone" / "nearest" / "gray.npy"
    nearest.parent.mkdir()
    np.save(nearest, ((np.arange(n)[:, None] + np.arange(1, 5)) % n).astype(np.int32))
    fake_movie_pages(results, "phone", json_path, probe, nearest)
    return results
