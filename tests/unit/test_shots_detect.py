"""The shot detector on a small edited movie of real footage whose every
transition is known (framescape.testing.edits), and on the edge cases: one
frame, a still picture, windows of frames."""

import numpy as np
import pytest

from framescape.common import FramescapeError
from framescape.shots import detect
from framescape.shots.decode import decode_features
from framescape.shots.features import load_features
from framescape.shots.shots import shots_of
from framescape.testing import make_movie
from framescape.testing.edits import (
    CUT,
    Flash,
    Movie,
    Occlusion,
    Piece,
    build_set,
    dissolve,
    fade,
    pan,
    still,
    wipe,
)
from framescape.testing.shot_scoring import found_transitions, score_movie

EDIT = Movie(
    "unit",
    "a cut, a jump cut, a dissolve, a fade, a wipe; a flash and an occlusion",
    (
        Piece("bikes-1", 30, 0, still(), (Flash(10, 2),)),
        CUT,
        Piece("china", 30, 0, pan(30, (0.2, 0.5, 1.5), (0.4, 0.5, 1.5))),
        dissolve(15),
        Piece("bunny", 60, 0, still(), (Occlusion(20, 8),)),
        fade(16),
        Piece("carphone", 25, 0, still()),
        CUT,
        Piece("carphone", 25, 60, still()),
        wipe(12, "down"),
        Piece("hopper", 25, 0, still()),
    ),
)


@pytest.fixture(scope="module")
def edit(tmp_path_factory):
    """``(truth, features)`` of EDIT, drawn at 320×180."""
    folder = tmp_path_factory.mktemp("edit")
    ((path, truth),) = build_set([EDIT], folder, size=(320, 180))
    decode_features(path, folder / "features")
    return truth, load_features(folder / "features", mmap_mode=None)


def test_every_transition_and_nothing_else(edit):
    truth, features = edit
    shots = shots_of(features)
    counts = score_movie(truth, found_transitions(shots))
    assert (counts.recall(), counts.precision()) == (1.0, 1.0)
    assert counts.kind_right == counts.matched
    assert sum(counts.alarms.values()) == 0
    cuts = [shot.first_frame for shot in shots if shot.transition == "cut"]
    assert cuts == [t.first_frame for t in truth.transitions if t.kind == "cut"]
    kinds = [shot.transition for shot in shots]
    assert kinds == ["start", "cut", "dissolve", "fade", "cut", "wipe"]


def test_a_jump_cut_keeps_its_group(edit):
    truth, features = edit
    groups = [shot.group for shot in shots_of(features)]
    sources = [shot.source for shot in truth.shots]
    assert sources[3] == sources[4] == "carphone"
    assert groups[3] == groups[4]
    assert len(set(groups)) == 5


def test_windows_of_frames_find_what_one_window_finds(edit, monkeypatch):
    _, features = edit
    whole = detect.find_transitions(features, 25.0)
    monkeypatch.setattr(detect, "WINDOW_FRAMES", 40)
    assert detect.find_transitions(features, 25.0) == whole


@pytest.mark.parametrize(
    ("source", "seconds"), [("color=c=gray", 3.0), ("testsrc2", 0.1)]
)
def test_a_still_or_one_frame_movie_is_one_shot(tmp_path, source, seconds):
    movie = make_movie(tmp_path / "m.mp4", seconds=seconds, rate=10, source=source)
    frames = decode_features(movie, tmp_path / "features")
    (shot,) = shots_of(load_features(tmp_path / "features"), nominal_rate=10)
    assert (shot.first_frame, shot.last_frame, shot.transition) == (
        0,
        frames - 1,
        "start",
    )
    assert shot.end == pytest.approx(frames / 10)


def test_no_frame_is_one_line(tmp_path):
    movie = tmp_path / "empty.mp4"
    movie.write_bytes(b"\0" * 1000)
    with pytest.raises(FramescapeError, match=r"^empty\.mp4: not a movie"):
        decode_features(movie, tmp_path / "features")
    assert not list((tmp_path / "features").glob("*.npy"))


def test_steps_count_from_the_first_frame():
    band = np.array([[0.1, 0.2], [0.3, np.nan], [np.nan, np.nan]], np.float32)
    assert detect.steps(band).tolist() == pytest.approx([0.0, 0.1, 0.3])
