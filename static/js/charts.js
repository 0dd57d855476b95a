// Cumulative line charts over time drawn with the vendored uPlot (static/vendor/uplot).
// Data come from the page (json_script) or a poll: {x: [epoch seconds], series: [{label, values}]}.
(function () {
  "use strict";
  var COLOURS = ["#1f6fb2", "#d9822b", "#2e8540", "#a4262c", "#6b4fbb", "#00838f", "#8d6e63"];

  function options(el, data) {
    return {
      width: Math.max(el.clientWidth, 300),
      height: 260,
      scales: { x: { time: true } },
      series: [{}].concat(
        data.series.map(function (s, i) {
          return { label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2 };
        })
      ),
    };
  }

  function columns(data) {
    return [data.x].concat(data.series.map(function (s) { return s.values; }));
  }

  // Draws once, then only updates the data; a new set of series rebuilds the chart.
  function draw(el, data) {
    if (!window.uPlot || !el) return null;
    var labels = data.series.map(function (s) { return s.label; }).join("|");
    if (el._plot && el._plotLabels === labels) {
      el._plot.setData(columns(data));
      return el._plot;
    }
    if (el._plot) el._plot.destroy();
    el.textContent = "";
    el._plot = new window.uPlot(options(el, data), columns(data), el);
    el._plotLabels = labels;
    return el._plot;
  }

  // From counts per instant and series ([[epoch, seriesIndex, n]]) to running totals per series.
  // Money comes as whole fen with scale 100: summed as integers (exact), divided only to draw.
  function cumulative(names, points, scale) {
    var xs = [];
    var at = {};
    points.forEach(function (p) {
      if (!(p[0] in at)) { at[p[0]] = xs.length; xs.push(p[0]); }
    });
    var series = names.map(function (name) { return { label: name, values: xs.map(function () { return 0; }) }; });
    points.forEach(function (p) { series[p[1]].values[at[p[0]]] += p[2]; });
    series.forEach(function (s) {
      for (var i = 1; i < s.values.length; i++) s.values[i] += s.values[i - 1];
      if (scale) s.values = s.values.map(function (v) { return v / scale; });
    });
    return { x: xs, series: series };
  }

  window.PortalCharts = { draw: draw, cumulative: cumulative };

  // Static charts: <div data-chart="id-of-json-script"> with {names, points} inside.
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source) return;
    var raw = JSON.parse(source.textContent);
    draw(el, cumulative(raw.names, raw.points, raw.scale));
  });
})();
