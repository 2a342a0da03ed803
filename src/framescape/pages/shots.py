"""What the pages show of a movie's shots (``results/<movie>/shots.tsv``, the
shot stage): the figures people quote, the colour barcode and the files made
of the shots, on the index's card.

Every part is there only while the movie's ``shots.tsv`` is: a movie the
stage left out, or a run without the stage, gets its pages without them."""


from pathlib import Path

from framescape.shots.table import load_shots, shot_figures

# What the index's card links to, under results/<movie>/, in its order.
SHOT_FILES = (
    ("shots.tsv", "shots.tsv"),
    ("shots.edl", "EDL"),
    ("shots.otio", "OTIO"),
    ("chapters.vtt", "chapters"),
    ("plots/cutting_rate.png", "cutting rate"),
)
BARCODE = "plots/barcode.png"


def read_shots(results, movie):
    """The movie's :class:`~framescape.shots.table.Shot` rows, or None while
    it has no ``shots.tsv``."""
    path = Path(results, movie, "shots.tsv")
    return load_shots(path) if path.is_file() else None


def shot_facts(shots):
    """The figures people quote, as the pages show them: ``["42 shots",
    "average 8.7 s", "median 6.1 s"]``
    (:func:`~framescape.shots.table.shot_figures`)."""
    figures = shot_figures(shots)
    count = figures["shots"]
    if not count:
        return ["no shots"]
    return [
        f"{count} shot{'s' if count != 1 else ''}",
        f"average {figures['average_seconds']:.1f} s",
        f"median {figures['median_seconds']:.1f} s",
    ]


def shot_card(results, movie):
    """What the index's card shows of a movie's shots: ``{"facts", "barcode",
    "files": [{"label", "link"}]}`` with links relative to ``results`` to the
    files that exist; None while the movie has no ``shots.tsv``."""
    shots = read_shots(results, movie)
    if shots is None:
        return None
    barcode = Path(results, movie, BARCODE)
    return {
        "facts": shot_facts(shots),
        "barcode": f"{movie}/{BARCODE}" if barcode.is_file() else None,
        "files": [
            {"label": label, "link": f"{movie}/{name}"}
            for name, label in SHOT_FILES
            if Path(results, movie, name).is_file()
        ],
    }
