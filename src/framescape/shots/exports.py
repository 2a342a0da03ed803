"""A movie's shots in the formats editors and players open: an OpenTimelineIO
timeline (``.otio``), a CMX 3600 EDL through OpenTimelineIO's ``cmx_3600``
adapter, WebVTT chapters (one cue per scene), and the folder's ``shots.tsv``.

In the timeline each shot is one clip of the movie file, from its
``transition_start`` to its ``end``: the rows tile the movie that way, so the
timeline lasts exactly the movie's frames. A gradual transition is a dissolve
from the shot's first mixed frame over the mixed frames (``in_offset`` 0,
``out_offset`` the mixed frames): the outgoing clip's tail there is the same
frames of the same file, so the timeline plays the movie as it is. That is how
an EDL writes a dissolve too (the ``D`` event starts where the mixing starts),
so the ``.otio`` and the EDL tell the same cut points."""

import math
import re
import unicodedata
from pathlib import Path

import numpy as np
import opentimelineio as otio

from framescape.common import FramescapeError, atomic_path, load_json, log, save_text
from framescape.run.movies import display_name
from framescape.shots.features import frame_rate
from framescape.shots.table import load_shots

# Frame rates of NTSC video: a nominal 23.976 is 24000/1001 frames a second.
NTSC_BASES = (24, 30, 48, 60, 120)
NTSC_TOLERANCE = 0.01
# Rates an EDL's timecode can count in (OpenTimelineIO's SMPTE rates, whole).
TIMECODE_RATES = (24, 25, 30, 48, 50, 60)
REEL_LENGTH = 8
# Shots of one group that come back within this many shots are one scene.
SCENE_REACH = 6


def otio_rate(rate):
    """The exact rate of a movie's nominal frame rate: 23.976 (or ffmpeg's
    23.98) → 24000/1001, 29.97 → 30000/1001; other rates as they are."""
    rate = float(rate or 0)
    if not 0 < rate < math.inf:
        raise FramescapeError(f"frame rate {rate}: not a movie's frame rate")
    for base in NTSC_BASES:
        ntsc = base * 1000 / 1001
        if abs(rate - ntsc) < NTSC_TOLERANCE:
            return ntsc
    return rate


def timecode_rate(rate):
    """The rate an EDL's timecode counts frames in for a movie of ``rate``: the
    movie's own where SMPTE timecode has it (drop-frame for 29.97 and 59.94,
    as OpenTimelineIO writes it), else the smallest SMPTE rate that is a whole
    multiple of it (15 → 30: every frame on a timecode frame), else the
    smallest above it, else 60: in these two, frames are rounded to the
    nearest timecode frame."""
    exact = otio_rate(rate)
    if otio.opentime.RationalTime.is_smpte_timecode_rate(exact):
        return exact
    above = [tc for tc in TIMECODE_RATES if tc >= exact]
    for candidate in above:
        if abs(candidate / exact - round(candidate / exact)) < 1e-9:
            return float(candidate)
    return float(above[0] if above else TIMECODE_RATES[-1])


def shot_spans(shots, frame_count=None):
    """Each shot's frames as ``(mixed_start, first_frame, end)``, ``end``
    exclusive: the shot's clip runs from ``mixed_start`` (its first mixed frame,
    ``first_frame`` after a cut) to ``end``, the next one's ``mixed_start``.

    Checks that the shots tile frames 0 to ``frame_count`` (by default, to the
    last shot's last frame)."""
    spans = []
    mixed_start = 0
    for shot in shots:
        if shot.first_frame < mixed_start or shot.last_frame < shot.first_frame:
            raise FramescapeError(
                f"shot {shot.shot}: frames {shot.first_frame}–{shot.last_frame} "
                f"do not follow the shot before (which ends at frame "
                f"{mixed_start - 1})"
            )
        if not spans and shot.first_frame:
            raise FramescapeError(
                f"shot {shot.shot}: the first shot starts at frame "
                f"{shot.first_frame}, not 0"
            )
        spans.append((mixed_start, shot.first_frame, shot.last_frame + 1))
        mixed_start = shot.last_frame + 1
    if frame_count and not spans:
        raise FramescapeError(f"no shots for a movie of {frame_count} frames")
    if frame_count is not None and mixed_start != frame_count:
        raise FramescapeError(
            f"the shots cover {mixed_start} frames but the movie has {frame_count}"
        )
    return spans


