/*
 * The folder map's points and paths drawn as one picture of the view: an RGBA
 * image of the plot's frame, a pixel for each of the screen's, shown by
 * Bokeh's image_rgba glyph (`v.raster`) under the points' own glyph. That
 * glyph has no colour, so BokehJS paints none of it; it serves the hover, the
 * click and the selection tools. BokehJS paints markers one at a time: a
 * million take seconds on a 2-D canvas, and longer with WebGL drawn in
 * software, where this picture takes a fraction of a second
 * (benchmarks/collection_page.py). Called by collection.js with `v`, the
 * page's shared models and values: colours (each movie's "#rrggbb"), size
 * (a point's diameter in CSS pixels, as its glyph's for the hover).
 */
(function () {
  "use strict";

  const FADED = 0.2; // a point outside a selection: this much colour, the rest white
  const PATH = 0.3; // a path's colour over what lies under it
  const RING = "#d62728"; // the ring around a selected point

  /* "#rrggbb" at `alpha` over white as one opaque pixel (bytes R, G, B, A). */
  function pixel(hex, alpha = 1) {
    const value = parseInt(hex.slice(1), 16);
    const [r, g, b] = [value >> 16, (value >> 8) & 255, value & 255].map((c) =>
      Math.round(c * alpha + 255 * (1 - alpha)),
    );
    return new Uint32Array(new Uint8Array([r, g, b, 255]).buffer)[0];
  }

  /* A disc `diameter` pixels across and the ring one pixel wide at its edge,
     each as (dx, dy) pairs of pixels from the pixel corner nearest the
     point, their centre. */
  function stamps(diameter) {
    const radius = diameter / 2;
    const disc = [];
    const ring = [];
    const reach = Math.ceil(radius + 1);
    for (let dy = -reach; dy < reach; dy++) {
      for (let dx = -reach; dx < reach; dx++) {
        const distance = Math.hypot(dx + 0.5, dy + 0.5);
        if (distance <= radius) {
          disc.push(dx, dy);
        }
        if (distance > radius - 1 && distance <= radius + 0.5) {
          ring.push(dx, dy);
        }
      }
    }
    return { disc: Int32Array.from(disc), ring: Int32Array.from(ring), reach };
  }

  /* An empty picture of the data box `box` (x0 … x1, y0 … y1) at `width` ×
     `height` pixels, row 0 at the bottom as image_rgba draws it. */
  function picture(box, width, height) {
    return {
      pixels: new Uint32Array(width * height),
      width,
      height,
      box,
      kx: width / (box.x1 - box.x0),
      ky: height / (box.y1 - box.y0),
    };
  }

  /* `shape` (pairs of offsets) at the point of each frame `indices` lists
     (null: every frame), in `colourOf(i)`; NaN coordinates (a hidden
     movie's) draw nothing. */
  function stampPoints(image, x, y, indices, colourOf, shape, reach) {
    const { pixels, width, height, box, kx, ky } = image;
    const count = indices === null ? x.length : indices.length;
    for (let k = 0; k < count; k++) {
      const i = indices === null ? k : indices[k];
      const c = Math.round((x[i] - box.x0) * kx);
      const r = Math.round((y[i] - box.y0) * ky);
      // NaN fails every comparison.
      if (!(c >= -reach && c < width + reach && r >= -reach && r < height + reach)) {
        continue;
      }
      const colour = colourOf(i);
      const inside = c >= reach && c < width - reach && r >= reach && r < height - reach;
      for (let s = 0; s < shape.length; s += 2) {
        const cc = c + shape[s];
        const rr = r + shape[s + 1];
        if (inside || (cc >= 0 && cc < width && rr >= 0 && rr < height)) {
          pixels[rr * width + cc] = colour;
        }
      }
    }
  }

  /* `colour` ({r, g, b}) at PATH over the pixel at `at`; over white where
     nothing is yet (`colour.onWhite`, worked out once). */
  function blend(pixels, at, colour) {
    const under = pixels[at];
    if (under === 0) {
      pixels[at] = colour.onWhite;
      return;
    }
    const r = under & 255;
    const g = (under >>> 8) & 255;
    const b = (under >>> 16) & 255;
    pixels[at] =
      (0xff000000 |
        ((b + (colour.b - b) * PATH) << 16) |
        ((g + (colour.g - g) * PATH) << 8) |
        (r + (colour.r - r) * PATH)) >>>
      0;
  }

  /* A line one pixel wide from (c0, r0) to (c1, r1) (in pixels, fractions
     kept), the part inside the picture only (Liang–Barsky clipping). */
  function line(image, c0, r0, c1, r1, colour) {
    const { pixels, width, height } = image;
    const dc = c1 - c0;
    const dr = r1 - r0;
    let t0 = 0;
    let t1 = 1;
    const edges = [-dc, c0, dc, width - c0, -dr, r0, dr, height - r0];
    for (let e = 0; e < 8; e += 2) {
      const p = edges[e];
      const q = edges[e + 1];
      if (p === 0 && q < 0) {
        return;
      }
      if (p < 0) {
        t0 = Math.max(t0, q / p);
      } else if (p > 0) {
        t1 = Math.min(t1, q / p);
      }
    }
    if (!(t0 <= t1)) {
      return;
    }
    const steps = Math.ceil(Math.max(Math.abs(dc), Math.abs(dr)) * (t1 - t0));
    let last = -1;
    for (let s = 0; s <= steps; s++) {
      const t = steps === 0 ? t0 : t0 + ((t1 - t0) * s) / steps;
      const c = Math.floor(c0 + dc * t);
      const r = Math.floor(r0 + dr * t);
      const at = r * width + c;
      // Rounding may leave a clipped end a hair outside.
      if (at !== last && c >= 0 && c < width && r >= 0 && r < height) {
        blend(pixels, at, colour);
        last = at;
      }
    }
  }

  /* Each shown movie's path through its frames in order, in its colour
     ("#rrggbb"): movie m's frames are starts[m] … starts[m + 1] - 1. */
  function drawPaths(image, x, y, starts, hexes, shown) {
    const { box, kx, ky } = image;
    for (let m = 0; m + 1 < starts.length; m++) {
      if (!shown(m)) {
        continue;
      }
      const value = parseInt(hexes[m].slice(1), 16);
      const colour = { r: value >> 16, g: (value >> 8) & 255, b: value & 255 };
      colour.onWhite = pixel(hexes[m], PATH);
      for (let i = starts[m]; i + 1 < starts[m + 1]; i++) {
        const c0 = (x[i] - box.x0) * kx;
        const r0 = (y[i] - box.y0) * ky;
        const c1 = (x[i + 1] - box.x0) * kx;
        const r1 = (y[i + 1] - box.y0) * ky;
        if (Number.isFinite(c0 + r0 + c1 + r1)) {
          line(image, c0, r0, c1, r1, colour);
        }
      }
    }
  }

  /* The plot's frame: its data box and its size in the screen's pixels. */
  function frameOf(plot) {
    const view = Bokeh.index.find_one(plot);
    const ratio = window.devicePixelRatio || 1;
    const box = {
      x0: plot.x_range.start,
      x1: plot.x_range.end,
      y0: plot.y_range.start,
      y1: plot.y_range.end,
    };
    const { width, height } = view.frame.bbox;
    return { box, ratio, width: Math.round(width * ratio), height: Math.round(height * ratio) };
  }

  /* Draw the frames at `x`, `y` (NaN: not drawn) into v.raster: each shown
     movie's path when `paths.shown(m)` is given (movie m's frames are
     `paths.starts[m]` …), then every point in its movie's colour; with a
     selection, the others faded and the selected ones on top, ringed. */
  function paint(v, x, y, paths) {
    const frame = frameOf(v.plot);
    // A map not on screen (its section hidden, e.g. out of date) has no
    // pixels to draw.
    if (frame.width === 0 || frame.height === 0) {
      return;
    }
    const image = picture(frame.box, frame.width, frame.height);
    const colours = v.colours.map((hex) => pixel(hex));
    if (paths !== null) {
      drawPaths(image, x, y, paths.starts, v.colours, paths.shown);
    }
    const { disc, ring, reach } = stamps(v.size * frame.ratio);
    const movie = v.source.data.movie;
    const selected = v.source.selected.indices;
    if (selected.length === 0) {
      stampPoints(image, x, y, null, (i) => colours[movie[i]], disc, reach);
    } else {
      // Every point faded, then the selected ones over them.
      const faded = v.colours.map((hex) => pixel(hex, FADED));
      stampPoints(image, x, y, null, (i) => faded[movie[i]], disc, reach);
      const inOrder = Int32Array.from(selected).sort();
      stampPoints(image, x, y, inOrder, (i) => colours[movie[i]], disc, reach);
      const red = pixel(RING);
      stampPoints(image, x, y, inOrder, () => red, ring, reach);
    }
    const { ndarray } = Bokeh.require("core/util/ndarray");
    const { box } = frame;
    v.raster.data = {
      image: [ndarray(image.pixels, { shape: [image.height, image.width] })],
      x: [box.x0],
      y: [box.y0],
      dw: [box.x1 - box.x0],
      dh: [box.y1 - box.y0],
    };
  }

  window.raster = { paint };
})();
