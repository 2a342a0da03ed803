"""Rule ``extract_frames``: the memory guard first, then one decode written as the
PNGs people see, ``frames.npy`` (``(N, H, W, 3) uint8``, appended frame by frame
under a fixed-size header) and ``frames.tsv`` (frame, time in s, PNG), each
atomically."""


import os
import shutil
import time
from pathlib import Path

import numpy as np

from framescape.common import (
    MB,
    FramescapeError,
    atomic_path,
    load_json,
    log,
    save_tsv,
)
from framescape.frames.decode import MovieDecoder
from framescape.run.guard import check_memory
from framescape.run.movies import expected_frames

NPY_HEADER_SIZE = 128


def staging_folder(frames_dir):
    """Where the PNGs of ``frames_dir`` are decoded before it is replaced by
    them whole; a killed job's is swept when the next run starts
    (``run.lock.sweep_temporaries``)."""
    frames_dir = Path(frames_dir)
    return frames_dir.with_name(f".{frames_dir.name}.partial")


def npy_header(shape, dtype=np.uint8):
    """A ``.npy`` v1.0 header of exactly :data:`NPY_HEADER_SIZE` bytes.

    A fixed size lets frames stream to disk while their count is still unknown:
    the header is written again with the final shape once decoding ends.
    """
    descr = np.lib.format.dtype_to_descr(np.dtype(dtype))
    text = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)})
    body_size = NPY_HEADER_SIZE - 10
    body = text.ljust(body_size - 1) + "\n"
    if len(body) != body_size:
        raise ValueError(f"shape {shape} does not fit a {NPY_HEADER_SIZE}-byte header")
    return (
        b"\x93NUMPY\x01\x00" + body_size.to_bytes(2, "little") + body.encode("latin1")
    )


def frame_file(index):
    """PNG name of the frame at 0-based ``index``: ``000001.png`` is the first."""
    return f"{index + 1:06d}.png"


def write_frames_tsv(path, times):
    """``frames.tsv``: frame index, timestamp (s, 6 decimals), PNG file; atomically."""
    rows = [
        [index, f"{seconds:.6f}", f"frames/{frame_file(index)}"]
        for index, seconds in enumerate(times)
    ]
    save_tsv(path, ["frame", "time", "file"], rows)


