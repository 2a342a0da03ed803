"""Safe movie ids, movie discovery, the local link, movies.tsv and each movie's
outcome after a run."""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys

import imageio.v3 as iio
import numpy as np
import pytest

from framescape.common import (
    FramescapeError,
    atomic_path,
    load_tsv,
    run_step,
    save_npy,
    save_tsv,
)
from framescape.pages.index import outcomes_index
from framescape.run import movies as movies_module
from framescape.run.movies import (
    MAX_ID_LENGTH,
    base_id,
    broken_links,
    display_name,
    find_movies,
    link_movie,
    movie_ids,
    movies_table,
    read_movies_tsv,
)
from framescape.run.outcomes import index_due, write_outcomes
from framescape.testing import (
    DOTTED,
    FOLDER_NAMED,
    HOSTILE_NAME,
    LATIN1_ID,
    LATIN1_NAME,
    LATIN1_SHOWN,
    temporary_file,
)

FOLDER_ENTRIES = {
    "index.html",
    "movies.tsv",
    "collection.json",
    "collection.html",
    "reuse.tsv",
    "logs",
    "benchmarks",
    "_viewer",
}


def sha8(name):
    return hashlib.sha1(name.encode()).hexdigest()[:8]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("bikes.mp4", "bikes"),
        ("a.b.c.mp4", "a_b_c"),
        ("a.json.mp4", "a_json"),
        ("ünï.mov", "uni"),
        ("Crème brûlée (1999).mkv", "Creme_brulee_1999"),
        (HOSTILE_NAME, "it_s_a_movie_touch_PWNED"),
        ("--rm -rf.mp4", "rm_-rf"),
        ("...hidden_.mp4", "hidden"),
        ("ﬁle①.mp4", "file1"),  # NFKD folds ligatures and circled digits
    ],
)
def test_base_id(name, expected):
    assert base_id(name) == expected


def test_empty_and_colliding_ids_get_the_name_hash():
    names = ["日本語.mp4", "a b.mp4", "a;b.mp4", "a b.mov", "solo.mp4"]
    ids = movie_ids(names)
    assert ids["日本語.mp4"] == "-" + sha8("日本語.mp4")
    assert ids["a b.mp4"] == "a_b-" + sha8("a b.mp4")
    assert ids["a;b.mp4"] == "a_b-" + sha8("a;b.mp4")
    assert ids["a b.mov"] == "a_b-" + sha8("a b.mov")
    assert ids["solo.mp4"] == "solo"
    assert len(set(ids.values())) == len(names)


def movie_outputs(movie):
    """What the workflow makes of one movie in the results folder (docs/outputs.md)."""
    return [f"{movie}.json", f"{movie}.html", f"{movie}/"]


def test_dotted_and_folder_like_names_cannot_collide():
    names = DOTTED + FOLDER_NAMED
    ids = movie_ids(names)
    outputs = [path for movie in ids.values() for path in movie_outputs(movie)]
    folded = [path.rstrip("/").casefold() for path in outputs]
    # Distinct without case also means no movie's folder is another's file.
    assert len(set(folded)) == len(folded), ids
    assert not set(folded) & {entry.casefold() for entry in FOLDER_ENTRIES}
    assert ids["a.json.mp4"] == "a_json" and ids["intro.html.mp4"] == "intro_html"
    assert ids["index.mp4"] == "index-" + sha8("index.mp4")
    assert ids["INDEX.mov"] == "INDEX-" + sha8("INDEX.mov")
    assert ids["logs.mp4"] == "logs-" + sha8("logs.mp4")


def test_a_name_like_another_ones_hashed_id_is_hashed_too():
    clash = f"a_b-{sha8('a b.mp4')}.mp4"
    ids = movie_ids(["a b.mp4", "a_b.mp4", clash])
    assert ids["a b.mp4"] == "a_b-" + sha8("a b.mp4")
    assert ids[clash] == f"a_b-{sha8('a b.mp4')}-{sha8(clash)}"
    assert len(set(ids.values())) == 3


def test_ids_whose_short_hashes_meet_get_the_whole_hash(monkeypatch):
    real = movies_module.name_hash

    def short_hashes_alike(name, digits=8):
        return "0" * 8 if digits == 8 else real(name, digits)

    monkeypatch.setattr(movies_module, "name_hash", short_hashes_alike)
    full = hashlib.sha1(b"a b.mp4").hexdigest()
    ids = movie_ids(["a b.mp4", "a_b.mp4", "solo.mp4"])
    assert ids["a b.mp4"] == "a_b-" + full
    assert ids["a_b.mp4"] == "a_b-" + hashlib.sha1(b"a_b.mp4").hexdigest()
    assert ids["solo.mp4"] == "solo"
    monkeypatch.setattr(movies_module, "name_hash", lambda name, digits=8: "0")
    with pytest.raises(FramescapeError, match="rename one"):
        movie_ids(["a b.mp4", "a_b.mp4"])


