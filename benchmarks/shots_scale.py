"""Shots of a long 1080p movie: the two shot steps (shot_features, shot_list)
end to end, against ffmpeg's decode alone, with peak memory.

    python benchmarks/shots_scale.py             # a two-hour 1080p movie
    python benchmarks/shots_scale.py --quick     # one minute (CI)
    python benchmarks/shots_scale.py --minutes 30 --workdir /tmp/long
    python benchmarks/shots_scale.py --steps-only  # not ffmpeg alone

The movie: bigbuckbunny.mp4 and bikes.mp4 (real footage, 15.3 s with six cuts)
scaled to 1920 × 1080 at 25 fps, encoded once with libx264 (preset fast, CRF
21, about 4 Mb/s), then that stream copied end to end to the length asked
(ffmpeg -stream_loop, no second encode): a real H.264 file of that length.

Printed: the seconds of ffmpeg alone (every frame decoded and scaled to
64 × 36, as the shot steps ask it, once with one ffmpeg and once in the parts
the steps use), of shot_features (its decode and features) and of shot_list
(detection and groups), frames a second, the shots found against the shots the
movie holds and the groups, and the peak memory of the steps' process
(ffmpeg's own is constant: a few 1080p frames); ``--steps-only`` leaves out
ffmpeg alone. Target:
a two-hour 1080p movie's shots in at most 10 minutes.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import cpu_description, load_average, peak_mb, real_sources
from framescape.frames.probe import ffmpeg_exe, probe_movie
from framescape.shots.decode import ShotDecoder, decode_features, part_bounds
from framescape.shots.features import load_features
from framescape.shots.find import shots_of
from framescape.testing import ffmpeg

TARGET_SECONDS_FOR_TWO_HOURS = 600
# Each pass over the clip: bigbuckbunny's one shot, bikes's six.
SHOTS_A_PASS = 7


def build_movie(folder, minutes, quick=False):
    """The movie of the module's docstring, ``minutes`` long: its path. With
    ``quick``, its clip is encoded at libx264's fastest preset."""
    clip, movie = folder / "clip1080.mp4", folder / f"movie{minutes:g}min.mp4"
    if movie.exists():
        return movie
    bunny, bikes = real_sources()
    scaled = "scale=1920:1080,setsar=1,fps=25"
    ffmpeg(
        *("-i", str(bunny), "-i", str(bikes)),
        "-filter_complex",
        f"[0:v]{scaled}[a];[1:v]{scaled}[b];[a][b]concat=n=2:v=1:a=0,format=yuv420p",
        *("-c:v", "libx264", "-preset", "ultrafast" if quick else "fast"),
        *("-crf", "21", "-g", "250"),
        str(clip),
    )
    passes = max(1, round(minutes * 60 / probe_movie(clip)["duration"]))
    ffmpeg("-stream_loop", str(passes - 1), "-i", str(clip), "-c", "copy", str(movie))
    return movie


def ffmpeg_alone(movie, duration):
    """Seconds of ffmpeg decoding every frame to 64 × 36 into nothing: one
    process of two threads, and the parts the shot steps decode at once."""
    times = {}
    started = time.perf_counter()
    subprocess.run(
        ShotDecoder(movie, 2).command(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    times["one ffmpeg"] = time.perf_counter() - started
    parts = part_bounds(duration, 2)
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            ShotDecoder(movie, 1, start, stop).command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for start, stop in parts
    ]
    for process in processes:
        process.wait()
    times[f"{len(parts)} ffmpeg at once"] = time.perf_counter() - started
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one minute")
    parser.add_argument("--minutes", type=float, default=120.0)
    parser.add_argument("--workdir", help="keep the movie here")
    parser.add_argument(
        "--steps-only", action="store_true", help="the shot steps, not ffmpeg alone"
    )
    args = parser.parse_args()
    minutes = 1.0 if args.quick else args.minutes
    print(f"{cpu_description()}; load average {load_average()} at the start")
    print(f"ffmpeg: {ffmpeg_exe()}")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="framescape-shots-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        movie = build_movie(workdir, minutes, args.quick)
        probe = probe_movie(movie)
        duration = probe["duration"]
        print(
            f"movie: {duration / 60:.1f} min of 1920x1080 H.264, {movie.stat().st_size / 1e9:.2f} GB"
        )
        alone = {} if args.steps_only else ffmpeg_alone(movie, duration)
        features = workdir / "features"
        started = time.perf_counter()
        frames = decode_features(movie, features, 2, duration, probe["fps"])
        decoding = time.perf_counter() - started
        started = time.perf_counter()
        shots = shots_of(load_features(features), probe["fps"])
        detecting = time.perf_counter() - started
    finally:
        if not args.workdir:
            shutil.rmtree(workdir)
    total = decoding + detecting
    print("\n| step | s | frames/s |\n|---|---:|---:|")
    for what, seconds in alone.items():
        print(f"| ffmpeg alone, {what} | {seconds:.1f} | {frames / seconds:.0f} |")
    print(
        f"| shot_features (decode, features) | {decoding:.1f} | {frames / decoding:.0f} |"
    )
    print(
        f"| shot_list (transitions, groups) | {detecting:.1f} | {frames / detecting:.0f} |"
    )
    print(f"| both | {total:.1f} | {frames / total:.0f} |")
    expected = SHOTS_A_PASS * round(duration / 15.28)
    print(
        f"\n{frames:,} frames; {len(shots):,} shots found, about {expected:,} in the "
        f"movie, in {len({shot.group for shot in shots}):,} groups"
    )
    print(f"peak memory of the steps' process: {peak_mb():.0f} MB")
    scaled = total * 7200 / duration
    verdict = "met" if scaled <= TARGET_SECONDS_FOR_TWO_HOURS else "not met"
    if args.quick:  # its clip's fastest encode decodes faster than the movie's
        verdict = "not judged on --quick's movie"
    print(
        f"for two hours: {scaled / 60:.1f} min at this rate (target "
        f"{TARGET_SECONDS_FOR_TWO_HOURS / 60:.0f} min): {verdict}"
    )
    print(f"load average {load_average()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
