"""2-D layouts of a movie's frames: MDS, t-SNE, UMAP, from a precomputed distance
matrix or, for a long movie, from its neighbour graph and frames (landmark MDS,
openTSNE, UMAP on the graph).

Each method takes its parameters explicitly and a ``random_state``: the same
matrix and parameters give the same coordinates, to the last bit, whatever the
number of threads (BLAS runs on one thread here: a multi-threaded BLAS splits
sums differently by thread count, which moved MDS coordinates by ~1e-13). Tiny
or degenerate movies (1–3 frames, all frames identical) get exact, finite
layouts instead of failing.

- :mod:`~framescape.embed.mds`: classical, landmark and metric (SMACOF) MDS;
- :mod:`~framescape.embed.neighbours`: t-SNE and UMAP;
- :mod:`~framescape.embed.methods`: the registry of layout methods;
- :mod:`~framescape.embed.jobs`: rule ``embed``'s step;
- :mod:`~framescape.embed.parameters`: numbers the jobs' estimates read too."""