def test_long_names_are_cut_and_hashed():
    name = "x" * 250 + ".mp4"
    assert movie_ids([name, "short.mp4"]) == {
        name: "x" * MAX_ID_LENGTH + "-" + sha8(name),
        "short.mp4": "short",
    }


def test_links_count_as_their_target_and_broken_ones_are_named(tmp_path):
    (tmp_path / "real.mp4").write_bytes(b"x")
    (tmp_path / "linked.mp4").symlink_to("real.mp4")
    (tmp_path / "dangling.mp4").symlink_to("gone.mp4")
    assert sorted(find_movies(tmp_path, ["mp4"])) == ["linked", "real"]
    assert broken_links(tmp_path, ["mp4"]) == {"dangling.mp4": "gone.mp4"}


def test_find_movies_filters_by_extension(tmp_path):
    for name in ["one.MP4", "two.mov", "notes.txt", ".hidden.mp4", "noext"]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "folder.mp4").mkdir()
    movies = find_movies(tmp_path, ["mp4", "mov"])
    assert sorted(movies) == ["one", "two"]
    assert movies["one"]["ext"] == "mp4"
    assert movies["one"]["file"] == "one.MP4"
    assert movies["one"]["stamp"].startswith("1:")


def test_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(FramescapeError, match="does not exist"):
        find_movies(tmp_path / "nope", ["mp4"])


def test_link_movie_points_at_the_file(tmp_path):
    movie = tmp_path / HOSTILE_NAME
    movie.write_bytes(b"data")
    link = tmp_path / "results" / "m" / "source.mp4"
    link_movie(movie, link)
    assert os.readlink(link) == str(movie)
    link_movie(movie, link)  # again: replaced, not an error
    assert link.read_bytes() == b"data"
    assert sorted(os.listdir(link.parent)) == ["source.mp4"]


@pytest.mark.parametrize(
    "on_disk, shown",
    [
        (b"caf\xe9.mp4", LATIN1_SHOWN),  # Latin-1
        (b"\xff\xfe.mp4", "\ufffd\ufffd.mp4"),  # each byte its own U+FFFD
        (b"cut \xe2\x82.mp4", "cut \ufffd.mp4"),  # a UTF-8 sequence cut short
        ("Crème ünï 映画.mp4".encode(), "Crème ünï 映画.mp4"),  # UTF-8: as it is
        (b"tab\there\nnew line.mp4", "tab\there\nnew line.mp4"),
    ],
)
def test_display_name_replaces_only_the_bytes_that_are_not_utf8(on_disk, shown):
    name = os.fsdecode(on_disk)
    assert display_name(name) == shown


def test_a_name_that_is_not_utf8_is_shown_and_linked_as_it_is(tmp_path):
    """The id and every written name from the shown name; the id's hash and the
    link from the bytes on disk, so two names shown alike stay two movies."""
    folder = tmp_path / "movies"
    folder.mkdir()
    for name in (b"caf\xe9.mp4", b"caf\xe8.mp4", b"solo \xe9.mp4", b"gone.mp4"):
        (folder / os.fsdecode(name)).write_bytes(name)
    os.symlink(os.fsdecode(b"nowhere \xe9.mp4"), folder / os.fsdecode(b"\xe9.mp4"))
    movies = find_movies(folder, ["mp4"])
    latin1, other = (os.fsdecode(name) for name in (b"caf\xe9.mp4", b"caf\xe8.mp4"))
    hashes = [
        hashlib.sha1(name).hexdigest()[:8] for name in (b"caf\xe9.mp4", b"caf\xe8.mp4")
    ]
    assert sorted(movies) == sorted(
        [*(f"{LATIN1_ID}-{digits}" for digits in hashes), "gone", "solo"]
    )
    assert movie_ids([LATIN1_NAME]) == {LATIN1_NAME: LATIN1_ID}
    shown = {info["file"] for info in movies.values()}
    assert shown == {LATIN1_SHOWN, "solo \ufffd.mp4", "gone.mp4"}
    assert {os.fsencode(info["path"]) for info in movies.values()} >= {
        os.fsencode(folder / latin1),
        os.fsencode(folder / other),
    }
    assert broken_links(folder, ["mp4"]) == {"\ufffd.mp4": "nowhere \ufffd.mp4"}

    movie = next(info for info in movies.values() if info["path"].endswith(latin1))
    link, log = tmp_path / "results" / "source.mp4", tmp_path / "results" / "link.log"
    link_movie(movie["path"], link, log)
    assert os.readlink(os.fsencode(link)) == os.fsencode(folder) + b"/caf\xe9.mp4"
    assert link.read_bytes() == b"caf\xe9.mp4"
    assert log.read_bytes().decode("utf-8") == f"{link} -> {folder}/{LATIN1_SHOWN}\n"
    (folder / latin1).unlink()
    with pytest.raises(FramescapeError, match=f"{LATIN1_SHOWN}: movie file not found"):
        link_movie(movie["path"], link, log)


