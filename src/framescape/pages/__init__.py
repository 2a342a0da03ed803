"""What people look at: each movie's static plots (PNG) and viewer
(``results/<movie>.html``), the index (``results/index.html``) and the folder
map's page (``results/collection.html``).

Pages are Bokeh documents (scatter, hover, box and lasso selection, widgets) put
into Jinja2 templates (``templates/``, autoescaped: every value is text unless a
template marks it safe, which only Bokeh's own HTML is). BokehJS and the pages'
few functions (``assets/framescape.js``: smooth switching, timeline, thumbnails
when zoomed, nearest frames, CSV export, the marks of reused footage, the
shots under the timeline and the map's colourings — what Bokeh has no model
for; ``assets/collection.js`` for the folder map) are copied
once into ``results/_viewer/``, with a manifest naming the Bokeh they came from.
The pages open from the file system or any static web server, with no network.

A page stays small and quick for long movies (``benchmarks/viewer.py``): the
maps' coordinates are whole numbers of 16 bits in Bokeh's binary arrays, a
numbered picture name is rebuilt from its frame's place, and what a page needs
only later comes in scripts of their own beside it, loaded when first asked
for: ``<movie>/nearest.js`` (each frame's nearest frames, at the first click)
and ``<movie>/thumbnails.js`` (the pictures, when zoomed in). The map is drawn
on a 2-D canvas, not WebGL: where WebGL is drawn in software (no GPU, a virtual
machine, a headless browser), drawing one picture of 50,000 points and their
path took longer than the canvas page takes to load whole (docs/performance.md,
"The viewer").

- :mod:`~framescape.pages.toolkit`: what every page shares;
- :mod:`~framescape.pages.viewer`, :mod:`~framescape.pages.index`,
  :mod:`~framescape.pages.collection`: the pages;
- :mod:`~framescape.pages.reuse`: what the pages show of reused footage;
- :mod:`~framescape.pages.shots`: what they show of a movie's shots;
- :mod:`~framescape.pages.plots`, :mod:`~framescape.pages.pictures`: the static
  pictures."""
