"""Rule ``shot_list``: a movie's features → its transitions and groups →
``shots.tsv`` (:func:`shots_of`); :func:`movie_shots` does it all for one file,
for benchmarks and people at a Python prompt."""

import tempfile

from framescape.common import load_json, log
from framescape.shots.detect import DEFAULTS, Settings, find_transitions
from framescape.shots.features import frame_rate, load_features
from framescape.shots.groups import GROUP_DISTANCE, shot_groups
from framescape.shots.table import Shot, save_shots, shot_figures


def shot_rows(transitions, groups, times, rate):
    """:class:`Shot` rows of a movie of ``len(times)`` frames beginning with
    ``transitions`` (the first shot begins at frame 0)."""
    frames = len(times)
    if frames == 0:
        return []
    firsts = [0] + [t.first_new for t in transitions]
    mixed = [0] + [t.first_mixed for t in transitions]
    kinds = ["start"] + [t.kind for t in transitions]
    ends = [t.first_mixed for t in transitions] + [frames]
    # The last frame lasts as long as the one before it (a variable rate
    # movie's last stretch may run at another rate than most of it).
    last_step = float(times[-1] - times[-2]) if frames > 1 else 0.0
    movie_end = float(times[-1]) + (last_step if last_step > 0 else 1.0 / rate)
    rows = []
    for index, (first, first_mixed, kind, stop) in enumerate(
        zip(firsts, mixed, kinds, ends)
    ):
        rows.append(
            Shot(
                shot=index + 1,
                start=round(float(times[first]), 3),
                end=round(float(times[stop]) if stop < frames else movie_end, 3),
                first_frame=int(first),
                last_frame=int(stop - 1),
                transition=kind,
                transition_start=round(float(times[first_mixed]), 3),
                group=groups[index],
            )
        )
    return rows


def shots_of(
    features, nominal_rate=None, settings=DEFAULTS, group_distance=GROUP_DISTANCE
):
    """The :class:`Shot` rows of a movie's features."""
    rate = frame_rate(features.times, nominal_rate)
    transitions = find_transitions(features, rate, settings)
    firsts = [0] + [t.first_new for t in transitions]
    lasts = [t.first_mixed - 1 for t in transitions] + [len(features) - 1]
    groups = shot_groups(features, list(zip(firsts, lasts)), group_distance)
    return shot_rows(transitions, groups, features.times, rate)


def movie_shots(path, settings=DEFAULTS, threads=2):
    """Decode ``path`` and return its :class:`Shot` rows."""
    # Here: the rules' detection step never loads the decoder (ffmpeg).
    from framescape.shots.decode import decode_features

    with tempfile.TemporaryDirectory() as folder:
        decode_features(path, folder, threads=threads)
        features = load_features(folder, mmap_mode=None)
        return shots_of(features, settings=settings)


def shots_step(features_folder, probe_json, output, settings, group_distance):
    """Rule ``shot_list``: ``shots.tsv`` of one movie."""
    probe = load_json(probe_json)
    features = load_features(features_folder)
    shots = shots_of(features, probe.get("fps"), Settings(**settings), group_distance)
    save_shots(output, shots)
    figures = shot_figures(shots)
    log.info(
        "%d shots, average %s s, median %s s",
        figures["shots"],
        figures["average_seconds"],
        figures["median_seconds"],
    )