ODD_NAMES = [
    HOSTILE_NAME,
    "tab\there.mp4",
    'quote " inside.mp4',
    '"quoted".mp4',
    "new\nline.mp4",
    "carriage\rreturn.mp4",
    "both\r\n.mp4",
    "back\\slash\\t.mp4",
    " spaces .mp4",
]


def test_movies_table_round_trips_every_name(tmp_path):
    rows = [
        {"movie": f"m{index}", "file": name, "status": "ok", "frames": index}
        for index, name in enumerate(["plain name.mp4", *ODD_NAMES])
    ]
    rows.append({"movie": "bad", "file": "x.mp4", "status": 'not a movie ("x")'})
    path = tmp_path / "movies.tsv"
    path.write_bytes(movies_table(rows).encode())
    back = read_movies_tsv(path)
    assert [row["file"] for row in back] == [row["file"] for row in rows]
    assert [row["status"] for row in back] == [row["status"] for row in rows]
    assert back[3]["frames"] == "3" and back[-1]["frames"] == ""
    # A plain name stays plain text: the usual tools read the usual rows.
    assert path.read_text().splitlines()[1].split("\t")[:4] == [
        "m0",
        "plain name.mp4",
        "ok",
        "0",
    ]


def test_frames_tables_share_the_dialect(tmp_path):
    rows = [[0, "0.000000", name] for name in ODD_NAMES]
    save_tsv(tmp_path / "t.tsv", ["frame", "time", "file"], rows)
    assert [row["file"] for row in load_tsv(tmp_path / "t.tsv")] == ODD_NAMES


PROBE_OK = {"error": None, "duration": 3.0, "width": 64, "height": 48, "fps": 10.0}


def fake_movie(results, movie, probe, targets=(), reason=None):
    """A movie's files in a results folder as a run leaves them."""
    folder = results / movie
    (folder / "logs").mkdir(parents=True)
    (folder / "probe.json").write_text(json.dumps(probe))
    picture = f"{movie}/frames/000001.png"
    (results / picture).parent.mkdir(parents=True)
    iio.imwrite(results / picture, np.zeros((6, 8, 3), np.uint8))
    for target in targets:
        path = results / target.format(movie=movie)
        path.parent.mkdir(parents=True, exist_ok=True)
        items = [{"src": picture, "frame": 0, "time": 0.0}]
        path.write_text(json.dumps(items) if path.suffix == ".json" else "x")
    if reason:
        (folder / "logs" / "extract_frames.error").write_text(reason)


TARGETS = ["{movie}.json", "{movie}.html", "{movie}/plots/maps.png"]


def listed(results, names):
    """``movies.tsv`` as list_movies writes it: every status from the probe."""
    rows = [
        movies_module.movie_row(
            movie, name, json.loads((results / movie / "probe.json").read_text()), 1
        )
        for name, movie in names.items()
    ]
    (results / "movies.tsv").write_text(movies_table(rows))


def outcome_run(results, names, run_failed):
    movies = {movie: {"file": name} for name, movie in names.items()}
    targets = [str(results / t.format(movie=m)) for m in movies for t in TARGETS]
    outcomes = write_outcomes(
        str(results),
        movies,
        {movie: {"fps": 1} for movie in movies},
        [str(results / "movies.tsv"), *targets],
    )
    # As the Snakefile's onsuccess and onerror (common.smk, record_outcomes).
    if index_due(outcomes, run_failed, str(results / "_viewer")):
        outcomes_index(str(results), movies, str(results / "_viewer"))
    return {row["file"]: row for row in read_movies_tsv(results / "movies.tsv")}


