"""Probe a movie and decode its frames, once, with ffmpeg.

ffmpeg (the binary bundled in the ``imageio-ffmpeg`` wheel) reads the movie once;
its filter graph, built with ffmpeg-python, samples the frames and splits them in
two: ``frame_width``×``frame_height`` raw ``rgb24`` frames to a pipe, appended to
``frames.npy`` for the maths, and PNGs at the movie's display aspect for people to
look at (the two hold the same pixels when that aspect is
``frame_width``:``frame_height``). No shell is involved: ffmpeg gets its
arguments as a list.
"""

import os
import re
import shutil
import subprocess
import threading
import time
import warnings
from pathlib import Path

import ffmpeg
import imageio_ffmpeg
import numpy as np

from framescape.common import (
    FramescapeError,
    atomic_path,
    load_json,
    log,
    save_json,
    save_tsv,
)
from framescape.movies import expected_frames
from framescape.resources import MB, check_memory

NPY_HEADER_SIZE = 128
SHOWINFO_TIME = re.compile(r"Parsed_showinfo.*\bpts_time:\s*(-?[\d.e+-]+)")
DECODE_ERROR = re.compile(r"\[(error|fatal|panic)\] ")
# "[h264 @ 0x55…] [error] Invalid NAL unit size" → "Invalid NAL unit size"
LINE_PREFIX = re.compile(r"^(\[[^\]]*\]\s*)+")
STILL_IMAGE_CODECS = {"mjpeg", "png", "bmp", "tiff", "webp", "jpeg2000", "gif", "qoi"}


