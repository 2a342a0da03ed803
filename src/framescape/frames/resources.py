"""How much memory each step of a movie needs, and the guard that refuses a movie
that cannot fit before any decoding starts.

The estimates are peak resident sizes from the workflow's own benchmark files
(benchmarks/scaling.py, 320×240 frames, N = 2,000 and 10,000; 2026-11-25): a
fixed part for Python and the libraries, a part per frame pixel and a part per
pair of frames, fitted to both sizes and rounded up by about a fifth."""



from framescape.resources import MIN_RUNTIME


def extract_runtime(duration):
    """Minutes for decoding a movie of ``duration`` seconds: a minute per minute of
    movie (a 2¾-hour 320×240 movie decoded in 33 s; HD sources take longer)."""
    return int(MIN_RUNTIME + -(-(duration or 0) // 60))