def test_outcomes_give_each_movie_its_last_steps_reason(tmp_path):
    results = tmp_path / "results"
    (results / "_viewer").mkdir(parents=True)
    fake_movie(results, "good", PROBE_OK, TARGETS)
    fake_movie(
        results,
        "short",
        PROBE_OK,
        reason="too <short>.mp4: decodes to zero frames at fps=1 (raise fps)",
    )
    fake_movie(
        results,
        "empty",
        {"error": "empty file (0 bytes)"},
        reason="empty.mp4: empty file (0 bytes)",
    )
    names = {"good.mp4": "good", "too <short>.mp4": "short", "empty.mp4": "empty"}
    listed(results, names)
    rows = outcome_run(results, names, run_failed=True)
    assert rows["good.mp4"]["status"] == "ok"
    assert rows["good.mp4"]["frames"] == "3"
    assert (
        rows["too <short>.mp4"]["status"]
        == "decodes to zero frames at fps=1 (raise fps)"
    )
    assert rows["too <short>.mp4"]["duration"] == "3.0"
    assert rows["empty.mp4"]["status"] == "empty file (0 bytes)"
    index = (results / "index.html").read_text()
    assert "too &lt;short&gt;.mp4" in index
    assert "decodes to zero frames at fps=1 (raise fps)" in index
    assert "empty file (0 bytes)" in index


def test_a_reason_older_than_all_remade_outputs_is_stale(tmp_path):
    """A job that failed before its movie's outputs were all made again (a metric
    dropped since) no longer counts; one newer than them does (a replaced movie
    file failing, its old map still there)."""
    results = tmp_path / "results"
    (results / "_viewer").mkdir(parents=True)
    fake_movie(results, "old", PROBE_OK, reason="old.mp4: hsl failed")
    fake_movie(results, "new", PROBE_OK, TARGETS)
    error = results / "old" / "logs" / "extract_frames.error"
    os.utime(error, ns=(10**18, 10**18))
    (results / "old.json").write_text((results / "new.json").read_text())
    for target in TARGETS[1:]:
        (results / target.format(movie="old")).parent.mkdir(exist_ok=True)
        (results / target.format(movie="old")).write_text("x")
    (results / "new" / "logs" / "extract_frames.error").write_text("new.mp4: broken")
    for target in TARGETS:
        os.utime(results / target.format(movie="new"), ns=(10**18, 10**18))
    names = {"old.mp4": "old", "new.mp4": "new"}
    listed(results, names)
    rows = outcome_run(results, names, run_failed=True)
    assert rows["old.mp4"]["status"] == "ok"
    assert rows["new.mp4"]["status"] == "broken"


def test_outcomes_leave_a_successful_runs_files_alone(tmp_path):
    results = tmp_path / "results"
    (results / "_viewer").mkdir(parents=True)
    fake_movie(results, "good", PROBE_OK, TARGETS)
    table = movies_table([movies_module.movie_row("good", "good.mp4", PROBE_OK, 1)])
    (results / "movies.tsv").write_text(table)
    os.utime(results / "movies.tsv", ns=(10**18, 10**18))
    outcome_run(results, {"good.mp4": "good"}, run_failed=False)
    assert (results / "movies.tsv").stat().st_mtime_ns == 10**18
    assert not (results / "index.html").exists()
    # A status that changed since list_movies (a movie that failed before and
    # succeeds now): the table and the index are made again.
    (results / "movies.tsv").write_text(table.replace("\tok\t", "\tbroken\t"))
    rows = outcome_run(results, {"good.mp4": "good"}, run_failed=False)
    assert rows["good.mp4"]["status"] == "ok"
    assert (results / "index.html").is_file()


def test_a_failed_movie_with_an_earlier_map_is_listed_as_failed(tmp_path):
    """A replaced movie file that fails keeps the earlier run's JSON while its
    frames are gone: the index lists it with the reason, no link, no picture."""
    results = tmp_path / "results"
    (results / "_viewer").mkdir(parents=True)
    fake_movie(results, "good", PROBE_OK, TARGETS)
    fake_movie(results, "replaced", PROBE_OK, TARGETS)
    shutil.rmtree(results / "replaced" / "frames")
    error = results / "replaced" / "logs" / "extract_frames.error"
    error.write_text("replaced.mp4: truncated or damaged")
    os.utime(error, ns=(10**19, 10**19))
    names = {"good.mp4": "good", "replaced.mp4": "replaced"}
    listed(results, names)
    rows = outcome_run(results, names, run_failed=True)
    assert rows["replaced.mp4"]["status"] == "truncated or damaged"
    index = (results / "index.html").read_text()
    assert 'href="good.html"' in index
    assert 'href="replaced.html"' not in index
    assert "truncated or damaged" in index


