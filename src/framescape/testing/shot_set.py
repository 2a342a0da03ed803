"""The shot benchmark's set (``benchmarks/shots.py``): edited movies drawn by
:mod:`framescape.testing.edits` from real footage at 640 × 360 and 25 fps,
each with what it tests, and two copies at other frame rates at a low
bitrate. ``QUICK`` names the part CI runs: ``mix`` (every kind of transition
and event once) and its copy at 30 fps.

Hard cuts join different places and similar-looking ones (one street's
shots, crops of one shot going on in time, parts of one photograph); jump
cuts skip 1.4 to 2 s of one source (cuts, in one group); dissolves last 0.4
to 2 s; fades go through black, one through white; wipes go in the four
directions; shots last down to 5 frames; flashes (1 to 4 frames),
occlusions (objects crossing most of the frame for 6 to 14 frames), whip
pans and camera shake are no transition; one movie is letterboxed."""

from framescape.testing.edits import (
    CUT,
    Camera,
    Flash,
    Movie,
    Occlusion,
    Piece,
    Reencode,
    dissolve,
    fade,
    pan,
    still,
    wipe,
)

LOW_BITRATE = ("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p")
LOW_BITRATE += ("-b:v", "250k", "-maxrate", "250k", "-bufsize", "500k")
WHITE, RED, BLUE, LIGHT = (255, 255, 255), (150, 30, 30), (20, 40, 140), (205, 200, 190)


def whip(frames, at, steps, x0, x1, y=0.5, zoom=2.0):
    """A still window that whips from ``x0`` to ``x1`` in ``steps`` frames from ``at``."""
    return Camera(
        (
            (0, x0, y, zoom),
            (at, x0, y, zoom),
            (at + steps, x1, y, zoom),
            (frames, x1, y, zoom),
        )
    )


