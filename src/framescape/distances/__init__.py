"""Frame-to-frame distances: ``gray`` and ``hsl`` (docs/metrics.md: the exact
definitions).

gray: mean absolute difference of BT.601 luma, in grey levels, range [0, 255].
hsl: mean over pixels of (S_a−S_b)² + (L_a−L_b)² + sin²(π(H_a−H_b)), range [0, 3].

A movie of at most ``dense_max_frames`` frames gets one ``(N, N) float32`` matrix
per metric, in one job or, for more than ``tile_frames`` frames, in tiles, one
job per pair of blocks of frames, put together by ``compute_distances``; each
frame's nearest frames for the viewer are ranked from it. gray's sums of
absolute differences are exact (integers); hsl is a Gram product of per-pixel
features (BLAS, float32 products, float64 sums).

- :mod:`~framescape.distances.matrices`: the matrices, in one tile or many;
- :mod:`~framescape.distances.kernels`, :mod:`~framescape.distances.nearest_kernels`:
  their numba kernels;
- :mod:`~framescape.distances.nearest`: distances to some frames without the
  matrix, and each frame's nearest frames;
- :mod:`~framescape.distances.products`: the Gram products of those distances,
  each element summed in one order wherever its frames sit;
- :mod:`~framescape.distances.tiles`: which frames each tile job compares, and
  the heatmap's cells;
- :mod:`~framescape.distances.jobs`: the rules' steps;
- :mod:`~framescape.distances.resources`: the jobs' memory and time."""
