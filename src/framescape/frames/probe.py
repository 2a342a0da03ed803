"""A movie's header, read by ffmpeg before anything is decoded: size, frame rate,
duration and rotation into ``probe.json`` (rule ``probe_movie``); the path of
the bundled ffmpeg binary and the line of its complaint that tells a user what
is wrong."""


import os
import re
import warnings

import imageio_ffmpeg

from framescape.common import (
    log,
    save_json,
)

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


def probe_step(source, output, file_name):
    """Rule ``probe_movie``: ``probe.json`` of one movie (see :func:`probe_movie`)."""
    probe = probe_movie(source)
    if probe["error"]:
        log.warning("%s: %s", file_name, probe["error"])
    else:
        log.info("%s: %s", file_name, probe)
    save_json(output, probe, indent=1)
