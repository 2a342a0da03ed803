"""The neighbour graph of a long movie: every frame's ``k`` nearest frames per
metric without an (N, N) matrix, for a movie of more than ``dense_max_frames``
frames (and the folder map). All pairs are compared at a reduced size, then each
frame's few best re-ranked at full size, exactly.

Averaging frames over ``f × f`` pixel blocks can only bring two frames closer,
under both metrics (Jensen's inequality: |·| and ‖·‖² are convex, so the mean of
a block's differences is at least the difference of the block's means). So the
reduced distance of a pair is a lower bound of its full-size distance:

- gray: ``Σ_pixels |a − b| / P ≥ f² Σ_blocks |ā − b̄| / P`` (luma, blocks wholly
  inside the mask; the block means are rounded to bytes, and each frame's
  rounding error, its ``slack``, is taken off the bound again);
- hsl: ``Σ_pixels ‖φ_a − φ_b‖² / P ≥ f² Σ_blocks ‖φ̄_a − φ̄_b‖² / P`` with the
  features φ of :func:`framescape.distances.kernels.hls_features`.

The passes, a module each:

1. :mod:`~framescape.graph.reduce`: every frame reduced, a block at a time.
2. :mod:`~framescape.graph.candidates`: every pair of reduced frames compared, a
   tile of pairs at a time: each frame's nearest by reduced distance, its
   candidates. How many of them a frame needs depends on the footage:
   :mod:`~framescape.graph.sample` compares a few frames spread over the movie
   with every frame at full size and keeps the fewest, ``c``, that hold
   :data:`~framescape.graph.parameters.RECALL_TARGET` of their true nearest.
3. :mod:`~framescape.graph.rerank`: the candidates' exact full-size distances,
   in groups of frames whose candidates overlap; each frame's ``k`` nearest among
   them, ordered by (distance, frame number) as the dense ranking is.
4. :mod:`~framescape.graph.second_pass`: a frame whose ``c``-th reduced bound
   exceeds its ``k``-th exact distance has its true ``k`` nearest (certified).
   For the others a second reduced pass, their rows only, finds the frames whose
   bound does not exceed that distance (up to ``c`` more), and their re-rank
   completes the graph: then it is the exact neighbour graph, but for frames
   with more than ``c`` such frames (counted: a long still shot with noise).
   gray takes it, hsl keeps its first pass
   (:data:`~framescape.graph.parameters.COMPLETE`).

In the workflow (:mod:`~framescape.graph.jobs`) each metric takes three kinds of
job: ``graph_candidates`` (passes 1 and 2, the sample, the heatmap's block
averages of the reduced distances and the groups of frames whose candidates
overlap), ``graph_rerank`` jobs, one for each ``tile_frames`` frames of those
groups (pass 3), and ``neighbour_graph``, which puts them together (and for gray
makes the graph exact with pass 4). Memory holds reduced frames, a tile of
reduced pairs and ``N × c`` candidates, whatever the movie's length.
:func:`framescape.testing.graph.candidate_graph` runs it all in one process."""
