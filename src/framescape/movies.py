"""Movies in the input folder: safe movie ids, the local link, and ``movies.tsv``.

A user's file name never reaches a wildcard, a path or a shell. Each movie gets a
safe id (README, "Movie names"); only :func:`link_movie` touches the raw path.
"""

import hashlib
import os
import re
import sys
import unicodedata
from pathlib import Path

from framescape.common import (
    FramescapeError,
    atomic_path,
    load_json,
    load_tsv,
    save_text,
    tsv_text,
)

# No dot in an id: results/<id>.json and results/<id>.html are then never inside
# or beside another movie's results/<id>/ (a.json.mp4 would give the folder of a's map).
UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_-]+")
# Ids become file names such as <id>.json and <id>.html: well under the 255 bytes
# most file systems allow, whatever the length of the movie's own name.
MAX_ID_LENGTH = 100
HASH_DIGITS = 8
# What the results folder holds besides the movies (compared without case: a
# file system may ignore it): a movie named so gets the hash suffix.
RESULTS_ENTRIES = (
    "index.html",
    "movies.tsv",
    "collection.json",
    "collection.html",
    "reuse.tsv",
    "logs",
    "benchmarks",
    "_viewer",
)
RESERVED_IDS = {entry.split(".")[0].casefold() for entry in RESULTS_ENTRIES}
MOVIES_TSV_COLUMNS = [
    "movie",
    "file",
    "status",
    "frames",
    "duration",
    "width",
    "height",
    "source_fps",
]


def base_id(file_name):
    """Safe id of one file name, before collisions are resolved.

    >>> base_id("Ünï côde.final.mp4")
    'Uni_code_final'
    """
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    decomposed = unicodedata.normalize("NFKD", stem)
    ascii_ish = "".join(c for c in decomposed if not unicodedata.combining(c))
    safe = UNSAFE_RUN.sub("_", ascii_ish)
    return safe.lstrip("-_").rstrip("_")


def name_hash(file_name, digits=HASH_DIGITS):
    """First ``digits`` hex digits of the SHA-1 of the full file name (UTF-8)."""
    encoded = file_name.encode("utf-8", "surrogateescape")
    return hashlib.sha1(encoded).hexdigest()[:digits]


def movie_ids(file_names):
    """Map each file name to its safe, unique movie id.

    Names whose id would be empty, longer than :data:`MAX_ID_LENGTH` (cut to that
    length first), one of :data:`RESERVED_IDS`, or shared with another name
    (ignoring case) get ``-`` and the first 8 hex digits of the SHA-1 of their
    full file name appended. Should such an id still meet another one (a file
    named like another's hashed id, or two names whose SHA-1 start alike), the
    plain one is hashed too, and two hashed ones get the whole SHA-1.

    Parameters
    ----------
    file_names : iterable of str
        File names (no folders), as they are on disk.

    Returns
    -------
    dict
        ``{file_name: movie_id}``.
    """
    bases = {name: base_id(name) for name in file_names}
    digits = {
        name: 0
        if base and len(base) <= MAX_ID_LENGTH and base.casefold() not in RESERVED_IDS
        else HASH_DIGITS
        for name, base in bases.items()
    }
    while True:
        ids = {
            name: f"{bases[name][:MAX_ID_LENGTH].rstrip('_')}-{name_hash(name, n)}"
            if n
            else bases[name]
            for name, n in digits.items()
        }
        sharing = {}
        for name, movie in ids.items():
            sharing.setdefault(movie.casefold(), []).append(name)
        clashes = [names for names in sharing.values() if len(names) > 1]
        if not clashes:
            return ids
        grown = False
        for names in clashes:
            plain = [name for name in names if not digits[name]]
            for name in plain or names:
                if digits[name] < 40:
                    digits[name] = 40 if digits[name] else HASH_DIGITS
                    grown = True
        if not grown:  # the same SHA-1 for two names: no id can tell them apart
            raise FramescapeError(
                f"{sorted(clashes[0])}: file names with one SHA-1; rename one"
            )


