"""One ffmpeg decode of a movie (:class:`MovieDecoder`): the filter graph that
samples its first video stream at ``fps`` and splits the frames into the
metrics' ``frame_width``×``frame_height`` raw ``rgb24`` frames, read from a pipe,
and the PNGs at the movie's display aspect; each frame's time from ffmpeg's
``showinfo`` lines."""


import os
import re
import subprocess
import threading

import ffmpeg
import numpy as np

from framescape.common import (
    FramescapeError,
    log,
)
from framescape.frames.probe import LINE_PREFIX, ffmpeg_exe, ffmpeg_reason

SHOWINFO_TIME = re.compile(r"Parsed_showinfo.*\bpts_time:\s*(-?[\d.e+-]+)")
DECODE_ERROR = re.compile(r"\[(error|fatal|panic)\] ")


def sampled_video(path, fps, threads=1):
    """The movie's first video stream, decoded on ``threads`` and sampled at ``fps``
    (ffmpeg's ``fps=`` filter; ``None``: every frame as decoded, at the movie's
    own rate): an ffmpeg-python stream."""
    video = ffmpeg.input(os.fspath(path), threads=threads)["v:0"]
    return video if fps is None else video.filter("fps", fps)


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
        step = 1 / self.fps if self.fps else 0.0
        decoded = (self.times[-1] + step) if self.times else 0.0
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