def extract_frames(
    source,
    frames_dir,
    frames_npy,
    frames_tsv,
    fps,
    width,
    height,
    keep_aspect=False,
    threads=1,
    duration=None,
    png_compression=1,
):
    """Decode ``source`` once; write the PNGs people see, ``frames.npy`` and ``frames.tsv``.

    Frames stream to disk as they are decoded, so memory stays at one frame
    whatever the movie's length. Every output appears under its final name only
    once all of them are complete.

    Parameters
    ----------
    source : path
        The movie (the workflow's link to the user's file).
    frames_dir, frames_npy, frames_tsv : path
        Outputs: a folder of ``000001.png …``, each frame at the movie's display
        aspect with its longer side ``max(width, height)`` pixels;
        ``(N, height, width, 3) uint8``, the frames the metrics read; a table
        ``frame, time, file`` (time in seconds, file relative to the movie's
        results folder).
    fps : float
        Sampling rate, frames per second of movie time (ffmpeg's ``fps=`` filter).
    width, height : int
        Size of the metrics' frames in pixels.
    keep_aspect : bool
        Fit the metrics' frames into ``width``×``height`` at their display
        aspect and pad with black, instead of stretching them.
    duration : float, optional
        Length from the probe (s), for progress and the truncation check.

    Returns
    -------
    int
        The number of frames written.
    """
    frames_dir = Path(frames_dir)
    staging = staging_folder(frames_dir)
    decoder = MovieDecoder(
        source, fps, width, height, keep_aspect, threads, staging, png_compression
    )
    expected = f"/~{round(duration * fps)}" if duration else ""
    started = time.monotonic()
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)

    def report(frames):
        log.info(
            "decoded %d%s frames (%.0f s)", frames, expected, time.monotonic() - started
        )

    try:
        with atomic_path(frames_npy, suffix=".npy") as tmp_npy:
            count = stream_frames(
                decoder, tmp_npy, staging, fps, width, height, duration, report
            )
            write_frames_tsv(frames_tsv, frame_times(decoder, count, fps))
            if frames_dir.exists():
                shutil.rmtree(frames_dir)
            staging.rename(frames_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info(
        "wrote %d frames of %dx%d in %.1f s",
        count,
        width,
        height,
        time.monotonic() - started,
    )
    return count


def stream_frames(decoder, path, staging, fps, width, height, duration, report):
    """Decode the movie into ``path``, a ``.npy`` of ``(N, height, width, 3)``
    frames written as they come (its header made right once they are all
    there), and its PNGs into ``staging``; ``report(frames)`` now and then.

    Returns the number of frames. Fails unless ffmpeg gave whole frames, at
    least one, a PNG for each and the whole movie (``duration`` s, when
    known).
    """
    with open(path, "wb") as npy:
        npy.write(npy_header((0, height, width, 3)))
        npy.flush()
        decoder.write_to(npy, report)
        written = os.fstat(npy.fileno()).st_size - NPY_HEADER_SIZE
        count, partial = divmod(written, width * height * 3)
        if partial:
            raise FramescapeError(f"ffmpeg stopped inside a frame ({written} bytes)")
        if count == 0:
            raise FramescapeError(
                f"decodes to zero frames at fps={fps} "
                "(shorter than one sampling interval? raise fps)"
            )
        decoder.check_complete(duration)
        pngs = len(os.listdir(staging))
        if pngs != count:  # both come from one split: a defect
            raise RuntimeError(f"ffmpeg wrote {pngs} PNGs for {count} frames")
        npy.seek(0)
        npy.write(npy_header((count, height, width, 3)))
    return count


def frame_times(decoder, count, fps):
    """The times (s) of the ``count`` frames the decoder wrote."""
    times = decoder.times[:count]
    # showinfo prints one line a frame; if ffmpeg ever skips one, the
    # sampling grid is the best estimate left.
    times += [index / fps for index in range(len(times), count)]
    return times


def extract_step(
    source,
    probe_path,
    outputs,
    file_name,
    fps,
    width,
    height,
    keep_aspect,
    threads,
    movie_memory_mb,
    memory_limit_mb,
    memory_partition="",
    dense_max=0,
):
    """Rule ``extract_frames``: refuse a movie that cannot fit in memory, then
    decode it (:func:`extract_frames`); ``outputs`` holds ``frames_dir``,
    ``frames_npy`` and ``frames_tsv``. ``memory_limit_mb`` 0 means the largest
    node of SLURM partition ``memory_partition``, or without one this machine
    (:func:`framescape.run.guard.available_memory`); ``dense_max``, the config's
    dense_max_frames when it puts the movie on the dense path (0: auto, or the
    graph path). Errors name the movie's file."""
    probe = load_json(probe_path)
    try:
        if probe["error"]:
            raise FramescapeError(probe["error"])
        needed = check_memory(
            movie_memory_mb * MB,
            expected_frames(probe["duration"], fps),
            width,
            height,
            fps,
            memory_limit_mb * MB,
            memory_partition,
            dense_max,
        )
        log.info(
            "%s: sampling at %s fps, %dx%d (keep_aspect=%s); its largest job will "
            "need about %.2f GB",
            file_name,
            fps,
            width,
            height,
            keep_aspect,
            needed / 1024**3,
        )
        extract_frames(
            source,
            outputs.frames_dir,
            outputs.frames_npy,
            outputs.frames_tsv,
            fps=fps,
            width=width,
            height=height,
            keep_aspect=keep_aspect,
            threads=threads,
            duration=probe.get("duration"),
        )
    except FramescapeError as error:
        raise FramescapeError(f"{file_name}: {error}") from None
