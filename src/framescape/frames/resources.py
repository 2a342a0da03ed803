"""Time the ``extract_frames`` job asks a scheduler for: light, as Snakemake imports
it while it plans a run."""

from framescape.resources import MIN_RUNTIME


def extract_runtime(duration):
    """Minutes for decoding a movie of ``duration`` seconds: a minute per minute of
    movie, far above what decoding to 320×240 takes (docs/performance.md, "Every
    job at 5,000 and 10,000 frames"), as HD sources take longer."""
    return int(MIN_RUNTIME + -(-(duration or 0) // 60))