def find_movies(folder, extensions):
    """Movie files in ``folder`` (not recursive), by extension, case-insensitive.

    Returns
    -------
    dict
        ``{movie_id: {"file": name, "path": absolute path, "ext": extension,
        "stamp": "size:mtime_ns"}}``, sorted by id. A symbolic link counts as the
        file it points to (see :func:`broken_links` for those that point nowhere).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FramescapeError(
            f"movies folder '{folder}' does not exist or is not a folder "
            "(set 'movies:' in config.yaml or pass --config movies=PATH)"
        )
    names = sorted(entry.name for entry in movie_entries(folder, extensions))
    ids = movie_ids(names)
    movies = {}
    for name in sorted(names, key=ids.get):
        status = (folder / name).stat()
        movies[ids[name]] = {
            "file": name,
            "path": str((folder / name).absolute()),
            "ext": name.rsplit(".", 1)[1].lower(),
            "stamp": f"{status.st_size}:{status.st_mtime_ns}",
        }
    return movies


def movie_entries(folder, extensions, broken=False):
    """Directory entries of ``folder`` with a movie extension: files (or links to
    files); with ``broken``, the symbolic links that point nowhere instead."""
    wanted = {ext.lower().lstrip(".") for ext in extensions}
    for entry in os.scandir(folder):
        named_like_a_movie = (
            not entry.name.startswith(".")
            and "." in entry.name
            and entry.name.rsplit(".", 1)[1].lower() in wanted
        )
        dangling = entry.is_symlink() and not os.path.exists(entry.path)
        if named_like_a_movie and (dangling if broken else entry.is_file()):
            yield entry


def broken_links(folder, extensions):
    """``{file name: target}`` of the links in ``folder`` that point nowhere:
    they cannot be read, so the workflow names and skips them."""
    return {
        entry.name: os.readlink(entry.path)
        for entry in movie_entries(folder, extensions, broken=True)
    }


def link_movie(movie_path, link_path, log_file=None):
    """Point ``link_path`` at the user's movie (absolute symlink, atomic).

    Runs inside Snakemake's own process (a local rule), so it writes its one line
    of log directly rather than through :mod:`logging`.
    """
    target = os.path.abspath(movie_path)
    if not os.path.isfile(target):
        raise FramescapeError(f"{movie_path}: movie file not found")
    with atomic_path(link_path) as tmp:
        os.unlink(tmp)
        os.symlink(target, tmp)
    if log_file:
        save_text(log_file, f"{link_path} -> {target}\n")


def read_movies_tsv(path):
    """``movies.tsv`` rows as dicts of text (columns :data:`MOVIES_TSV_COLUMNS`)."""
    return load_tsv(path)


def movies_table(rows):
    """``movies.tsv`` text: one row per movie, columns :data:`MOVIES_TSV_COLUMNS`."""
    return tsv_text(
        MOVIES_TSV_COLUMNS,
        [[row.get(column) for column in MOVIES_TSV_COLUMNS] for row in rows],
    )


def movie_row(movie, file_name, probe, fps):
    """One ``movies.tsv`` row from a movie's probe (see ``frames.probe_movie``)."""
    row = {"movie": movie, "file": file_name}
    if probe.get("error"):
        return {**row, "status": probe["error"]}
    return {
        **row,
        "status": "ok",
        "frames": expected_frames(probe["duration"], fps),
        "duration": probe["duration"],
        "width": probe["width"],
        "height": probe["height"],
        "source_fps": probe["fps"],
    }


def expected_frames(duration, fps):
    """Frames that ffmpeg's ``fps=`` filter gives for ``duration`` seconds."""
    return max(round(duration * fps), 0) if duration else ""


def write_movies_tsv(output, movies, files, probes, fps):
    """Rule ``list_movies``: ``movies.tsv`` from every movie's probe."""
    rows = [
        movie_row(movie, file_name, load_json(probe), rate)
        for movie, file_name, probe, rate in zip(movies, files, probes, fps)
    ]
    save_text(output, movies_table(rows))


NOT_PROBED = "not read: the run stopped before this movie was probed"


def failure_reasons(movie_folder, file_name, newest_target, jobs=None):
    """Why jobs of one movie failed, from the ``<log>.error`` files they left
    (``common.run_step``), oldest first, without the file name they start with.

    A reason older than ``newest_target`` (ns since the epoch, or ``None`` when a
    target is missing) is of a job the movie no longer needs: its outputs were
    all made again since. ``jobs``: only those rules' reasons.
    """
    reasons = []
    errors = [
        (path.stat().st_mtime_ns, path.name, path)
        for path in Path(movie_folder, "logs").glob("*.error")
        if jobs is None or path.stem in jobs
    ]
    for made, _, path in sorted(errors):
        if newest_target is not None and made < newest_target:
            continue
        reason = path.read_text(encoding="utf-8").strip()
        reason = reason.removeprefix(f"{file_name}: ")
        if reason not in reasons:
            reasons.append(reason)
    return reasons


# The jobs that make a movie's frames: a movie whose frames could not be made
# is left out of the folder map.
FRAME_JOBS = ("probe_movie", "extract_frames")
# run_step's outcome of a job cut off (Ctrl-C, kill -9): tried again, not failed.
UNFINISHED = "did not finish"


def failed_movies(results, movies):
    """The movies whose frames could not be made and that have not changed
    since: ``{movie_id: reason}``, read when a run is planned.

    A movie counts as failed when it has no ``frames.npy`` and the job that
    makes its frames or reads its header (:data:`FRAME_JOBS`) left a reason
    newer than the movie's file (a file replaced since is tried again; a job
    that was cut off, :data:`UNFINISHED`, too). The folder map leaves such
    movies out, so that one bad file does not keep it from the others
    (Snakemake cannot leave out an input that fails within the run: the first
    run after a movie fails builds the folder map without it).
    """
    failed = {}
    for movie, info in movies.items():
        folder = Path(results, movie)
        if (folder / "frames.npy").exists():
            continue
        changed = int(info["stamp"].split(":")[1])
        reasons = [
            reason
            for reason in failure_reasons(folder, info["file"], changed, FRAME_JOBS)
            if not reason.startswith(UNFINISHED)
        ]
        if reasons:
            failed[movie] = "; ".join(reasons)
    return failed


