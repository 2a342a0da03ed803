"""Make the demo movie: a synthetic year, one frame per day, with known ground truth.

Each frame is a 24-hour strip of one day: columns are the hours, bright between
sunrise and sunset and dark at night, so the width of the bright band follows the
seasons' day length. The sky's and the ground's colours follow the seasons too
(snowy winter, green spring, blue-sky summer, brown autumn), which tells spring
from autumn although their days are equally long. Seeded weather noise varies
each day a little. Frame ``d`` is day-of-year ``d``: consecutive days should end
up as neighbours on every map, and the year should close into a loop.

    python -m framescape.demo movies/demo_year.mp4"""


import argparse
from pathlib import Path

import imageio_ffmpeg
import numpy as np

DAYS = 365
WIDTH, HEIGHT = 192, 144


def season_colour(day, keyframes):
    """Interpolate an RGB colour (0-1 floats) around the year, cyclically."""
    days = np.array([k[0] for k in keyframes] + [keyframes[0][0] + DAYS], float)
    colours = np.array([k[1] for k in keyframes] + [keyframes[0][1]], float)
    return np.array(
        [np.interp(day, days, colours[:, c], period=DAYS) for c in range(3)]
    )


SKY = [
    (0, (0.62, 0.68, 0.75)),
    (100, (0.45, 0.75, 0.90)),
    (190, (0.20, 0.45, 0.95)),
    (280, (0.85, 0.60, 0.40)),
]
GROUND = [
    (15, (0.92, 0.93, 0.96)),
    (110, (0.25, 0.70, 0.25)),
    (200, (0.55, 0.65, 0.15)),
    (290, (0.55, 0.30, 0.10)),
]


def cloud_field(rng, height, width, cell=24):
    """Smooth random field (mean 0, sd about 1): noise on a coarse grid, bilinearly
    interpolated, so the weather varies from day to day but the movie stays small."""
    coarse = rng.normal(0, 1, (height // cell + 2, width // cell + 2))
    rows = np.linspace(0, coarse.shape[0] - 1, height)
    cols = np.linspace(0, coarse.shape[1] - 1, width)
    along_rows = np.array(
        [np.interp(rows, np.arange(coarse.shape[0]), c) for c in coarse.T]
    ).T
    return np.array(
        [np.interp(cols, np.arange(coarse.shape[1]), r) for r in along_rows]
    )


def day_frame(day, rng):
    """``(HEIGHT, WIDTH, 3) uint8`` frame for day-of-year ``day`` (0 = 1 January)."""
    hours = (np.arange(WIDTH) + 0.5) / WIDTH * 24.0
    # Day length: 8 h at the winter solstice (day 355) to 16 h at midsummer.
    day_length = 12.0 - 4.0 * np.cos(2 * np.pi * (day + 10) / DAYS)
    sunrise, sunset = 12.0 - day_length / 2, 12.0 + day_length / 2
    light = (
        1
        / (1 + np.exp(-(hours - sunrise) * 3))
        * 1
        / (1 + np.exp((hours - sunset) * 3))
    )
    cloudiness = np.clip(rng.normal(0.15, 0.12), 0.0, 0.6)
    sky = season_colour(day, SKY) * (1 - cloudiness) + 0.8 * cloudiness
    night = np.array([0.02, 0.03, 0.10])
    sky_row = night + light[:, None] * (sky - night)
    ground_row = (0.15 + 0.85 * light[:, None]) * season_colour(day, GROUND)
    horizon = int(HEIGHT * 0.65)
    frame = np.empty((HEIGHT, WIDTH, 3))
    gradient = np.linspace(0.8, 1.1, horizon)[:, None, None]
    frame[:horizon] = sky_row[None] * gradient
    frame[horizon:] = ground_row[None]
    frame[:horizon] += 0.06 * cloud_field(rng, horizon, WIDTH)[..., None]
    return (np.clip(frame, 0, 1) * 255).round().astype(np.uint8)


def make_demo(path, days=DAYS, seed=2024):
    """Write the demo movie to ``path``: ``days`` frames at 1 frame per second."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    writer = imageio_ffmpeg.write_frames(
        str(path),
        (WIDTH, HEIGHT),
        fps=1,
        codec="libx264",
        quality=None,
        output_params=["-crf", "20", "-preset", "slow", "-g", "30"],
        macro_block_size=16,
        ffmpeg_log_level="error",
    )
    writer.send(None)
    for day in range(days):
        writer.send(day_frame(day, rng))
    writer.close()
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="movies/demo_year.mp4")
    parser.add_argument("--days", type=int, default=DAYS)
    args = parser.parse_args()
    print(make_demo(args.path, args.days))
