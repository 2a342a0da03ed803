(i) => {
  const doc = Bokeh.documents[0];
  const plot = doc.get_model_by_name("map");
  const data = doc.get_model_by_name("frames").data;
  function find(view) {
    if (view.model === plot) return view;
    for (const child of view.child_views ?? []) {
      const found = find(child);
      if (found) return found;
    }
    return null;
  }
  const view = Object.values(Bokeh.index).map(find).find((found) => found);
  const canvas = view.canvas_view.el.getBoundingClientRect();
  return [
    canvas.left + view.frame.x_scale.compute(data.x[i]),
    canvas.top + view.frame.y_scale.compute(data.y[i]),
  ];
}
