"""What the run hands its jobs when they share no file system with it."""

import re
import secrets

import pytest

from framescape.common import FramescapeError
from framescape.run import handover
from framescape.run.movies import find_movies, movie_ids
from framescape.testing import DOTTED, FOLDER_NAMED, HOSTILE_NAME, LATIN1_NAME


def folder_of(names):
    """``find_movies``' table of movies of these names, without the files:
    ids as it gives them, paths and stamps as long as real ones."""
    ids = movie_ids(names)
    return {
        ids[name]: {
            "file": name,
            "path": f"/data/some/long/folder/of/movies/{name}",
            "ext": "mp4",
            "stamp": f"1834567890:1764950000{secrets.randbelow(10**9):09d}",
        }
        for name in names
    }


def random_names(count):
    """File names of 30 random letters and digits: nothing for zlib to
    compress but their alphabet (a camera's or a hash's names)."""
    return [f"{secrets.token_urlsafe(23)[:30]}.mp4" for _ in range(count)]


def test_the_handover_carries_every_name_a_folder_can_hold(tmp_path):
    """Every movie as find_movies gave it, in its order (the odd names, one
    not UTF-8), in one word of URL-safe base64; not the files' sizes and
    times, which only the run's own process reads."""
    for name in [HOSTILE_NAME, LATIN1_NAME, *DOTTED, *FOLDER_NAMED]:
        (tmp_path / name).write_bytes(b"movie")
    movies = find_movies(tmp_path, ["mp4", "mov"])
    text = handover.pack(movies, 16 * 1024**3)
    assert re.fullmatch(r"[A-Za-z0-9_=-]+", text)
    handed, memory = handover.unpack(text)
    assert memory == 16 * 1024**3
    assert list(handed) == list(movies)
    assert handed == {
        movie: {key: info[key] for key in ("file", "path", "ext")}
        for movie, info in movies.items()
    }


def test_a_thousand_incompressible_names_fit_and_ten_thousand_stop_the_run():
    """Names zlib cannot shrink take about 46 characters a movie packed: a
    thousand fit with room to spare; past the limit the run stops with the
    count and what to do, before any process gets a variable too long to
    start (E2BIG)."""
    thousand = handover.pack(folder_of(random_names(1000)), 0)
    assert len(thousand) < handover.LIMIT / 2
    with pytest.raises(FramescapeError, match=r"10000 movies are too many .* parts"):
        handover.pack(folder_of(random_names(10_000)), 0)


@pytest.mark.parametrize(
    "text",
    ["", "not base64!", "aGVsbG8=", handover.pack({}, 0)[:-4], "eJyrVgIAAHwAfA=="],
)
def test_a_damaged_handover_is_one_clear_error(text):
    """Empty, not base64, not zlib, cut short, or JSON of another shape ({})."""
    with pytest.raises(FramescapeError, match=f"{handover.VARIABLE} .* unset it"):
        handover.unpack(text)

