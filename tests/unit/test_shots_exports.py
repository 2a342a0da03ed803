"""A movie's shots as an OpenTimelineIO timeline, a CMX 3600 EDL (read back
through the same adapter), WebVTT chapters of its scenes, and the folder's
shots.tsv."""

import re

import numpy as np
import opentimelineio as otio
import pytest

from framescape.common import FramescapeError, load_tsv
from framescape.shots import exports
from framescape.shots.table import folder_table_step, save_shots
from framescape.testing import make_shots

MOVIE = "/movies/My Movie.mp4"
# 200 frames at 25 fps: cuts at 50 and 140, a dissolve over frames 80–89.
CUTS = [50, (80, 90), 140]
SPANS = [(0, 0, 50), (50, 50, 80), (80, 90, 140), (140, 140, 200)]


def frames(time_range):
    """A TimeRange as whole frames ``(start, end)``, end exclusive."""
    start = time_range.start_time.value
    return round(start), round(start + time_range.duration.value)


def clips_and_transitions(timeline):
    """A timeline's clips and transitions (the caller holds ``timeline``: its
    items lose their parent when it is freed)."""
    (track,) = timeline.tracks
    clips = [item for item in track if isinstance(item, otio.schema.Clip)]
    transitions = [item for item in track if isinstance(item, otio.schema.Transition)]
    return clips, transitions


def test_timeline_clips_tile_the_movie_with_dissolves_over_mixed_frames(tmp_path):
    shots = make_shots(CUTS, 200, groups=[1, 2, 1, 3])
    exports.write_otio(
        exports.shot_timeline(shots, MOVIE, 25.0, 200), tmp_path / "s.otio"
    )
    timeline = otio.adapters.read_from_file(str(tmp_path / "s.otio"))
    assert timeline.duration() == otio.opentime.RationalTime(200, 25)
    clips, transitions = clips_and_transitions(timeline)
    assert [frames(clip.range_in_parent()) for clip in clips] == [
        (mixed, end) for mixed, _, end in SPANS
    ]
    # One file: a clip's source is the movie's own frames where it plays.
    assert [frames(clip.source_range) for clip in clips] == [
        (mixed, end) for mixed, _, end in SPANS
    ]
    for clip, shot in zip(clips, shots):
        assert clip.name == f"Shot {shot.shot}"
        assert clip.media_reference.target_url == "file:///movies/My%20Movie.mp4"
        assert frames(clip.media_reference.available_range) == (0, 200)
        assert clip.metadata["framescape"] == {
            "shot": shot.shot,
            "transition": shot.transition,
            "group": shot.group,
            "first_frame": shot.first_frame,
            "last_frame": shot.last_frame,
        }
    (dissolve,) = transitions
    assert dissolve.transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve
    assert frames(dissolve.range_in_parent()) == (80, 90)
    assert (dissolve.in_offset.value, dissolve.out_offset.value) == (0, 10)
    # The outgoing shot's tail under the dissolve is the mixed frames.
    assert frames(clips[1].visible_range()) == (50, 90)
    # A cut's clip is its shot: first frame and frames.
    assert frames(clips[3].source_range) == (shots[3].first_frame, 200)
    assert clips[3].source_range.duration.value == shots[3].frames


def test_every_gradual_kind_is_a_transition_on_its_mixed_frames():
    kinds = ["start", "fade", "cut", "wipe", "gradual"]
    cuts = [(10, 14), 30, (40, 41), (60, 70)]
    shots = make_shots(cuts, 100, transitions=kinds)
    timeline = exports.shot_timeline(shots, MOVIE, 25.0)
    _, transitions = clips_and_transitions(timeline)
    assert [(t.name, frames(t.range_in_parent())) for t in transitions] == [
        ("fade", (10, 14)),
        ("wipe", (40, 41)),
        ("gradual", (60, 70)),
    ]
    assert {t.metadata["framescape"]["transition"] for t in transitions} == {
        "fade",
        "wipe",
        "gradual",
    }


