"""The shot detector on a small edited movie of real footage whose every
transition is known (framescape.testing.edits), and on the edge cases: one
frame, a still picture, windows of frames."""

import numpy as np
import pytest

from framescape.common import FramescapeError
from framescape.shots import decode, detect
from framescape.shots.decode import decode_features
from framescape.shots.features import FEATURE_FILES, FrameFeatures, load_features
from framescape.shots.find import shots_of
from framescape.testing import ffmpeg, make_movie, real_movie
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


# A wide shot, another place of the same street, a close-up inside the wide
# shot further on in time; a wide shot of another place, then a cut in to a
# closer framing aside.
FRAMINGS = Movie(
    "framings",
    "close-ups of a wide shot join its group; another shot of its street does not",
    (
        Piece("bikes-2", 30, 0, still()),
        CUT,
        Piece("bikes-4", 30, 0, still()),
        CUT,
        Piece("bikes-2", 30, 30, still(0.3, 0.5, 1.6)),
        CUT,
        Piece("bunny", 30, 0, still()),
        CUT,
        Piece("bunny", 30, 30, still(0.3, 0.6, 1.6)),
    ),
)


def test_closer_framings_share_a_group(tmp_path):
    ((path, truth),) = build_set([FRAMINGS], tmp_path, size=(320, 180))
    decode_features(path, tmp_path / "features")
    shots = shots_of(load_features(tmp_path / "features"))
    assert [shot.first_frame for shot in shots] == [
        shot.first_frame for shot in truth.shots
    ]
    assert [shot.group for shot in shots] == [1, 2, 1, 3, 3]


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


def test_a_variable_frame_rate_movie_counts_its_frames_as_decoded(tmp_path):
    """2 s of bikes.mp4 at 25 fps (its own cut at 1.2 s), then 2 s of
    bigbuckbunny.mp4 at 12 fps in one file keeping each frame's time: the cut
    between them at the 51st frame, at 2 s."""
    movie = tmp_path / "vfr.mp4"
    ffmpeg(
        *("-i", str(real_movie("bikes.mp4")), "-i", str(real_movie("bigbuckbunny.mp4"))),
        "-filter_complex",
        "[0:v]trim=0:2,fps=25,scale=320:180,setsar=1[a];"
        "[1:v]trim=0:2,setpts=PTS-STARTPTS,fps=12,scale=320:180,setsar=1[b];"
        "[a][b]concat=n=2:v=1:a=0[v]",
        *("-map", "[v]", "-fps_mode", "passthrough", "-pix_fmt", "yuv420p"),
        str(movie),
    )
    frames = decode_features(movie, tmp_path / "features")
    features = load_features(tmp_path / "features")
    assert frames == 50 + 24
    assert np.diff(features.times).max() > 1.5 * np.diff(features.times).min()
    shots = shots_of(features)
    assert [(shot.transition, shot.first_frame) for shot in shots[1:]] == [
        ("cut", 30),
        ("cut", 50),
    ]
    assert [shot.start for shot in shots[1:]] == pytest.approx([1.2, 2.0], abs=0.01)
    assert shots[-1].end == pytest.approx(2.0 + 24 / 12, abs=0.01)


@pytest.mark.parametrize("offset", [0, 10])
def test_a_movie_decoded_in_parts_is_the_movie_decoded_whole(
    tmp_path, monkeypatch, offset
):
    """bikes.mp4 (10 s) in two parts at once, against one decode; also with its
    timestamps starting 10 s in (as MPEG-TS and camera files have them)."""
    movie = tmp_path / "movie.mp4"
    ffmpeg(
        "-i",
        str(real_movie("bikes.mp4")),
        "-c",
        "copy",
        "-output_ts_offset",
        str(offset),
        str(movie),
    )
    whole = decode_features(movie, tmp_path / "whole", threads=1, duration=10.0)
    monkeypatch.setattr(decode, "MIN_PART_SECONDS", 3)
    assert len(decode.part_bounds(10.0, 2)) == 2
    parts = decode_features(movie, tmp_path / "parts", threads=2, duration=10.0)
    assert whole == parts == 250
    one, two = load_features(tmp_path / "whole"), load_features(tmp_path / "parts")
    assert one.times[0] == pytest.approx(0.0, abs=0.05)
    for name in FEATURE_FILES:
        assert np.array_equal(getattr(one, name), getattr(two, name)), name


@pytest.mark.parametrize("rate", [10, 25])
def test_movies_shorter_than_any_span_are_found_too(rate):
    """Every length from 2 frames to 3 s: no span of the gradual search is
    longer than the movie."""
    rng = np.random.default_rng(0)
    for frames in range(2, 3 * rate):
        thumbs = np.repeat(rng.integers(0, 255, (1, 9, 16, 3), np.uint8), frames, 0)
        thumbs[frames // 2 :] = 255 - thumbs[frames // 2 :]
        histograms = np.zeros((frames, 64), np.uint16)
        histograms[:, 0] = 2304
        grays = np.repeat(thumbs[..., 0], 2, 1).repeat(2, 2)
        features = FrameFeatures(
            thumbs, grays, histograms, thumbs[:, 0, 0], np.arange(frames) / rate
        )
        shots = shots_of(features, rate)
        assert [shot.first_frame for shot in shots] == [0, frames // 2], frames
