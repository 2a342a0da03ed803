"""Movies in the input folder: safe movie ids, the local link, and ``movies.tsv``.

A user's file name never reaches a wildcard, a path or a shell. Each movie gets a
safe id (docs/inputs.md, "Movie names"); only :func:`link_movie` touches the raw
path. Names are written as :func:`display_name` shows them."""


import hashlib
import os
import re
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
    "folder_status.js",
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


def display_name(file_name):
    """A file name (or path) as it is written in logs, tables and pages: the
    bytes that are not UTF-8 each replaced by U+FFFD.

    Python gives such bytes of a name as lone surrogates, which no UTF-8 file
    can hold; the name on disk keeps them (``find_movies``' ``path``).

    >>> display_name(os.fsdecode(b"caf\\xe9.mp4"))
    'caf\ufffd.mp4'
    """
    return file_name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


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
    """First ``digits`` hex digits of the SHA-1 of the full file name: of its
    bytes on disk (UTF-8, or what else they are), so that two names shown alike
    by :func:`display_name` get two hashes."""
    encoded = file_name.encode("utf-8", "surrogateescape")
    return hashlib.sha1(encoded).hexdigest()[:digits]


def movie_ids(file_names):
    """Map each file name to its safe, unique movie id.

    The id is made from the name as :func:`display_name` shows it. Names whose
    id would be empty, longer than :data:`MAX_ID_LENGTH` (cut to that
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
    bases = {name: base_id(display_name(name)) for name in file_names}
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
        "stamp": "size:mtime_ns"}}``, sorted by id; ``file`` as
        :func:`display_name` shows it (what every log, table and page gives),
        ``path`` the file's own. A symbolic link counts as the file it points to
        (see :func:`broken_links` for those that point nowhere).
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
            "file": display_name(name),
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
    they cannot be read, so the workflow names and skips them (both as
    :func:`display_name` shows them)."""
    return {
        display_name(entry.name): display_name(os.readlink(entry.path))
        for entry in movie_entries(folder, extensions, broken=True)
    }


def link_movie(movie_path, link_path, log_file=None):
    """Point ``link_path`` at the user's movie (absolute symlink, atomic).

    Runs inside Snakemake's own process (a local rule), so it writes its one line
    of log directly rather than through :mod:`logging`.
    """
    target = os.path.abspath(movie_path)
    if not os.path.isfile(target):
        raise FramescapeError(f"{display_name(movie_path)}: movie file not found")
    with atomic_path(link_path) as tmp:
        os.unlink(tmp)
        os.symlink(target, tmp)
    if log_file:
        save_text(log_file, f"{link_path} -> {display_name(target)}\n")


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
    """One ``movies.tsv`` row from a movie's probe (see
    ``frames.probe.probe_movie``)."""
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


def write_movies_tsv(output, movies, files, probes, fps, failed=None):
    """Rule ``list_movies``: ``movies.tsv`` from every movie's probe.

    ``probes`` are those of the movies not in ``failed`` (``{movie: reason}``,
    the movies whose frames could not be made when the run was planned), in
    the order of ``movies``: a movie whose probe keeps failing (a file that
    hangs ffprobe until its time runs out) does not keep the table, and the
    pages that read it, from being made; its row gives the reason.
    """
    failed = failed or {}
    probes = iter(probes)
    rows = []
    for movie, file_name, rate in zip(movies, files, fps):
        if movie in failed:
            rows.append({"movie": movie, "file": file_name, "status": failed[movie]})
        else:
            rows.append(movie_row(movie, file_name, load_json(next(probes)), rate))
    save_text(output, movies_table(rows))