@pytest.mark.parametrize(
    "nominal, exact",
    [
        (25.0, 25.0),
        (23.976, 24000 / 1001),
        (23.98, 24000 / 1001),
        (29.97, 30000 / 1001),
        (59.94, 60000 / 1001),
        (15.0, 15.0),
    ],
)
def test_otio_rate_of_nominal_rates(nominal, exact):
    assert exports.otio_rate(nominal) == exact


@pytest.mark.parametrize("rate", [0, None, -25.0, float("nan"), float("inf")])
def test_a_rate_that_is_no_frame_rate_is_refused(rate):
    with pytest.raises(FramescapeError, match="not a movie's frame rate"):
        exports.shot_timeline(make_shots([], 10), MOVIE, rate)


def read_edl(text, rate):
    return otio.adapters.read_from_string(text, "cmx_3600", rate=rate)


def test_edl_round_trip_gives_back_cut_points_and_dissolves():
    shots = make_shots(CUTS, 200)
    text = exports.edl_text(shots, MOVIE, 25.0, 200)
    assert text.startswith("TITLE: My Movie.mp4\n")
    assert re.search(r"^003 +MyMovie +V +D 010 ", text, re.MULTILINE)
    timeline = read_edl(text, 25)
    clips, transitions = clips_and_transitions(timeline)
    # Record in and out: where each shot's clip plays, the rows' own tiling.
    assert [frames(clip.range_in_parent()) for clip in clips] == [
        (mixed, end) for mixed, _, end in SPANS
    ]
    assert [frames(clip.source_range) for clip in clips] == [
        (mixed, end) for mixed, _, end in SPANS
    ]
    assert [frames(t.range_in_parent()) for t in transitions] == [(80, 90)]
    assert [t.out_offset.value for t in transitions] == [10]
    assert {clip.metadata["cmx_3600"]["reel"] for clip in clips} == {"MyMovie"}


@pytest.mark.parametrize(
    "rate, timecode",
    [(25.0, "00:01:12:00"), (23.976, "00:01:15:00"), (29.97, "00:01:00;02")],
)
def test_edl_timecode_at_the_movie_rate(rate, timecode):
    # Frame 1800: 23.976 counts 24 frames a timecode second; 29.97 drops
    # frames 0 and 1 of every minute but each tenth.
    shots = make_shots([1800], 2000, rate=rate)
    text = exports.edl_text(shots, MOVIE, rate)
    event = re.search(r"^002 .*$", text, re.MULTILINE).group()
    source_in, _, record_in, _ = event.split()[-4:]
    assert source_in == record_in == timecode
    timeline = read_edl(text, exports.otio_rate(rate))
    clips, _ = clips_and_transitions(timeline)
    assert [frames(clip.range_in_parent()) for clip in clips] == [
        (0, 1800),
        (1800, 2000),
    ]


def test_edl_of_a_rate_timecode_lacks_counts_in_a_multiple():
    # 15 fps: timecode at 30, every frame on a timecode frame.
    shots = make_shots([(20, 25)], 60, rate=15.0)
    timeline = read_edl(exports.edl_text(shots, MOVIE, 15.0), 30)
    clips, transitions = clips_and_transitions(timeline)
    assert [frames(clip.range_in_parent()) for clip in clips] == [(0, 40), (40, 120)]
    assert [t.out_offset.value for t in transitions] == [10]


def test_edl_above_sixty_frames_joins_shots_shorter_than_a_timecode_frame():
    # 120 fps: timecode at 60; a one-frame shot at 61 lands on 30.5 → joined.
    shots = make_shots([60, 61, 120], 240, rate=120.0)
    assert exports.timecode_rate(120.0) == 60
    timeline = read_edl(exports.edl_text(shots, MOVIE, 120), 60)
    clips, _ = clips_and_transitions(timeline)
    assert [frames(clip.range_in_parent()) for clip in clips] == [
        (0, 30),
        (30, 60),
        (60, 120),
    ]
    assert [clip.name for clip in clips] == ["Shot 1", "Shot 2", "Shot 4"]


