// Cumulative line charts over time drawn with the vendored uPlot (static/vendor/uplot).
// Data come from the page (json_script, core/charts.py's shape) or a poll:
// {x: [epoch seconds], series: [{label, values}], span: [from, to] | null, labels: {x, empty}}.
(function () {
  "use strict";
  var COLOURS = ["#1f6fb2", "#d9822b", "#2e8540", "#a4262c", "#6b4fbb", "#00838f", "#8d6e63"];
  var LANG = document.documentElement.lang || "zh-Hans";
  var ZONE = "Asia/Shanghai";
  var numbers = new Intl.NumberFormat(LANG, { maximumFractionDigits: 2 });

  function dayLabel(epoch) {
    return new Date(epoch * 1000).toLocaleDateString(LANG, { month: "short", day: "numeric", timeZone: ZONE });
  }

  function timeLabel(epoch) {
    return new Date(epoch * 1000).toLocaleString(LANG, {
      month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: ZONE,
    });
  }

  // Wide enough for the longest tick label: uPlot's fixed 50 px clipped "10,000" to "0,000".
  function axisSize(self, values, axisIdx) {
    if (!values) return 50;
    var axis = self.axes[axisIdx];
    var ctx = self.ctx;
    ctx.save();
    ctx.font = axis.font[0];
    var widest = values.reduce(function (w, v) { return Math.max(w, ctx.measureText(String(v)).width); }, 0);
    ctx.restore();
    return Math.ceil(widest / (window.devicePixelRatio || 1)) + axis.gap + axis.ticks.size + 4;
  }

  function spanOfDays(data) {
    var span = data.span || [data.x[0], data.x[data.x.length - 1]];
    return span[1] - span[0] > 2 * 86400;
  }

  function options(el, data) {
    var byDay = spanOfDays(data);
    var labels = data.labels || {};
    return {
      width: Math.max(el.clientWidth, 300),
      height: 260,
      scales: {
        x: { time: true, range: data.span ? function () { return data.span; } : undefined },
        // Always from zero: a line starting near 800 made 10 more look like a doubling.
        y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } },
      },
      axes: [
        { values: function (u, ticks) { return ticks.map(byDay ? dayLabel : timeLabel); } },
        { size: axisSize, values: function (u, ticks) { return ticks.map(function (t) { return numbers.format(t); }); } },
      ],
      series: [{
        label: labels.x || "",
        value: function (u, v) { return v == null ? "" : (byDay ? dayLabel(v) : timeLabel(v)); },
      }].concat(
        data.series.map(function (s, i) {
          return {
            label: s.label,
            stroke: COLOURS[i % COLOURS.length],
            width: 2,
            value: function (u, v) { return v == null ? "" : numbers.format(v); },
          };
        })
      ),
    };
  }

  function columns(data) {
    return [data.x].concat(data.series.map(function (s) { return s.values; }));
  }

  function empty(el, data) {
    if (el._plot) { el._plot.destroy(); el._plot = null; el._plotLabels = null; }
    el.textContent = "";
    var note = document.createElement("p");
    note.className = "muted chart-empty";
    note.textContent = (data.labels && data.labels.empty) || "";
    el.appendChild(note);
    return null;
  }

  // Draws once, then only updates the data; a new set of series rebuilds the chart.
  function draw(el, data) {
    if (!window.uPlot || !el) return null;
    if (!data.x.length) return empty(el, data);
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
  function cumulative(names, points, scale, extra) {
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
    return { x: xs, series: series, span: (extra && extra.span) || null, labels: (extra && extra.labels) || {} };
  }

  window.PortalCharts = { draw: draw, cumulative: cumulative };

  // Static charts: <div data-chart="id-of-json-script"> with core/charts.py's shape inside.
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source) return;
    var raw = JSON.parse(source.textContent);
    draw(el, cumulative(raw.names, raw.points, raw.scale, raw));
  });
})();
