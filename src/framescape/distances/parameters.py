"""The blocks the distance steps compute in: light (no numba), as Snakemake's
own process sizes jobs from them too. They are parameters, not estimates: the
blocks set the order in which float32 products are summed, so another size moves
the last bits of the hsl distances, and tiles must start on multiples of
:data:`GRAM_TILE` (``tile_frames`` is a multiple of 512)."""

from framescape.common import MB

# Pixels per block of hsl features (distances/gram.py): a block's float32
# features of all frames are held at once, of two blocks at a time (one block's
# products run beside the next one's features); blocks this small share out
# evenly over the threads, and their products are as fast as larger ones'...
HSL_BLOCK = 4096
HSL_BLOCKS_HELD = 2
# ... and at most this many bytes of them, for long movies.
HSL_FEATURE_BYTES = 256 * MB
# Frames turned into luma at a time, rows of the Gram matrix multiplied at a time.
FRAME_BLOCK = 256
GRAM_TILE = 512