@pytest.mark.parametrize(
    "name, reel",
    [
        ("Übung 3.mp4", "Ubung3"),
        ("a_very_long_name.mov", "averylon"),
        ("日本.mp4", "AX"),
        ("it's a\nmovie.mkv", "itsamovi"),
    ],
)
def test_reel_name_is_eight_safe_characters(name, reel):
    assert exports.reel_name(name) == reel


def test_one_shot_movie():
    shots = make_shots([], 75)
    timeline = exports.shot_timeline(shots, MOVIE, 25.0, 75)
    assert timeline.duration().value == 75
    timeline = read_edl(exports.edl_text(shots, MOVIE, 25), 25)
    clips, _ = clips_and_transitions(timeline)
    assert [frames(clip.range_in_parent()) for clip in clips] == [(0, 75)]
    assert exports.chapters_vtt(shots) == (
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:03.000\nScene 1 · shot 1\n"
    )


def test_one_frame_movie():
    shots = make_shots([], 1)
    assert exports.shot_timeline(shots, MOVIE, 25.0, 1).duration().value == 1
    text = exports.edl_text(shots, MOVIE, 25.0, 1)
    assert "00:00:00:00 00:00:00:01 00:00:00:00 00:00:00:01" in text
    assert "00:00:00.000 --> 00:00:00.040" in exports.chapters_vtt(shots)


def test_movie_without_frames(tmp_path):
    timeline = exports.shot_timeline([], MOVIE, 25.0, 0)
    exports.write_otio(timeline, tmp_path / "s.otio")
    assert otio.adapters.read_from_file(str(tmp_path / "s.otio")).duration().value == 0
    text = exports.edl_text([], MOVIE, 25.0, 0)
    assert len(read_edl(text, 25).tracks) == 0
    assert exports.chapters_vtt([]) == "WEBVTT\n"
    assert exports.scenes([]) == []


@pytest.mark.parametrize(
    "shots, count, message",
    [
        (make_shots([50], 100), 120, "cover 100 frames but the movie has 120"),
        (make_shots([50], 100)[1:], None, "starts at frame 50, not 0"),
        (make_shots([50], 100) * 2, None, "do not follow"),
        ([], 10, "no shots for a movie of 10 frames"),
    ],
)
def test_shots_that_do_not_tile_the_movie_are_refused(shots, count, message):
    with pytest.raises(FramescapeError, match=message):
        exports.shot_timeline(shots, MOVIE, 25.0, count)


@pytest.mark.parametrize(
    "groups, expected",
    [
        ("ABABCDC", ["ABAB", "CDC"]),  # shot/reverse-shot, then a second place
        ("AABBCC", ["AA", "BB", "CC"]),  # spans that touch but share no shot
        ("ABACB", ["ABACB"]),  # A's span and B's overlap
        ("ABCDEFGA", ["A", "B", "C", "D", "E", "F", "G", "A"]),  # A back after 7
        ("ABCDEFA", ["ABCDEFA"]),  # A back after 6: within reach
        ("ABCABCXXXXXXXXA", ["ABCABC", "XXXXXXXX", "A"]),
    ],
)
def test_scenes_from_groups(groups, expected):
    numbers = {letter: ord(letter) for letter in groups}
    shots = make_shots(
        list(range(10, 10 * len(groups), 10)),
        10 * len(groups),
        groups=[numbers[letter] for letter in groups],
    )
    found = exports.scenes(shots)
    assert [shot for scene in found for shot in scene] == shots
    assert ["".join(chr(shot.group) for shot in scene) for scene in found] == expected