def outcome_row(results, movie, file_name, fps, targets):
    """``movies.tsv`` row of one movie after a run: the probe's facts, and as
    status the failed jobs' reasons, else the probe's outcome.

    Parameters
    ----------
    targets : list of path
        What a complete run makes of this movie.
    """
    probe = Path(results, movie, "probe.json")
    if probe.is_file():
        row = movie_row(movie, file_name, load_json(probe), fps)
    else:
        row = {"movie": movie, "file": file_name, "status": NOT_PROBED}
    made = [
        Path(target).stat().st_mtime_ns for target in targets if Path(target).exists()
    ]
    newest = max(made) if made and len(made) == len(targets) else None
    reasons = failure_reasons(Path(results, movie), file_name, newest)
    if reasons:
        row["status"] = "; ".join(reasons)
    return row


def page_is_current(collection):
    """Whether the folder map's page (a path, or ``None``) exists and was made
    after the frames it shows were joined (``collection/frames.tsv``): a run
    that failed before it may have left an earlier run's page."""
    if not collection or not Path(collection).is_file():
        return False
    joined = Path(collection).with_suffix("") / "frames.tsv"
    return joined.is_file() and (
        Path(collection).stat().st_mtime_ns >= joined.stat().st_mtime_ns
    )


def write_outcomes(
    results, movies, settings, targets, assets, run_failed, collection=None, reuse=None
):
    """After a run (Snakemake's ``onsuccess``/``onerror``): ``movies.tsv`` with
    each movie's real outcome, and ``index.html`` listing the failed movies.

    The rules make both only from the probes (``list_movies``) and when every
    movie has its map (``make_index``); this runs in the main Snakemake process
    (never in a job, locally or on a cluster), once all jobs have ended. A file
    is rewritten only when its text changes, so a fully successful run keeps
    what the rules made.

    Parameters
    ----------
    results : path
        The results folder.
    movies : dict
        ``{movie_id: {"file": name, …}}`` (``find_movies``).
    settings : dict
        ``{movie_id: {"fps": frames per second, …}}`` (``config.movie_settings``),
        for the expected frame counts.
    targets : list of path
        Everything a complete run makes (the default target's files); a movie's
        are ``<results>/<id>.*`` and ``<results>/<id>/…``.
    assets : path
        ``make_index``'s ``assets`` input (the viewer's shared files); no index
        is written before they exist.
    run_failed : bool
        Whether a job failed: then ``index.html`` is written whatever it holds,
        since ``make_index`` cannot run while a movie has no map.
    collection : path, optional
        The folder map's page, when the run makes it: the index links to it
        once it is current (:func:`page_is_current`).
    reuse : path, optional
        ``reuse.tsv``, when the run finds reused footage: the index lists it
        (``viewer.index_step``; not while the file does not exist).

    Nothing is written when ``movies.tsv`` does not exist yet (a run that did not
    ask for it).
    """
    by_movie = {}
    for target in targets:
        first = Path(target).relative_to(results).parts[0]
        by_movie.setdefault(first.split(".")[0], []).append(target)
    rows = [
        outcome_row(
            results,
            movie,
            info["file"],
            settings[movie]["fps"],
            by_movie.get(movie, []),
        )
        for movie, info in movies.items()
    ]
    movies_tsv = Path(results, "movies.tsv")
    if not movies_tsv.is_file():
        # list_movies has not run (a run for other targets): nothing to correct,
        # and no rule's output is made outside its rule.
        return
    text = movies_table(rows)
    changed = movies_tsv.read_bytes() != text.encode()
    if changed:
        save_text(movies_tsv, text)
    if (changed or run_failed) and Path(assets).is_dir():
        # Imported here: planning a run never loads Bokeh's side of the viewer.
        from framescape.viewer import index_step

        index_step(
            movies_tsv=movies_tsv,
            json_paths=[Path(results, f"{movie}.json") for movie in movies],
            probe_paths=[Path(results, movie, "probe.json") for movie in movies],
            assets=assets,
            output=Path(results, "index.html"),
            movies=list(movies),
            collection=collection if page_is_current(collection) else None,
            reuse=reuse,
        )
    failed = [row for row in rows if row["status"] != "ok"]
    if failed:
        print(
            f"framescape: {len(failed)} of {len(rows)} movies failed; "
            f"{movies_tsv} and {Path(results, 'index.html')} give the reasons",
            file=sys.stderr,
        )
