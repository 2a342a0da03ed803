"""How much memory each step of a movie needs, and the guard that refuses a movie
that cannot fit before any decoding starts.

The estimates are peak resident sizes from the workflow's own benchmark files
(benchmarks/scaling.py, 320×240 frames, N = 2,000 and 10,000; 2026-11-25): a
fixed part for Python and the libraries, a part per frame pixel and a part per
pair of frames, fitted to both sizes and rounded up by about a fifth."""




# A cluster job asks for this much more time than measured (slower or busy
# nodes), and never less than MIN_RUNTIME minutes.
RUNTIME_MARGIN = 3
MIN_RUNTIME = 10
