"""Numbers the index computes with, which its jobs' estimates read too
(:mod:`framescape.index.resources`). Plain Python: Snakemake's own process
reads them."""

# Principal components a reduced frame is projected onto. On 30,000 frames of
# 40x30 (benchmarks/archive.py's folder: real footage, graded copies, generated
# textures), hsl's graph held 0.917 of the true 91 nearest with 64 and 0.992
# with 128; gray's 0.955 with 64 and 0.933 with 128 (its L1 distance follows
# the first components less, and the sample then chose fewer candidates).
# At 300,000 frames of that folder hsl's graph held 0.9495 of the true nearest
# with 128 and 0.9645 with 192 (256: 0.9662), the same 600 candidates
# re-ranked; 128 then needed 1,000 for 0.961 (docs/performance.md, "More
# components for hsl").
DIMENSIONS = {"gray": 64, "hsl": 192}
# Frames fitting the projection and training the lists' centres, whatever the
# folder's size: an iteration of k-means then grows with the lists (TRAIN_FRAMES
# × lists distances), where a sample growing with the lists made it grow with
# their square (docs/performance.md). faiss asks for 39 frames a list; at a
# million frames (3,906 lists) there are 17.
TRAIN_FRAMES = 65536
# Frames per list on average: the lists grow with the folder, so that a
# search reads about PROBES × LIST_FRAMES frames whatever its size.
LIST_FRAMES = 256
# Lists a frame is searched in.
PROBES = 32
# Frames whose true nearest decide how many candidates a frame re-ranks and
# estimate the graph's recall (framescape.index.build.sampled_candidates),
# compared with every frame in one pass. A folder's frames
# differ more than a movie's: at 100,000 frames (benchmarks/archive.py's
# folder, hsl with 128 components, 600 candidates) 64 frames estimated 0.995
# where 200 measured 0.964, its textures' few frames with many nearly equal
# neighbours falling between the 64.
INDEX_RECALL_SAMPLE = 256
# Frames the sample is compared with at a time (framescape.index.build.
# sample_nearest): their distances to the sample are held (4 MB at 256 frames).
# A multiple of distances.parameters.FRAME_BLOCK, the blocks exact_nearest
# compares hsl's frames in: their Gram products then round alike.
SAMPLE_COLUMNS = 4096
# Neighbours of a frame whose own first as many neighbours become its
# candidates again (framescape.index.refine); 0: the searched graph is kept.
# gray's only: the refinement re-ranks with every frame's luma.
# On 100,000 frames of benchmarks/archive.py's folder (EPYC-512), in one round:
# gray's graph held 0.927 of the true 91 nearest after the search, 0.941
# refined through 16, 0.952 through 32, 0.955 through 40
# (docs/performance.md); hsl's (128 components) 0.964, 0.967 through 16, for
# half its search's time: its index misses less, and its re-rank costs five
# times gray's.
REFINE_WIDTH = {"gray": 32, "hsl": 0}
# Rounds of refinement at most, each over the frames whose neighbours the
# round before changed, through the neighbours as refined so far. At 300,000
# frames (gray, 1,000 frames sampled, EPYC-512) the graph held 0.932 of the
# true 91 nearest searched, 0.948 after one round, 0.955 after two and 0.958
# after three, the later rounds taking about a fifth and then a thirteenth of
# the frames.
REFINE_ROUNDS = 3
# Bytes of frames' pixels and luma that index_join makes at once
# (framescape.index.refine.save_luma: 4 a pixel; 16,384 frames at 40x30).
LUMA_BLOCK_BYTES = 64 * 2**20
# Every frame's luma a refine job keeps mapped through its work, up to this
# many bytes (a million frames at 40x30: 1.2 GB); a larger folder's pages are
# given back after each re-rank group, which then reads its candidates' again.
LUMA_RESIDENT_BYTES = 2 * 2**30
# Frames searched and re-ranked by one job: this many times tile_frames (65,536
# at its default, 4,096).
SEARCH_TILES = 16


def list_count(n_frames):
    """Lists of the index: about :data:`LIST_FRAMES` frames each, at least one."""
    return max(1, round(n_frames / LIST_FRAMES))


def luma_frames(pixels):
    """Frames ``save_luma`` makes at once: :data:`LUMA_BLOCK_BYTES`' worth."""
    return max(1, LUMA_BLOCK_BYTES // (4 * pixels))


def search_frames(tile_frames):
    """Frames one job searches: :data:`SEARCH_TILES` × ``tile_frames``."""
    return SEARCH_TILES * tile_frames


def refined(metric):
    """Whether ``index_refine`` runs for ``metric``."""
    return REFINE_WIDTH[metric] > 0


def block_range(block, n_frames, tile_frames):
    """``(start, stop)``: block ``block``'s places, in the search's order or
    among the frames (the last block may be short)."""
    size = search_frames(tile_frames)
    return int(block) * size, min(n_frames, (int(block) + 1) * size)


def search_blocks(n_frames, tile_frames):
    """Jobs that search the index (and that refine its graph), one at least."""
    return max(1, -(-n_frames // search_frames(tile_frames)))
