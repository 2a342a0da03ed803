"""The folder map's neighbour graph through an index, for folders of more than
``collection.index_frames`` frames, where comparing every pair of reduced frames
(:mod:`framescape.graph`) would grow with the square of the frames.

Each frame is reduced as the graph reduces it
(:func:`framescape.graph.reduce.reduced_descriptors`), projected onto its first principal components
(:data:`~framescape.index.parameters.DIMENSIONS`, 64 or 192) (fitted on a
sample of frames) and put into faiss's inverted-file index: the frames split
into lists of about :data:`~framescape.index.parameters.LIST_FRAMES` around
k-means centres, a frame searched only in the
:data:`~framescape.index.parameters.PROBES` lists nearest it. Each frame's
nearest in that space are its candidates, re-ranked at full size exactly as the
graph's are (:func:`framescape.graph.rerank.rerank`): the distances stored are
the metric's own, only a true neighbour that is not a candidate is missed.

How many candidates a frame re-ranks is chosen as the graph chooses it
(:func:`framescape.graph.sample.candidates_needed`): a sample of frames is
compared with every frame at full size, and the recall its candidates hold is
the search's estimated recall, in the log.

A frame's nearest that its reduced frame cannot single out are often its
found neighbours' nearest: each frame is re-ranked once more among its
neighbours and theirs (:mod:`framescape.index.refine`, for the metrics whose
:data:`~framescape.index.parameters.REFINE_WIDTH` is above 0), and again, up to
:data:`~framescape.index.parameters.REFINE_ROUNDS` rounds, where the round
before changed its neighbours, so that the graph's sampled recall, in the log,
rises where the index alone falls short.

The work is split into jobs of bounded size (:mod:`framescape.index.jobs`): one
builds the index (linear in the frames), then each of
``ceil(N / (SEARCH_TILES × tile_frames))`` jobs searches and re-ranks one block,
for a refined metric one puts their neighbours together and as many refine one
block each, then one joins the blocks.
The search takes the frames in the order of their lists, the refinement
consecutive frames (a frame's neighbours lie mostly near it in its movie): so
a block's frames share their candidates (their full-size features are computed
once for a group)."""