CUE = re.compile(
    r"(\d+)\n(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)\n([^\n]+)\n"
)


def test_chapters_are_valid_webvtt_a_cue_a_scene():
    # Scenes ABAB | CDC, the second entered by a dissolve over frames 95–99.
    cuts = [25, 50, 75, (95, 100), 125, 150]
    shots = make_shots(cuts, 200, groups=[1, 2, 1, 2, 3, 4, 3])
    text = exports.chapters_vtt(shots)
    header, *blocks = text.split("\n\n")
    assert header == "WEBVTT"
    cues = [CUE.fullmatch(block.rstrip("\n") + "\n") for block in blocks]
    assert all(cues), blocks
    assert [cue.groups() for cue in cues] == [
        ("1", "00:00:00.000", "00:00:03.800", "Scene 1 · shots 1–4"),
        ("2", "00:00:03.800", "00:00:08.000", "Scene 2 · shots 5–7"),
    ]


def test_vtt_time_past_an_hour():
    assert exports.vtt_time(3723.0456) == "01:02:03.046"
    assert exports.vtt_time(59.9996) == "00:01:00.000"


def write_exports(shots_tsv, folder, frames=200):
    """The exports of ``shots_tsv`` by their rule's step, for a movie of
    ``frames`` at 25 fps: their bytes."""
    np.save(folder / "times.npy", np.arange(frames) / 25.0)
    # A variable-rate file's header can say anything: the timestamps rule.
    (folder / "probe.json").write_text('{"fps": 1000.0}')
    names = {"otio": "s.otio", "edl": "s.edl", "vtt": "c.vtt"}
    outputs = {key: folder / name for key, name in names.items()}
    exports.exports_step(
        shots_tsv, folder / "times.npy", folder / "probe.json", MOVIE, outputs
    )
    return [path.read_bytes() for path in outputs.values()]


def test_steps_write_the_files_from_shots_tsv(tmp_path):
    shots = make_shots(CUTS, 200, rate=25.0)
    save_shots(tmp_path / "shots.tsv", shots)
    first = write_exports(tmp_path / "shots.tsv", tmp_path)
    assert write_exports(tmp_path / "shots.tsv", tmp_path) == first  # same bytes
    timeline = otio.adapters.read_from_file(str(tmp_path / "s.otio"))
    assert timeline.duration().value == 200
    assert (tmp_path / "s.edl").read_text() == exports.edl_text(shots, MOVIE, 25.0)
    assert (tmp_path / "c.vtt").read_text().startswith("WEBVTT\n\n1\n00:00:00.000")


def test_a_step_names_the_table_that_does_not_tile_the_movie(tmp_path):
    save_shots(tmp_path / "shots.tsv", make_shots([50], 100))
    with pytest.raises(FramescapeError) as error:
        write_exports(tmp_path / "shots.tsv", tmp_path, frames=99)
    assert str(error.value) == (
        f"{tmp_path / 'shots.tsv'}: the shots cover 100 frames but the movie has 99"
    )
    assert not any((tmp_path / name).exists() for name in ("s.otio", "s.edl", "c.vtt"))


def test_folder_shots_in_the_order_given(tmp_path):
    save_shots(tmp_path / "a.tsv", make_shots([10], 20))
    save_shots(tmp_path / "b.tsv", make_shots([], 5))
    folder_table_step(
        [tmp_path / "b.tsv", tmp_path / "a.tsv"], tmp_path / "shots.tsv", ["b", "a"]
    )
    rows = load_tsv(tmp_path / "shots.tsv")
    assert list(rows[0]) == [
        "movie",
        "shot",
        "start",
        "end",
        "first_frame",
        "last_frame",
        "transition",
        "transition_start",
        "group",
    ]
    assert [(row["movie"], row["shot"], row["end"]) for row in rows] == [
        ("b", "1", "0.200"),
        ("a", "1", "0.400"),
        ("a", "2", "0.800"),
    ]