MIX = Movie(
    "mix",
    "every kind once: cut, dissolve, fade, wipe, jump cut, an 8-frame shot, "
    "flash, occlusion, whip pan, shake",
    (
        Piece("bunny", 50, 0, pan(50, (0.3, 0.5, 1.3), (0.6, 0.5, 1.3))),
        CUT,
        Piece("bikes-1", 40, 0, still(), (Flash(8, 3),)),
        dissolve(20),
        Piece("china", 75, 0, pan(75, (0.1, 0.6, 1.6), (0.6, 0.4, 1.6))),
        fade(24),
        Piece("bikes-2", 61, 0, still(), (Occlusion(30, 10),)),
        wipe(15, "right"),
        Piece("hopper", 50, 0, pan(50, (0.5, 0.1, 1.3), (0.5, 0.6, 1.3))),
        CUT,
        Piece("bikes-5", 8),
        CUT,
        Piece("carphone", 35, 0, still(0.5, 0.3)),
        CUT,
        Piece("carphone", 30, 70, still(0.5, 0.3)),
        CUT,
        Piece("flower", 45, 0, whip(45, 15, 8, 0.0, 1.0)),
        CUT,
        Piece(
            "bikes-4",
            50,
            0,
            pan(50, (0.5, 0.5, 1.4), (0.5, 0.5, 1.4), ((12, 30, 0.04),), 1),
        ),
        CUT,
        Piece("bunny", 45, 85, still(0.7, 0.5, 1.6)),
    ),
)
CUTS = Movie(
    "cuts",
    "hard cuts: different places, one street's shots, crops of one shot, jump "
    "cuts (1.4 and 2 s skipped), shots of 6, 8 and 12 frames",
    (
        Piece("bikes-1", 46, 0, still(0.3)),
        CUT,
        Piece("bikes-2", 40, 0, still()),
        CUT,
        Piece("bikes-2", 21, 40, still(0.8, 0.4, 1.6)),
        CUT,
        Piece("bikes-4", 30, 0, still()),
        CUT,
        Piece("bikes-0", 12, 0, still()),
        CUT,
        Piece("bunny", 40, 0, still(0.2, 0.5, 1.4)),
        CUT,
        Piece("bunny", 42, 90, still(0.2, 0.5, 1.4)),
        CUT,
        Piece("china", 50, 0, pan(50, (0.2, 0.3, 1.3), (0.5, 0.3, 1.3))),
        CUT,
        Piece("bikes-3", 6, 20, still()),
        CUT,
        Piece("flower", 40, 0, pan(40, (0.5, 0.5, 1.0), (0.5, 0.5, 1.5))),
        CUT,
        Piece("carphone", 35, 0, still(0.5, 0.3)),
        CUT,
        Piece("carphone", 30, 70, still(0.5, 0.3)),
        CUT,
        Piece("bikes-5", 8),
        CUT,
        Piece("hopper", 50, 0, pan(50, (0.5, 0.1, 1.2), (0.5, 0.5, 1.2))),
        CUT,
        Piece("hopper", 30, 0, still(0.5, 0.7, 2.0)),
        CUT,
        Piece("china", 30, 0, still(0.8, 0.5, 2.2)),
        CUT,
        Piece("bikes-3", 24, 26, still()),
    ),
)
SIMILAR = Movie(
    "similar",
    "cuts between look-alikes: one street's shots, crops of one shot going on "
    "in time (wide, close, aside), parts of one photograph; a dissolve",
    (
        Piece("bikes-1", 46, 0, still()),
        CUT,
        Piece("bikes-2", 30, 0, still()),
        CUT,
        Piece("bikes-4", 30, 0, still()),
        CUT,
        Piece("bikes-2", 31, 30, still(0.2, 0.5, 1.5)),
        CUT,
        Piece("bunny", 45, 0, still()),
        CUT,
        Piece("bunny", 45, 45, still(0.3, 0.6, 2.0)),
        CUT,
        Piece("bunny", 42, 90, still(0.9, 0.3, 1.6)),
        CUT,
        Piece("china", 40, 0, still(0.1, 0.5, 1.8)),
        CUT,
        Piece("china", 40, 0, still(0.9, 0.5, 1.8)),
        dissolve(15),
        Piece("flower", 50, 0, still(0.3, 0.4, 1.5)),
        CUT,
        Piece("flower", 40, 0, still(0.7, 0.6, 1.5)),
        CUT,
        Piece("hopper", 40, 0, still(0.5, 0.2)),
        CUT,
        Piece("hopper", 40, 0, still(0.5, 0.5, 2.0)),
        CUT,
        Piece("carphone", 50, 0, still(0.5, 0.3)),
        CUT,
        Piece("carphone", 49, 51, still(0.4, 0.2, 1.6)),
        CUT,
        Piece("bikes-3", 50, 0, still()),
    ),
)
DISSOLVES = Movie(
    "dissolves",
    "dissolves of 10 to 50 frames (0.4 to 2 s) and a cut",
    (
        Piece("bunny", 60, 0, still(0.5, 0.5, 1.2)),
        dissolve(10),
        Piece("china", 70, 0, pan(70, (0.0, 0.5, 1.4), (0.6, 0.5, 1.4))),
        dissolve(30),
        Piece("bikes-2", 61, 0, still()),
        dissolve(15),
        Piece("flower", 90, 0, pan(90, (0.5, 0.5, 1.0), (0.5, 0.5, 1.4))),
        dissolve(50),
        Piece("carphone", 95, 0, still(0.5, 0.3)),
        dissolve(20),
        Piece("hopper", 70, 0, pan(70, (0.5, 0.0, 1.2), (0.5, 0.4, 1.2))),
        CUT,
        Piece("bikes-4", 55, 0, still()),
        dissolve(40),
        Piece("bunny", 72, 60, still(0.7, 0.5, 1.5)),
        dissolve(25),
        Piece("bikes-1", 46, 0, still()),
    ),
)
FADES = Movie(
    "fades",
    "fades through black of 12 to 40 frames, one through white; flashes of 2 "
    "and 4 frames inside shots",
    (
        Piece("bikes-1", 46, 0, still()),
        fade(12),
        Piece(
            "china", 70, 0, pan(70, (0.2, 0.5, 1.3), (0.6, 0.5, 1.3)), (Flash(30, 2),)
        ),
        fade(25),
        Piece("bunny", 75, 0, still(0.4, 0.5, 1.3)),
        fade(40),
        Piece("hopper", 75, 0, pan(75, (0.5, 0.2, 1.3), (0.5, 0.6, 1.3))),
        fade(20, WHITE),
        Piece("bikes-4", 55, 0, still()),
        CUT,
        Piece("flower", 60, 0, still(0.5, 0.5, 1.2), (Flash(20, 4),)),
        fade(30),
        Piece("carphone", 80, 0, still(0.5, 0.3)),
        CUT,
        Piece("bikes-2", 40, 10, still(), (Flash(15, 2),)),
    ),
)
WIPES = Movie(
    "wipes",
    "wipes left to right, right to left, top to bottom and bottom to top, of "
    "10 to 25 frames, and a cut",
    (
        Piece("bunny", 50, 0, still(0.5, 0.5, 1.2)),
        wipe(15, "right"),
        Piece("bikes-2", 50, 0, still()),
        wipe(20, "left"),
        Piece("china", 60, 0, pan(60, (0.3, 0.5, 1.3), (0.6, 0.5, 1.3))),
        wipe(12, "down"),
        Piece("carphone", 50, 0, still(0.5, 0.3)),
        CUT,
        Piece("flower", 50, 0, still(0.4, 0.5, 1.3)),
        wipe(25, "up"),
        Piece("bikes-4", 50, 0, still()),
        wipe(10, "right"),
        Piece("hopper", 50, 0, pan(50, (0.5, 0.3, 1.2), (0.5, 0.6, 1.2))),
    ),
)
FALSE_ALARMS = Movie(
    "false_alarms",
    "flashes of 1 to 3 frames, occlusions of 6 to 14 frames (dark, red, blue, "
    "light), whip pans and tilts, camera shake; cuts between",
    (
        Piece("bikes-1", 46, 0, still(), (Flash(10, 2), Occlusion(25, 12))),
        CUT,
        Piece("bikes-2", 61, 0, still(), (Occlusion(20, 8, RED, -1), Flash(45, 3))),
        CUT,
        Piece("china", 75, 0, whip(75, 20, 8, 0.0, 1.0)),
        CUT,
        Piece(
            "bunny",
            90,
            0,
            pan(90, (0.5, 0.5, 1.5), (0.5, 0.5, 1.5), ((20, 50, 0.04),), 1),
            (Occlusion(65, 14),),
        ),
        CUT,
        Piece(
            "hopper",
            60,
            0,
            Camera(((0, 0.5, 0.0, 1.5), (25, 0.5, 0.0, 1.5), (31, 0.5, 1.0, 1.5))),
        ),
        CUT,
        Piece(
            "bikes-4",
            55,
            0,
            pan(55, (0.5, 0.5, 1.4), (0.5, 0.5, 1.4), ((5, 40, 0.05),), 2),
            (Flash(45, 2),),
        ),
        CUT,
        Piece("flower", 60, 0, still(0.5, 0.5, 1.2), (Occlusion(20, 6, BLUE),)),
        CUT,
        Piece(
            "carphone", 90, 0, still(0.5, 0.3), (Flash(30, 1), Occlusion(55, 10, LIGHT))
        ),
    ),
)
SHORT = Movie(
    "short_shots",
    "a montage of shots of 5 to 25 frames, cuts and one 8-frame dissolve",
    (
        Piece("bikes-0", 10),
        CUT,
        Piece("bikes-1", 6, 10),
        CUT,
        Piece("bunny", 15, 0, still(0.5, 0.5, 1.2)),
        CUT,
        Piece("bikes-2", 5),
        CUT,
        Piece("china", 12, 0, still(0.3, 0.5, 1.3)),
        CUT,
        Piece("bikes-3", 8),
        CUT,
        Piece("flower", 20, 0, still(0.5, 0.5, 1.2)),
        CUT,
        Piece("bikes-4", 7),
        CUT,
        Piece("hopper", 25, 0, still(0.5, 0.3, 1.2)),
        CUT,
        Piece("carphone", 9, 0, still(0.5, 0.3)),
        CUT,
        Piece("bikes-5", 5),
        CUT,
        Piece("bunny", 24, 60, still(0.5, 0.5, 1.2)),
        dissolve(8),
        Piece("china", 24, 0, still(0.8, 0.4, 2.0)),
        CUT,
        Piece("bikes-1", 12, 30),
        CUT,
        Piece("flower", 5, 0, still(0.2, 0.5, 2.0)),
        CUT,
        Piece("carphone", 15, 40, still(0.5, 0.3)),
        CUT,
        Piece("bikes-2", 25, 30),
    ),
)
LETTERBOXED = Movie(
    "letterboxed",
    "2.35:1 in 16:9, black bars: cuts, a fade through black, a dissolve, a "
    "wipe, a flash",
    (
        Piece("bikes-1", 46),
        CUT,
        Piece("bunny", 60, 0, still(0.5, 0.5, 1.0)),
        fade(20),
        Piece("china", 60, 0, pan(60, (0.3, 0.5, 1.2), (0.6, 0.5, 1.2))),
        dissolve(20),
        Piece("bikes-4", 55, 0, still(), (Flash(20, 3),)),
        wipe(15, "right"),
        Piece("hopper", 50, 0, pan(50, (0.5, 0.3, 1.0), (0.5, 0.5, 1.0))),
        CUT,
        Piece("bikes-2", 40),
        CUT,
        Piece("flower", 40),
    ),
    letterbox=2.35,
)
SET = (
    MIX,
    Reencode("mix_30fps", "mix at 30 fps, 250 kb/s", "mix", "30", LOW_BITRATE),
    CUTS,
    SIMILAR,
    DISSOLVES,
    Reencode(
        "dissolves_23976",
        "dissolves at 23.976 fps, 250 kb/s",
        "dissolves",
        "24000/1001",
        LOW_BITRATE,
    ),
    FADES,
    WIPES,
    FALSE_ALARMS,
    SHORT,
    LETTERBOXED,
)
QUICK = ("mix", "mix_30fps")
