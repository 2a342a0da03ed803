"""Movie names that once collided, planned by the workflow itself; a name
that is not UTF-8, run through the whole workflow."""

import json
import os
from pathlib import PurePosixPath

import yaml

from framescape.run.movies import movie_ids, read_movies_tsv
from framescape.testing import (
    CONFIG,
    DOTTED,
    FOLDER_NAMED,
    LATIN1_ID,
    LATIN1_NAME,
    LATIN1_SHOWN,
    copy_movie,
    logged_jobs,
    snakemake,
    write_config,
)


def test_dry_run_of_colliding_names_plans_distinct_outputs(tmp_path):
    """The workflow itself: Snakemake plans every movie (no ChildIOException),
    and no planned output lies inside another (a file that is also a folder)."""
    folder = tmp_path / "movies"
    folder.mkdir()
    for name in DOTTED + FOLDER_NAMED:
        (folder / name).write_bytes(b"x")
    write_config(tmp_path)
    # --summary plans the whole run as a dry run does (and fails as it would).
    summary = snakemake(tmp_path, "--summary", timeout=300).stdout.splitlines()
    outputs = [line.split("\t")[0] for line in summary[1:] if line.strip()]
    assert len(outputs) == len(set(outputs))
    ids = movie_ids(DOTTED + FOLDER_NAMED)
    for movie in ids.values():
        assert f"results/{movie}.json" in outputs and f"results/{movie}.html" in outputs
    planned = {PurePosixPath(path) for path in outputs}
    for path in planned:
        assert not planned & set(path.parents), f"{path} is inside another output"


# A file that is no movie, under a Latin-1 name too: its reason and the
# end-of-run lines name it.
BROKEN_NAME = os.fsdecode(b"cass\xe9e.mp4")
BROKEN_SHOWN, BROKEN_ID = "cass\ufffde.mp4", "cass_e"
TEXT_FILES = {".log", ".error", ".tsv", ".html", ".js", ".json", ".txt"}


def test_a_name_that_is_not_utf8_is_processed_under_its_shown_name(tmp_path, bikes):
    """bikes.mp4 as ``caf\\xe9.mp4`` (Latin-1) beside itself and a broken file
    of a Latin-1 name: both movies finish, every name written is the shown name
    (U+FFFD for the byte) in UTF-8, the link points to the real bytes, and the
    end-of-run handler names the broken file. The run after it makes the
    folder map and the reuse listing of the two movies."""
    folder = tmp_path / "movies"
    folder.mkdir()
    copy_movie(bikes, folder, LATIN1_NAME)
    copy_movie(bikes, folder, "bikes.mp4")
    (folder / BROKEN_NAME).write_text("not a movie\n")
    collection = yaml.safe_load(CONFIG.read_text())["collection"]
    write_config(
        tmp_path,
        metrics=["gray"],
        methods=["mds"],
        frame_width=64,
        frame_height=48,
        collection={**collection, "metrics": ["gray"], "methods": ["tsne"]},
    )
    first = snakemake(tmp_path, "--keep-going", check=False)
    output = first.stdout + first.stderr
    assert first.returncode != 0
    reason = "not a movie, or truncated (ffmpeg: moov atom not found)"
    assert f"framescape: error: {BROKEN_SHOWN}: {reason}" in output, output[-3000:]
    # The end-of-run handler's lines, its last one too: it ran to its end.
    assert "framescape: 1 of 3 movies failed" in output, output[-3000:]
    assert "run the same command again" in output, output[-3000:]
    assert "Traceback" not in output and "UnicodeEncodeError" not in output
    second = snakemake(tmp_path, "--keep-going", check=False)
    assert "Traceback" not in second.stdout + second.stderr
    # Snakemake kept the jobs' records (the link's parameter holds the bytes):
    # only the broken file is tried again.
    again = snakemake(tmp_path, "--dry-run", "--keep-going", check=False)
    movies = {job[1] for job in logged_jobs(again.stdout + again.stderr) if job[1]}
    assert {wildcards.split(",")[0] for wildcards in movies} == {f"movie={BROKEN_ID}"}

    results = tmp_path / "results"
    rows = {row["file"]: row for row in read_movies_tsv(results / "movies.tsv")}
    assert sorted(rows) == sorted([LATIN1_SHOWN, "bikes.mp4", BROKEN_SHOWN])
    assert rows[LATIN1_SHOWN]["movie"] == LATIN1_ID
    assert rows[LATIN1_SHOWN]["status"] == rows["bikes.mp4"]["status"] == "ok"
    assert rows[BROKEN_SHOWN]["status"] == reason
    link = os.fsencode(results / LATIN1_ID / "source.mp4")
    assert os.readlink(link) == os.fsencode(folder) + b"/caf\xe9.mp4"
    for movie in (LATIN1_ID, "bikes"):
        assert len(json.loads((results / f"{movie}.json").read_text())) == 10
        assert (results / movie / "plots" / "maps.png").is_file()
    mapped = json.loads((results / "collection.json").read_text())
    assert {item["movie"] for item in mapped} == {LATIN1_ID, "bikes"}
    assert (results / "reuse.tsv").read_text().count(LATIN1_ID) >= 1

    # Every text file the runs wrote is UTF-8: none holds the raw byte 0xe9.
    texts = {
        path.relative_to(results).as_posix(): path.read_bytes().decode("utf-8")
        for path in results.rglob("*")
        if path.suffix in TEXT_FILES and path.is_file() and not path.is_symlink()
    }
    shown = {LATIN1_SHOWN, json.dumps(LATIN1_SHOWN)[1:-1]}
    for name in ("index.html", f"{LATIN1_ID}.html", "collection.html", "reuse.js"):
        assert any(form in texts[name] for form in shown), name
    assert BROKEN_SHOWN in texts["collection.html"]
    assert LATIN1_SHOWN in texts[f"{LATIN1_ID}/logs/probe_movie.log"]
    assert (
        texts[f"{BROKEN_ID}/logs/extract_frames.error"] == f"{BROKEN_SHOWN}: {reason}"
    )
