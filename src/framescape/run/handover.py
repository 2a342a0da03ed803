"""What the run's own process hands its jobs when they run without a shared
file system (``--shared-fs-usage none``, as the cloud executors run them).

Such a job runs in an empty folder on a node of its own: it has the workflow's
files and its declared inputs, fetched from the storage, and nothing else. It
cannot see the movies folder, yet it reads the Snakefile again, which needs the
movies (their ids, names and extensions) and the memory the run plans with, to
plan exactly as the run did. So the run puts what it found into one environment
variable that Snakemake passes on to every job (its ``envvars``); a job takes it
from there instead of looking again.

Only what a job's plan and steps need travels: each movie's id, name,
extension and path (the exports name the movie's file: ``shot_exports``), not
its size and time, which only the run's own process reads (``link_movie``, a
local rule). The variable is readable wherever the executor keeps it (a
Kubernetes Secret, the pods' environment, a job's command line).

No step imports this module, so changing it reruns nothing (it is in no
step-code digest).
"""

import base64
import binascii
import json
import zlib

from framescape.common import FramescapeError

# The variable Snakemake passes to every job (workflow/rules/common.smk).
VARIABLE = "FRAMESCAPE_HANDOVER"
# Characters the packed text may take. Linux takes at most 128 KiB for one
# environment string (MAX_ARG_STRLEN), and some executors also write the
# variable into the job's own command line, itself one such string: a quarter
# is left for the rest of it. Past this every process the run starts would fail
# (E2BIG), so the run refuses before any job starts. Names zlib cannot shrink
# (30 random characters) take about 46 characters a movie packed, path
# included: about 2,100 movies (tests/unit/test_handover.py).
LIMIT = 96 * 1024
# What a job reads of each movie (run.movies.find_movies).
KEPT = ("file", "path", "ext")


def pack(movies, memory_bytes):
    """The text of :data:`VARIABLE`: ``movies`` (``run.movies.find_movies``;
    only :data:`KEPT` of each) and the bytes the run plans a movie's path
    with (0: each job's own machine decides).

    Compressed JSON in URL-safe base64: a shell word without quotes. File names
    that are not UTF-8 (lone surrogates) travel as JSON escapes. A
    FramescapeError when it would take more than :data:`LIMIT` characters.
    """
    kept = {movie: {key: info[key] for key in KEPT} for movie, info in movies.items()}
    text = json.dumps({"movies": kept, "memory_bytes": memory_bytes})
    packed = base64.urlsafe_b64encode(zlib.compress(text.encode("ascii"), 9)).decode()
    if len(packed) > LIMIT:
        raise FramescapeError(
            f"{len(movies)} movies are too many to hand to jobs without a shared "
            f"file system: their names take {len(packed):,} characters packed, "
            f"more than the {LIMIT:,} one environment variable may safely hold; "
            "run the folder in parts (a movies folder and a "
            "default-storage-prefix each), or give the files shorter names"
        )
    return packed


def unpack(text):
    """``(movies, memory_bytes)`` from :func:`pack`'s text; a FramescapeError
    when ``text`` is not such a text (damaged, or set by hand)."""
    try:
        handed = json.loads(zlib.decompress(base64.urlsafe_b64decode(text)))
        movies, memory = handed["movies"], handed["memory_bytes"]
        intact = isinstance(memory, int) and all(
            isinstance(info.get(key), str) for info in movies.values() for key in KEPT
        )
    except (binascii.Error, zlib.error, ValueError, TypeError, KeyError, AttributeError):
        intact = False
    if not intact:
        raise FramescapeError(
            f"{VARIABLE} in this job's environment is not what the run hands its "
            "jobs: unset it (it is set by Snakemake's own process, never by hand)"
        )
    return movies, memory
