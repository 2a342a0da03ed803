"""The blocks the distance steps compute in: light (no numba), as Snakemake's
own process sizes jobs from them too. They are parameters, not estimates: the
blocks set the order in which float32 products are summed, so another size moves
the last bits of the hsl distances, and tiles must start on multiples of
:data:`GRAM_TILE` (``tile_frames`` is a multiple of 512)."""

from framescape.common import MB

# Pixels per block of hsl features (matrices.hsl_distances): the block's float32
# features of all frames are held at once.
HSL_BLOCK = 16384
# ... and at most this many bytes of them, for long movies.
HSL_FEATURE_BYTES = 256 * MB
# Frames turned into luma at a time, rows of the Gram matrix multiplied at a time.
FRAME_BLOCK = 256
GRAM_TILE = 512
