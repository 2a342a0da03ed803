"""Safe movie ids, movie discovery, the local link and movies.tsv."""

import hashlib
import os

import pytest

from conftest import HOSTILE_NAME
from framescape.common import FramescapeError
from framescape.movies import (
    MAX_ID_LENGTH,
    base_id,
    broken_links,
    find_movies,
    link_movie,
    movie_ids,
    movies_table,
)


def sha8(name):
    return hashlib.sha1(name.encode()).hexdigest()[:8]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("bikes.mp4", "bikes"),
        ("a.b.c.mp4", "a.b.c"),
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


def test_movies_table_keeps_names_as_they_are():
    text = movies_table(
        [
            {"movie": "m", "file": HOSTILE_NAME, "status": "ok", "frames": 3},
            {"movie": "t", "file": "tab\there.mp4", "status": "empty file (0 bytes)"},
        ]
    )
    lines = text.splitlines()
    assert lines[0].split("\t")[:3] == ["movie", "file", "status"]
    assert lines[1].split("\t")[:4] == ["m", HOSTILE_NAME, "ok", "3"]
    assert lines[2].split("\t")[1] == "tab\\there.mp4"