def reel_name(file_name):
    """A reel name from a movie's file name as EDLs want one: at most
    :data:`REEL_LENGTH` letters and digits (``AX``, an unknown source, when
    none is left): ``"Übung 3.mp4"`` → ``"Ubung3"``."""
    stem = Path(display_name(file_name)).stem
    ascii_stem = "".join(
        c for c in unicodedata.normalize("NFKD", stem) if not unicodedata.combining(c)
    )
    return re.sub(r"[^A-Za-z0-9]+", "", ascii_stem)[:REEL_LENGTH] or "AX"


def media_url(movie_path):
    """The movie as a ``file://`` URL (bytes that are not UTF-8 escaped)."""
    return Path(movie_path).absolute().as_uri()


def printable(text):
    """``text`` on one line: control characters (a newline in a file name)
    become spaces, for formats made of lines."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", display_name(text))


def shot_metadata(shot):
    return {
        "framescape": {
            "shot": shot.shot,
            "transition": shot.transition,
            "group": shot.group,
            "first_frame": shot.first_frame,
            "last_frame": shot.last_frame,
        }
    }


def frames_at(rate, count):
    return otio.opentime.RationalTime(count, rate)


def range_at(rate, start, end):
    return otio.opentime.TimeRange(frames_at(rate, start), frames_at(rate, end - start))


def timeline_of(shots, spans, rate, movie_path, name):
    """The timeline of ``shots`` cut at ``spans`` (:func:`shot_spans`, in frames
    at ``rate``): one video track, a clip a shot, a dissolve over each shot's
    mixed frames."""
    total = spans[-1][2] if spans else 0
    timeline = otio.schema.Timeline(name=name)
    track = otio.schema.Track(name="shots", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    reel = reel_name(Path(movie_path).name)
    for shot, (mixed_start, first_frame, end) in zip(shots, spans):
        if first_frame > mixed_start:
            track.append(
                otio.schema.Transition(
                    name=shot.transition,
                    transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                    in_offset=frames_at(rate, 0),
                    out_offset=frames_at(rate, first_frame - mixed_start),
                    metadata={"framescape": {"transition": shot.transition}},
                )
            )
        movie = otio.schema.ExternalReference(
            target_url=media_url(movie_path),
            available_range=range_at(rate, 0, total),
        )
        track.append(
            otio.schema.Clip(
                name=f"Shot {shot.shot}",
                media_reference=movie,
                source_range=range_at(rate, mixed_start, end),
                metadata={**shot_metadata(shot), "cmx_3600": {"reel": reel}},
            )
        )
    return timeline


def shot_timeline(shots, movie_path, rate, frame_count=None, name=None):
    """An OpenTimelineIO timeline of a movie's shots, at the movie's exact rate
    (:func:`otio_rate`).

    Parameters
    ----------
    shots : list of Shot
        The movie's rows, in order (they tile the movie).
    movie_path : path of the movie file, which every clip references
    rate : float, the movie's nominal frame rate (25.0, 23.976, 29.97 …)
    frame_count : int, optional
        The movie's frames, checked against the shots.
    name : the timeline's name; the movie's file name by default
    """
    spans = shot_spans(shots, frame_count)
    name = printable(name or Path(movie_path).name)
    return timeline_of(shots, spans, otio_rate(rate), movie_path, name)


def timecode_spans(shots, spans, rate, tc_rate):
    """``spans`` at ``rate`` as frames at ``tc_rate``, with their shots. Where
    the timecode has fewer frames than the movie (above 60 a second), a shot
    that would start on its predecessor's timecode frame joins it."""
    if tc_rate == rate:
        return list(shots), spans
    total = round(spans[-1][2] / rate * tc_rate)
    kept = []
    for shot, (mixed_start, first_frame, _) in zip(shots, spans):
        start = round(mixed_start / rate * tc_rate)
        if not kept or start > kept[-1][1]:
            kept.append((shot, start, round(first_frame / rate * tc_rate)))
    ends = [start for _, start, _ in kept[1:]] + [total]
    return [shot for shot, _, _ in kept], [
        (start, min(max(first, start), end), end)
        for (_, start, first), end in zip(kept, ends)
    ]


