"""Edited movies with known shots (framescape.testing.edits): what the truth
says against the frames drawn, encoded and re-encoded at another frame rate."""

import numpy as np
import pytest

from framescape.frames.decode import MovieDecoder
from framescape.testing import edits
from framescape.testing.shot_scoring import Event, Transition, TrueShot

SIZE = (96, 54)
MOVIE = edits.Movie(
    "small",
    "every join and event once",
    (
        edits.Piece("bunny", 12, 0, edits.still(), (edits.Flash(3, 2),)),
        edits.CUT,
        edits.Piece("hopper", 14, 0, edits.still(0.5, 0.2, 1.2)),
        edits.dissolve(4),
        edits.Piece("bikes-3", 18, 0, edits.still(), (edits.Occlusion(6, 5),)),
        edits.fade(6, (255, 255, 255)),
        edits.Piece("china", 14, 0, edits.pan(14, (0, 0.5, 2.0), (1, 0.5, 2.0))),
        edits.wipe(4, "right"),
        edits.Piece("carphone", 10, 20, edits.still(0.5, 0.3)),
    ),
)


def mean_difference(a, b):
    return float(np.abs(np.asarray(a, float) - np.asarray(b, float)).mean())


def test_layout_tiles_the_movie_with_its_transitions_and_events():
    truth = edits.layout(MOVIE, SIZE)
    assert truth.frames == 12 + 14 + 18 + 14 + 10 - 4 - 6 - 4
    assert truth.transitions == (
        Transition("cut", 12, 12),
        Transition("dissolve", 22, 26),
        Transition("fade", 34, 40),
        Transition("wipe", 44, 48),
    )
    assert [shot.source for shot in truth.shots] == [
        "bunny",
        "hopper",
        "bikes-3",
        "china",
        "carphone",
    ]
    assert truth.shots[1] == TrueShot(12, 21, "hopper")
    assert truth.shots[2] == TrueShot(26, 33, "bikes-3")
    assert truth.shots[-1] == TrueShot(48, 53, "carphone")
    # The pan crosses china.jpg's free width (320 px at zoom 2, as wide as
    # the window) in 13 steps: fast motion from its second frame on.
    assert truth.events == (
        Event("flash", 3, 4),
        Event("occlusion", 28, 32),
        Event("motion", 35, 47),
    )


def test_frames_mix_only_between_the_truths_shots():
    truth = edits.layout(MOVIE, SIZE)
    frames = list(edits.movie_frames(MOVIE, SIZE))
    assert len(frames) == truth.frames
    pictures = [edits.piece_pictures(piece, SIZE) for piece in MOVIE.pieces]
    for shot, own, join in zip(truth.shots, pictures, MOVIE.joins):
        alone = own[join.frames : join.frames + shot.last_frame - shot.first_frame + 1]
        drawn = frames[shot.first_frame : shot.last_frame + 1]
        assert mean_difference(drawn, np.rint(alone)) < 0.5
    fade = truth.transitions[2]
    middle = frames[(fade.first_mixed + fade.first_frame) // 2]
    assert middle.min() > 200  # through white
    wipe = frames[truth.transitions[3].first_mixed + 1]  # 2/5 of the width new
    new, old = pictures[4][1], pictures[3][-3]
    assert mean_difference(wipe[:, :30], new[:, :30]) < 0.5
    assert mean_difference(wipe[:, 50:], old[:, 50:]) < 0.5
    flash, before = frames[3], frames[2]
    assert flash.mean() > before.mean() + 60


def test_a_piece_stays_inside_its_source_shot():
    movie = edits.Movie("long", "", (edits.Piece("bikes-5", 9),))
    with pytest.raises(ValueError, match="past the end of its source shot"):
        edits.layout(movie, SIZE)
    movie = edits.Movie(
        "mixed",
        "",
        (edits.Piece("china", 4), edits.dissolve(4), edits.Piece("flower", 9)),
    )
    with pytest.raises(ValueError, match="4 frames, 4 mixed"):
        edits.layout(movie, SIZE)
    flash = edits.Piece("china", 9, 0, edits.still(), (edits.Flash(3),))
    movie = edits.Movie("flash", "", (edits.Piece("flower", 9), edits.fade(4), flash))
    with pytest.raises(ValueError, match="its flash is not in its frames alone"):
        edits.layout(movie, SIZE)


def test_a_copy_at_30_fps_changes_shots_where_its_truth_says(tmp_path):
    movie = edits.Movie(
        "two",
        "a cut between unlike pictures",
        (edits.Piece("hopper", 13), edits.CUT, edits.Piece("flower", 12)),
    )
    copy = edits.Reencode("two_30", "", "two", "30", ("-c:v", "libx264", "-crf", "30"))
    (_, truth), (path, copied) = edits.build_set([movie, copy], tmp_path, SIZE)
    assert truth.transitions == (Transition("cut", 13, 13),)
    # Frame 13 at 25 fps is shown from frame round(13 * 1.2) = 16 on at 30.
    assert copied.transitions == (Transition("cut", 16, 16),)
    frames = np.stack(list(MovieDecoder(path, 30, *SIZE)))
    assert len(frames) == copied.frames == 30
    first, second = frames[:16].mean(axis=(0, 1, 2)), frames[16:].mean(axis=(0, 1, 2))
    assert mean_difference(frames[15].mean(axis=(0, 1)), first) < 5
    assert mean_difference(frames[16].mean(axis=(0, 1)), second) < 5
    # Built again from the same code and spec: kept.
    stamp = path.stat().st_mtime_ns
    edits.build_set([movie, copy], tmp_path, SIZE)
    assert path.stat().st_mtime_ns == stamp
