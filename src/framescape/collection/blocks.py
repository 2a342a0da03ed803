"""Frames read from and written to ``.npy`` files a block at a time, by plain
reads and writes: the pages of a memory map a job has read stay in its resident
memory, and count against what it asked for, until the map is closed."""

import contextlib

import numpy as np

from framescape.common import atomic_path


def frame_shape(path):
    """``(shape, offset)`` of the ``(N, H, W, 3) uint8`` frames in the ``.npy``
    file ``path``, from its header: the frames start ``offset`` bytes into it."""
    mapped = np.load(path, mmap_mode="r")  # the header only: no page is read
    shape, offset = tuple(int(size) for size in mapped.shape), mapped.offset
    if mapped.dtype != np.uint8 or mapped.ndim != 4 or not mapped.flags.c_contiguous:
        raise ValueError(f"{path} holds {mapped.dtype} {shape}, not frames")
    return shape, offset


def frame_blocks(path, block):
    """The frames of ``path`` (:func:`frame_shape`), ``block`` at a time:
    ``(count, H, W, 3) uint8`` arrays, the last one shorter."""
    shape, offset = frame_shape(path)
    frame = int(np.prod(shape[1:]))
    with open(path, "rb") as npy:
        npy.seek(offset)
        for start in range(0, shape[0], block):
            count = min(block, shape[0] - start)
            part = np.fromfile(npy, np.uint8, count * frame)
            if part.size != count * frame:
                raise ValueError(
                    f"{path} ends inside frame {start + part.size // frame}"
                )
            yield part.reshape(count, *shape[1:])


@contextlib.contextmanager
def frames_writer(path, shape):
    """A file to write ``(N, H, W, 3) uint8`` frames into, block after block
    (``handle.write(block)``), saved atomically as the ``.npy`` file ``path``:
    the same bytes as ``np.save`` of the whole array. Fails unless exactly
    ``shape``'s bytes were written."""
    shape = tuple(int(size) for size in shape)
    header = {"descr": "|u1", "fortran_order": False, "shape": shape}
    with atomic_path(path, suffix=".npy") as tmp, open(tmp, "wb") as npy:
        np.lib.format.write_array_header_1_0(npy, header)
        start = npy.tell()
        yield npy
        written, expected = npy.tell() - start, int(np.prod(shape))
        if written != expected:
            raise ValueError(
                f"{path}: {written} bytes of frames written, not {expected}"
            )
