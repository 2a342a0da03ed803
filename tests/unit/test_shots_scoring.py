"""The shot benchmark's scorer (framescape.testing.shot_scoring) on hand-made
truths and detections: cut tolerance, gradual overlap, one to one, kinds,
false alarms per event kind, the figures, groups by pairs of shots."""

import pytest

from framescape.shots.table import Shot
from framescape.testing.shot_scoring import (
    Event,
    Transition,
    TrueShot,
    Truth,
    cuts,
    found_transitions,
    group_pairs,
    match,
    pairs_f1,
    reencoded_truth,
    score_movie,
)


def truth(transitions, events=(), fps="25", frames=1000):
    return Truth("movie", fps, frames, tuple(transitions), (), tuple(events))


def dissolve(first_mixed, first_frame):
    return Transition("dissolve", first_mixed, first_frame)


def test_a_cut_is_found_within_one_and_a_half_frames():
    movie = truth(cuts([100, 200]))
    counts = score_movie(movie, cuts([101, 202]))
    assert counts.found == {"cut": 1}
    assert counts.false == {"cut": 1}
    assert (counts.precision(), counts.recall()) == (0.5, 0.5)


def test_each_true_transition_is_found_once_nearest_first():
    assert match(cuts([100]), cuts([99, 100]), 25) == [(0, 1)]
    # 101 is as near to 100 as to 102, but 102 is found exactly: both found.
    assert sorted(match(cuts([100, 102]), cuts([101, 102]), 25)) == [(0, 0), (1, 1)]
    counts = score_movie(truth(cuts([100])), cuts([99, 100, 101]))
    assert (counts.found["cut"], counts.false["cut"]) == (1, 2)


def test_gradual_spans_match_when_they_overlap_within_a_quarter_second():
    movie = truth([dissolve(50, 60)])  # mixes frames 50..59: boundaries 50..60
    assert score_movie(movie, [dissolve(55, 65)]).found == {"gradual": 1}
    # 0.25 s at 25 fps is 6.25 frames: a gap of 6 matches, 7 does not.
    assert score_movie(movie, [dissolve(66, 70)]).found == {"gradual": 1}
    missed = score_movie(movie, [dissolve(67, 70)])
    assert (missed.found, missed.false) == ({}, {"gradual": 1})
    # At 50 fps the same slack is 12.5 frames.
    assert score_movie(truth([dissolve(50, 60)], fps="50"), [dissolve(72, 80)]).found


def test_a_cut_inside_a_dissolve_finds_it_with_the_wrong_kind():
    counts = score_movie(truth([dissolve(50, 60)]), cuts([56]))
    assert counts.found == {"gradual": 1}
    assert (counts.matched, counts.kind_right) == (1, 0)
    assert counts.recall("gradual") == 1.0
    assert counts.precision("cut") == 1.0  # matched: not a false cut


def test_a_gradual_transition_found_around_a_true_cut_finds_it():
    counts = score_movie(truth(cuts([100])), [dissolve(96, 103)])
    assert counts.found == {"cut": 1}
    assert counts.kind_right == 0
    assert counts.recall("cut") == 1.0
    # Not within the slack: a false gradual transition and a missed cut.
    counts = score_movie(truth(cuts([100])), [dissolve(107, 115)])
    assert (counts.found, counts.false) == ({}, {"gradual": 1})


def test_figures_by_kind_and_over_all():
    movie = truth([*cuts([100, 200, 300]), dissolve(400, 420), dissolve(500, 510)])
    found = [*cuts([100, 201, 350]), dissolve(402, 418), dissolve(600, 610)]
    counts = score_movie(movie, found)
    assert counts.precision() == counts.recall() == pytest.approx(3 / 5)
    assert counts.precision("cut") == counts.recall("cut") == pytest.approx(2 / 3)
    assert counts.precision("gradual") == counts.recall("gradual") == 0.5
    assert counts.f1() == pytest.approx(0.6)
    figures = (counts + counts).figures()
    assert figures["true"] == {"cut": 6, "gradual": 4}
    assert figures["all"] == {"precision": 0.6, "recall": 0.6, "f1": 0.6}