def ffmpeg_exe():
    """Path of the ffmpeg binary bundled in the imageio-ffmpeg wheel."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_reason(stderr, path):
    """The line of ffmpeg's complaint that tells a user what is wrong."""
    text = str(stderr)
    if os.path.exists(path) and os.path.getsize(path) == 0:
        return "empty file (0 bytes)"
    if "does not contain any stream" in text or "matches no streams" in text:
        return "no video stream (audio-only or not a movie)"
    if "moov atom not found" in text:
        return "not a movie, or truncated (ffmpeg: moov atom not found)"
    if "No such file or directory" in text:
        return "file not found"
    if "Permission denied" in text:
        return "permission denied"
    if "Invalid data found when processing input" in text:
        return "not a movie ffmpeg can read (invalid data)"
    lines = [LINE_PREFIX.sub("", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    return f"ffmpeg cannot read it ({lines[-1] if lines else 'no message'})"


def probe_movie(path):
    """Read a movie's header: size, frame rate, duration, rotation.

    Never raises for a bad movie: the reason is returned under ``"error"`` so that
    ``movies.tsv`` can list it and ``extract_frames`` can fail with it.

    Returns
    -------
    dict
        ``width``, ``height`` (stored pixels, after rotation; pixels that are not
        square make the displayed picture wider or narrower than this, which
        the PNGs follow), ``fps`` (source frame rate),
        ``duration`` (s), ``codec``, ``rotated`` (true when the movie carries a
        90° or 270° rotation, which ffmpeg applies while decoding) and ``error``
        (``None`` when the movie is readable).
    """
    reader = imageio_ffmpeg.read_frames(str(path))
    try:
        with warnings.catch_warnings():  # "frame size for reading …" on rotation
            warnings.simplefilter("ignore")
            meta = next(reader)
    except (OSError, RuntimeError, StopIteration) as error:
        return {"error": ffmpeg_reason(error, path)}
    finally:
        reader.close()
    codec = re.split(r"[\s,(]", meta.get("codec") or "")[0]  # "gif," → "gif"
    if not meta.get("duration") and codec in STILL_IMAGE_CODECS:
        return {"error": f"a still image ({codec}), not a movie"}
    width, height = meta["size"]  # imageio-ffmpeg already swaps them on rotation
    return {
        "error": None,
        "width": width,
        "height": height,
        "fps": meta.get("fps"),
        "duration": meta.get("duration"),
        "codec": codec,
        "rotated": tuple(meta["size"]) != tuple(meta.get("source_size", meta["size"])),
    }


def sampled_video(path, fps, threads=1):
    """The movie's first video stream, decoded on ``threads`` and sampled at ``fps``
    (ffmpeg's ``fps=`` filter): an ffmpeg-python stream."""
    video = ffmpeg.input(os.fspath(path), threads=threads)["v:0"]
    return video.filter("fps", fps)


def metric_frames(video, width, height, keep_aspect):
    """``video`` scaled to exactly ``width``×``height`` square pixels, the frames
    the metrics read: stretched, or with ``keep_aspect`` fitted and padded with
    black; ``showinfo`` prints each frame's timestamp on the way out."""
    if keep_aspect:
        # Square the pixels first (non-square pixels: iw*sar; sar 0 = unknown
        # gives width 0, which scale reads as "keep"), then fit and pad.
        video = (
            video.filter("scale", "iw*sar", "ih")
            .filter("setsar", 1)
            .filter("scale", width, height, force_original_aspect_ratio="decrease")
            .filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2")
        )
    else:
        video = video.filter("scale", width, height)
    return video.filter("setsar", 1).filter("showinfo").filter("format", "rgb24")


def picture_frames(video, width, height):
    """``video`` at its display aspect (square pixels, rotation applied), fitted
    into a square whose side is the longer of ``width`` and ``height``: the
    frames people look at. A movie whose display aspect is ``width``:``height``
    comes out exactly ``width``×``height``, the same pixels as
    :func:`metric_frames` without ``keep_aspect``."""
    side = max(width, height)
    return (
        video.filter(
            "scale", side, side, force_original_aspect_ratio="decrease", reset_sar=1
        )
        .filter("setsar", 1)
        .filter("format", "rgb24")
    )


class MovieDecoder:
    """One ffmpeg decode of ``path``, sampled at ``fps`` and scaled to ``width``×``height``.

    Iterate to get frames; afterwards ``times`` holds ffmpeg's timestamp of each
    frame (seconds) and ``errors`` the decode errors ffmpeg reported.
    """

    def __init__(
        self,
        path,
        fps,
        width,
        height,
        keep_aspect=False,
        threads=1,
        png_folder=None,
        png_compression=1,
    ):
        self.path = os.fspath(path)
        self.fps, self.width, self.height = fps, width, height
        self.keep_aspect, self.threads = keep_aspect, threads
        self.png_folder, self.png_compression = png_folder, png_compression
        self.times, self.errors = [], []
        self._tail = []

    def command(self):
        """ffmpeg's arguments, a list: raw ``rgb24`` frames of ``width``×``height``
        to the pipe and, with ``png_folder``, the same frames at their display
        aspect (:func:`picture_frames`) as ``000001.png …``, written by
        ffmpeg's own encoder threads, from the same single decode."""
        video = sampled_video(self.path, self.fps, self.threads)
        raw_options = {"format": "rawvideo", "pix_fmt": "rgb24"}
        if self.png_folder is None:
            metrics = metric_frames(video, self.width, self.height, self.keep_aspect)
            outputs = ffmpeg.output(
                metrics, "pipe:1", fps_mode="passthrough", **raw_options
            )
        else:
            split = video.filter_multi_output("split", 2)
            metrics = metric_frames(split[0], self.width, self.height, self.keep_aspect)
            pictures = picture_frames(split[1], self.width, self.height)
            outputs = ffmpeg.merge_outputs(
                ffmpeg.output(metrics, "pipe:1", fps_mode="passthrough", **raw_options),
                ffmpeg.output(
                    pictures,
                    os.path.join(os.fspath(self.png_folder), "%06d.png"),
                    fps_mode="passthrough",
                    compression_level=self.png_compression,
                    threads=self.threads,
                    start_number=1,
                    **{"c:v": "png"},
                ),
            )
        return outputs.global_args(
            "-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+info"
        ).compile(cmd=ffmpeg_exe())

    def _read_stderr(self, stream):
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip()
            match = SHOWINFO_TIME.search(line)
            if match:
                self.times.append(float(match.group(1)))
                continue
            if DECODE_ERROR.search(line):
                self.errors.append(LINE_PREFIX.sub("", line))
            self._tail = self._tail[-19:] + [line]

    def _start(self, stdout):
        process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
        reader = threading.Thread(
            target=self._read_stderr, args=(process.stderr,), daemon=True
        )
        reader.start()
        return process, reader

    def _finish(self, process, reader, check=True):
        if process.poll() is None:
            process.kill()
        returncode = process.wait()
        reader.join()
        if check and returncode != 0:
            raise FramescapeError(ffmpeg_reason("\n".join(self._tail), self.path))

    def write_to(self, file, report=None):
        """Let ffmpeg write the raw frames straight into the open binary ``file``
        (at its position), without passing through Python; returns the number of
        frames. ``report(frames so far)`` is called every few seconds."""
        process, reader = self._start(file)
        try:
            while process.poll() is None:
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    if report:
                        report(len(self.times))
        finally:
            self._finish(process, reader)
        return len(self.times)

    def __iter__(self):
        """Yield ``(height, width, 3) uint8`` RGB frames, a fresh array each.

        Raises
        ------
        FramescapeError
            If ffmpeg cannot read the movie; the message names the reason.
        """
        process, reader = self._start(subprocess.PIPE)
        frame_bytes = self.width * self.height * 3
        finished = False  # False too when the caller stops early: no error then
        try:
            while len(buffer := process.stdout.read(frame_bytes)) == frame_bytes:
                yield np.frombuffer(buffer, np.uint8).reshape(
                    self.height, self.width, 3
                )
            finished = True
        finally:
            process.stdout.close()
            self._finish(process, reader, check=finished)

    def check_complete(self, duration):
        """Fail when ffmpeg reported decode errors and stopped well short of ``duration``."""
        if not self.errors:
            return
        decoded = (self.times[-1] + 1 / self.fps) if self.times else 0.0
        if duration and decoded < 0.9 * duration:
            raise FramescapeError(
                f"truncated or damaged: decoded {decoded:.1f} s of {duration:.1f} s "
                f"(ffmpeg: {self.errors[0]})"
            )
        log.warning(
            "ffmpeg reported %d decode errors, e.g. %s",
            len(self.errors),
            self.errors[0],
        )


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
    staging = frames_dir.with_name(f".{frames_dir.name}.partial")
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
            with open(tmp_npy, "wb") as npy:
                npy.write(npy_header((0, height, width, 3)))
                npy.flush()
                decoder.write_to(npy, report)
                written = os.fstat(npy.fileno()).st_size - NPY_HEADER_SIZE
                count, partial = divmod(written, width * height * 3)
                if partial:
                    raise FramescapeError(
                        f"ffmpeg stopped inside a frame ({written} bytes)"
                    )
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
            times = decoder.times[:count]
            # showinfo prints one line a frame; if ffmpeg ever skips one, the
            # sampling grid is the best estimate left.
            times += [index / fps for index in range(len(times), count)]
            write_frames_tsv(frames_tsv, times)
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


def probe_step(source, output, file_name):
    """Rule ``probe_movie``: ``probe.json`` of one movie (see :func:`probe_movie`)."""
    probe = probe_movie(source)
    if probe["error"]:
        log.warning("%s: %s", file_name, probe["error"])
    else:
        log.info("%s: %s", file_name, probe)
    save_json(output, probe, indent=1)


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
    (:func:`framescape.resources.available_memory`); ``dense_max``, the config's
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
