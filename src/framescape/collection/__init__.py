"""The folder map: every frame of every readable movie on one map.

Movies may be compared at different sizes (``movie_overrides``), so the folder
compares frames at one common size, ``collection.frame_width`` ×
``collection.frame_height``, made from each movie's ``frames.npy`` by area
averaging (no second decode) and kept per movie, so that adding a movie leaves
the others' work alone. The common-size frames of all movies, one after the
other, then take the long-movie path as one movie named ``collection``
(:mod:`framescape.graph`, :mod:`framescape.embed`): a neighbour graph, never an
(N, N) matrix, and its maps.

- :mod:`~framescape.collection.frames`: each movie's frames at the common size;
- :mod:`~framescape.collection.join`: all of them as the frames of
  ``collection``;
- :mod:`~framescape.collection.maps`: the scaled maps in
  ``results/collection.json``;
- :mod:`~framescape.collection.blocks`: frames read and written a block at a
  time (:mod:`~framescape.collection.parameters`), so that neither per-movie
  nor joining job holds a whole movie;
  :mod:`~framescape.collection.resources` sizes both jobs from that block.

Its page: :mod:`framescape.pages.collection`."""