def test_nothing_to_find_and_nothing_found_is_perfect():
    counts = score_movie(truth([]), [])
    assert (counts.precision(), counts.recall(), counts.f1()) == (1.0, 1.0, 1.0)
    assert score_movie(truth(cuts([10])), []).f1() == 0.0


def test_false_positives_in_events_are_false_alarms_of_their_kind():
    events = [
        Event("flash", 200, 202),
        Event("occlusion", 300, 309),
        Event("motion", 400, 420),
    ]
    movie = truth(cuts([100, 201]), events)
    # 201 is a true cut (inside the flash: matched, no alarm); 202 is not;
    # 310 is the boundary after the occlusion's last frame; 423 lies 1.5+
    # frames past the motion's last boundary (421).
    counts = score_movie(movie, cuts([100, 201, 202, 310, 423]))
    assert counts.alarms == {"flash": 1, "occlusion": 1}
    assert counts.false == {"cut": 3}
    counts = score_movie(movie, [*cuts([100, 201]), dissolve(415, 430)])
    assert counts.alarms == {"motion": 1}


def test_found_shots_give_their_transitions():
    shots = [
        Shot(1, 0.0, 2.0, 0, 49, "start", 0.0, 1),
        Shot(2, 2.4, 4.0, 60, 99, "dissolve", 2.0, 2),
        Shot(3, 4.0, 6.0, 100, 149, "cut", 4.0, 1),
    ]
    assert found_transitions(shots) == [dissolve(50, 60), Transition("cut", 100, 100)]


def found_shot(first, last, group):
    return Shot(1, first / 25, (last + 1) / 25, first, last, "cut", first / 25, group)


def test_groups_are_scored_over_pairs_of_true_shots():
    sources = ["a", "b", "a", "c"]
    true = [TrueShot(10 * k, 10 * k + 9, source) for k, source in enumerate(sources)]
    # The cut at 30 is missed: c lies in a's found group.
    found = [found_shot(0, 10, 1), found_shot(11, 19, 2), found_shot(20, 39, 1)]
    pairs = group_pairs(true, found)
    assert pairs == {"right": 1, "wrong": 2}
    assert pairs_f1(pairs) == pytest.approx((1 / 3, 1.0, 0.5))
    # Every shot its own group: the pair of a's shots missed, nothing wrong.
    alone = [found_shot(10 * k, 10 * k + 9, k + 1) for k in range(4)]
    assert group_pairs(true, alone) == {"missed": 1}
    assert pairs_f1(group_pairs(true, alone)) == (1.0, 0.0, 0.0)


def test_truth_at_another_frame_rate_follows_ffmpegs_fps_filter():
    movie = Truth(
        "movie",
        "25",
        100,
        (Transition("cut", 50, 50), dissolve(70, 80)),
        (TrueShot(0, 49, "a"), TrueShot(50, 69, "b"), TrueShot(80, 99, "c")),
        (Event("flash", 10, 12),),
    )
    faster = reencoded_truth(movie, "copy", "30")
    assert faster.frames == 120
    # Input frame k is shown from output frame round(k * 1.2) on.
    assert faster.transitions == (Transition("cut", 60, 60), dissolve(84, 96))
    assert faster.shots[0] == TrueShot(0, 59, "a")
    assert faster.shots[-1] == TrueShot(96, 119, "c")
    assert faster.events == (Event("flash", 12, 15),)
    slower = reencoded_truth(movie, "copy", "24000/1001")
    assert (slower.frames, slower.rate) == (96, pytest.approx(23.976, abs=1e-3))
    assert slower.transitions[0] == Transition("cut", 48, 48)
