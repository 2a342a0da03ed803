"""Progress of the libraries' long work, which logs none of its own: umap-learn's
layout and openTSNE's affinities take minutes at a few hundred thousand frames.

- :func:`watching` logs a line every 10 s while its block runs and nothing else
  reported progress in that time (``<what>: 1:20.0 so far``, and once work was
  counted, the time left it predicts: ``…, about 3:10.0 left``);
- :func:`umap_progress` does that around umap-learn's ``fit_transform``, and
  turns the epochs it counts (a tqdm bar, which umap-learn draws only when asked
  to) into :class:`framescape.common.Progress` lines with an estimate of the
  time left.

Nothing here changes what a job computes, so it is left out of the step-code
digest (:mod:`framescape.run.digest`), and so are the imports of this module and
the ``with`` lines that call it: adding progress to a step reruns nothing.
"""

import contextlib
import re
import threading
import time

from framescape.common import Progress, format_duration, log

EVERY = 10.0
# tqdm's bar as the epochs' writer reads it back: done and total.
BAR_FORMAT = "{n} {total}"
BAR_TEXT = re.compile(r"(\d+) (\d+)")


class Watch:
    """The state :func:`watching` shares with the work it watches: when progress
    was last reported, and by what."""

    def __init__(self, what, every=EVERY, clock=time.monotonic):
        self.what, self.every, self.clock = what, every, clock
        self.started = self.reported = clock()
        self.progress = None
        # The last count reported: (done, total, when).
        self.counted = None

    def __call__(self, done, total, unit):
        """Progress of the work (:class:`framescape.common.Progress`), timed
        from its first report: the time left is estimated from the counted work
        alone, not from what ran before it (UMAP's weights and start)."""
        now = self.clock()
        if self.progress is None:
            self.progress = Progress(self.what, self.every, self.clock)
        logged = self.progress.last
        self.progress(done, total, unit)
        # A count whose line Progress held back leaves the next line to beat().
        if self.progress.last != logged:
            self.reported = now
        self.counted = (done, total, now)

    def beat(self):
        """A line when nothing was reported for ``every`` s; once counts give a
        rate, timed as the progress lines are (from the first report), with the
        time left the last count predicts, less what has passed since."""
        now = self.clock()
        if now - self.reported < self.every:
            return
        self.reported = now
        done, total, when = self.counted or (0, None, now)
        # The time the counted work took so far: none, before a second count.
        counting = when - self.progress.started if self.progress else 0.0
        if not total or done <= 0 or counting <= 0:
            log.info("%s: %s so far", self.what, format_duration(now - self.started))
            return
        left = max(0.0, counting * (total - done) / done - (now - when))
        log.info(
            "%s: %s so far, about %s left",
            self.what,
            format_duration(now - self.progress.started),
            format_duration(left),
        )


@contextlib.contextmanager
def watching(what, every=None):
    """Log ``<what>: <time> so far`` every ``every`` s (:data:`EVERY`) while
    the block runs and nothing reports progress to the :class:`Watch` it
    yields."""
    every = EVERY if every is None else every
    watch = Watch(what, every)
    stop = threading.Event()

    def beat():
        while not stop.wait(max(every / 4, 0.01)):
            watch.beat()

    thread = threading.Thread(target=beat, name=f"progress of {what}", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        stop.set()
        thread.join()


class EpochsWriter:
    """The file umap-learn's tqdm bar writes to: each text it draws, read back as
    epochs done and in all, goes to a :class:`Watch`."""

    def __init__(self, watch):
        self.watch = watch

    def write(self, text):
        found = BAR_TEXT.search(text)
        if found:
            self.watch(int(found[1]), int(found[2]), "epochs")

    def flush(self):
        pass


@contextlib.contextmanager
def umap_progress(model, every=None):
    """Progress of ``model.fit_transform`` (umap-learn's UMAP): its epochs with
    an estimate of the time left, and a line every ``every`` s before them (the
    neighbours' weights, the start)."""
    with watching("UMAP", every) as watch:
        model.tqdm_kwds = {
            "disable": False,
            "file": EpochsWriter(watch),
            "bar_format": BAR_FORMAT,
            "mininterval": 1.0,
        }
        yield watch