def edl_text(shots, movie_path, rate, frame_count=None, name=None):
    """A CMX 3600 EDL of the shots, written by OpenTimelineIO's ``cmx_3600``
    adapter: an event a shot, record and source timecode both the movie's
    time from 00:00:00:00, a ``D`` (dissolve) event over the mixed frames of
    each gradual transition, the reel :func:`reel_name`. Timecode counts at
    :func:`timecode_rate`. A movie without shots gives the title alone."""
    spans = shot_spans(shots, frame_count)
    name = printable(name or Path(movie_path).name)
    if not spans:
        return f"TITLE: {name}\n\n"
    exact, tc_rate = otio_rate(rate), timecode_rate(rate)
    kept, tc_spans = timecode_spans(shots, spans, exact, tc_rate)
    if len(kept) < len(shots):
        log.warning(
            "EDL at %g fps: %d shots shorter than a timecode frame joined "
            "the one before",
            tc_rate,
            len(shots) - len(kept),
        )
    timeline = timeline_of(kept, tc_spans, tc_rate, movie_path, name)
    return otio.adapters.write_to_string(timeline, "cmx_3600", rate=tc_rate)


def write_otio(timeline, output):
    """Write ``timeline`` as ``.otio`` (JSON), atomically."""
    with atomic_path(output, suffix=".otio") as tmp:
        otio.adapters.write_to_file(timeline, str(tmp))


def scenes(shots, reach=SCENE_REACH):
    """The shots in scenes: lists of consecutive shots, each shot in one.

    A group's shots that come back at most ``reach`` shots apart make one
    span, from the first to the last of them (a shot/reverse-shot exchange,
    A B A B, is one scene); spans that share a shot make one scene; a shot in
    no span is a scene alone. ``A B A B C D C`` → ``[A B A B] [C D C]``.
    """
    span_end = list(range(len(shots)))
    last_seen = {}
    for index, shot in enumerate(shots):
        before = last_seen.get(shot.group)
        if before is not None and index - before <= reach:
            span_end[before] = index
        last_seen[shot.group] = index
    result = []
    start = 0
    while start < len(shots):
        end = cursor = start
        while cursor <= end:
            end = max(end, span_end[cursor])
            cursor += 1
        result.append(shots[start : end + 1])
        start = end + 1
    return result


def vtt_time(seconds):
    """``HH:MM:SS.mmm``, WebVTT's cue time."""
    milliseconds = round(seconds * 1000)
    hours, milliseconds = divmod(milliseconds, 3_600_000)
    minutes, milliseconds = divmod(milliseconds, 60_000)
    return f"{hours:02d}:{minutes:02d}:{milliseconds / 1000:06.3f}"


def scene_title(number, scene):
    first, last = scene[0].shot, scene[-1].shot
    shots = f"shots {first}–{last}" if last != first else f"shot {first}"
    return f"Scene {number} · {shots}"


def chapters_vtt(shots, reach=SCENE_REACH):
    """WebVTT chapters: a cue a scene (:func:`scenes`), from its first shot's
    ``transition_start`` (0 for the first scene) to its last shot's ``end``,
    titled ``Scene 3 · shots 7–12``."""
    cues = ["WEBVTT\n"]
    for number, scene in enumerate(scenes(shots, reach), start=1):
        start = scene[0].transition_start if number > 1 else 0.0
        cues.append(
            f"{number}\n{vtt_time(start)} --> {vtt_time(scene[-1].end)}\n"
            f"{scene_title(number, scene)}\n"
        )
    return "\n".join(cues)


def tiled_shots(shots_tsv, frame_count):
    """The rows of ``shots_tsv``, checked to tile the movie (:func:`shot_spans`):
    an error names the file."""
    shots = load_shots(shots_tsv)
    try:
        shot_spans(shots, frame_count)
    except FramescapeError as error:
        raise FramescapeError(f"{shots_tsv}: {error}") from None
    return shots


def exports_step(shots_tsv, times_npy, probe_json, movie_path, outputs):
    """Rule ``shot_exports``: the movie's shots as ``shots.otio``, ``shots.edl``
    and ``chapters.vtt``, at the rate shot_list found them at (its timestamps'
    median step, else the header's), over every frame it decoded; ``outputs``:
    ``{"otio", "edl", "vtt"}`` paths."""
    times = np.load(times_npy, mmap_mode="r")
    # The rate shot_list found the shots at: the header's may be wrong (a
    # variable-rate file's "1k" tbr).
    rate = frame_rate(times, load_json(probe_json).get("fps"))
    frames = len(times)
    shots = tiled_shots(shots_tsv, frames)
    write_otio(shot_timeline(shots, movie_path, rate, frames), outputs["otio"])
    save_text(outputs["edl"], edl_text(shots, movie_path, rate, frames))
    save_text(outputs["vtt"], chapters_vtt(shots))
    log.info(
        "%d shots in %d scenes; OTIO at %g fps, EDL timecode at %g fps",
        len(shots),
        len(scenes(shots)),
        otio_rate(rate),
        timecode_rate(rate),
    )
