"""Numbers the layouts compute with that Snakemake's own process reads too: the
landmarks of landmark MDS and the frames it places at a time, the rows UMAP
reads for identical frames (the memory guard sizes its jobs with them) and
UMAP's ``n_neighbors: auto`` (which sizes the neighbour graph). Plain Python, no numba."""

# Landmarks of landmark MDS on the neighbour-graph path: MDS of their
# distances, every other frame placed from its distances to them.
LANDMARKS = 500

# Frames landmark MDS places at a time: its float64 squares, centred in place,
# are a block's (8 × 500 × 65,536 bytes, 262 MB), not every frame's (4 GB at a
# million frames, and their copies).
PLACE_BLOCK = 65_536

# Groups of identical frames that the graph joins to no other, whose nearest
# groups UMAP measures from their distances to every frame
# (embed.identical.group_graph): as many rows as landmark MDS reads.
MEASURED_GROUPS = 500
# Of those, the rows read at a time: 4 bytes a frame each (256 MB at a million
# frames).
MEASURED_BLOCK = 64

# UMAP's n_neighbors "auto" on the neighbour-graph path: N/12 as on the dense
# path, but at most this many (a 50,000-frame movie would ask for 4,166).
GRAPH_AUTO_NEIGHBOURS = 100


def resolve_n_neighbors(n_neighbors, n_frames, graph=False):
    """UMAP's ``n_neighbors`` for a movie of ``n_frames`` frames (before clamping):
    an int, or ``"auto"`` (N/12, at least 2; on the neighbour-graph path at most
    :data:`GRAPH_AUTO_NEIGHBOURS`). The per-metric choice is made by
    :func:`framescape.run.config.method_options`."""
    if n_neighbors == "auto":
        wanted = max(2, n_frames // 12)
        return min(wanted, GRAPH_AUTO_NEIGHBOURS) if graph else wanted
    return int(n_neighbors)