def test_a_run_for_other_targets_makes_no_table_or_index(tmp_path):
    """``snakemake results/<id>/probe.json`` never asked for movies.tsv: the
    end of the run makes neither it nor the index."""
    results = tmp_path / "results"
    (results / "_viewer").mkdir(parents=True)
    fake_movie(results, "clip", PROBE_OK)
    movies = {"clip": {"file": "clip.mp4"}}
    outcomes = write_outcomes(
        str(results), movies, {"clip": {"fps": 1}}, [str(results / "movies.tsv")]
    )
    assert outcomes is None
    for run_failed in (False, True):
        assert not index_due(outcomes, run_failed, str(results / "_viewer"))
    assert not (results / "movies.tsv").exists()
    assert not (results / "index.html").exists()


def failing_step(kind):
    if kind == "user":
        raise FramescapeError("clip.mp4: not a movie")
    raise ValueError("a defect")


def test_run_step_records_why_a_job_failed(tmp_path):
    log = tmp_path / "logs" / "extract_frames.log"
    reason = tmp_path / "logs" / "extract_frames.error"

    def check_pessimistic_reason():
        assert reason.read_text().startswith("did not finish (killed?")

    run_step(log, check_pessimistic_reason)
    assert not reason.exists()
    with pytest.raises(SystemExit):
        run_step(log, failing_step, "user")
    assert reason.read_text() == "clip.mp4: not a movie"
    # A user's error: one line in the log, no traceback.
    assert "clip.mp4: not a movie" in log.read_text()
    assert "Traceback" not in log.read_text()
    with pytest.raises(ValueError):
        run_step(log, failing_step, "defect")
    assert reason.read_text() == f"unexpected error (ValueError): see {log}"
    # A defect: its traceback in the log.
    assert "Traceback" in log.read_text() and "ValueError: a defect" in log.read_text()


def test_atomic_path_removes_its_own_temporary_on_failure(tmp_path):
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "x.npy") as tmp:
        tmp.write_text("partial")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_the_table_needs_no_probe_of_a_movie_that_failed(tmp_path):
    """A movie that failed when the run was planned (its probe may never come:
    a file that hangs ffprobe) gets its reason; the others their probes."""
    probe = tmp_path / "b.json"
    probe.write_text(
        json.dumps(
            {"error": None, "duration": 3.0, "width": 64, "height": 48, "fps": 25.0}
        )
    )
    output = tmp_path / "movies.tsv"
    movies_module.write_movies_tsv(
        output,
        ["a", "b"],
        ["a.mp4", "b.mp4"],
        [probe],
        [1, 2],
        failed={"a": "killed on every try (out of memory or time?)"},
    )
    rows = movies_module.read_movies_tsv(output)
    assert [(row["movie"], row["status"]) for row in rows] == [
        ("a", "killed on every try (out of memory or time?)"),
        ("b", "ok"),
    ]
    assert rows[1]["frames"] == "6"


# A writer of frames.npy that says when its temporary is there, then waits.
WRITER = """
import sys, time
from framescape.common import atomic_path

with atomic_path(sys.argv[1], suffix=".npy") as tmp:
    tmp.write_bytes(b"partial")
    print("writing", flush=True)
    time.sleep(600)
"""


def test_atomic_path_sweeps_what_killed_writers_of_this_host_left(tmp_path):
    """A job killed while it writes (for memory, say, on each try of a long
    movie) leaves its temporary; the next write of that output on this host
    deletes it, so that tries do not pile one on another within a run. A live
    writer's temporary, another host's and another output's are kept."""
    target = tmp_path / "frames.npy"
    killed = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert killed.stdout.readline() == "writing\n"
    finally:
        killed.kill()
        killed.wait()
    (left,) = tmp_path.glob(".frames.npy.*")
    host = socket.gethostname()
    running = subprocess.Popen(["sleep", "60"])
    try:
        kept = [
            temporary_file(tmp_path, "frames.npy", host, running.pid),
            temporary_file(tmp_path, "frames.npy", host, os.getpid()),
            temporary_file(tmp_path, "frames.npy", "node-7", killed.pid),
            temporary_file(tmp_path, "frames.npy.html", host, killed.pid),
        ]
        save_npy(target, np.arange(3))
    finally:
        running.kill()
        running.wait()
    assert np.load(target).tolist() == [0, 1, 2]
    assert not left.exists()
    assert [path for path in kept if not path.exists()] == []
