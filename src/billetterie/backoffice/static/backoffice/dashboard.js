/* The dashboard's chart: money kept and paid orders per day, drawn with uPlot (vendored) from the
   figures the page wrote in <script type="application/json" id="sales-data">. The same figures
   are in the table under the chart, for screen readers and browsers without JavaScript. */
(function () {
  "use strict";
  var source = document.getElementById("sales-data");
  var box = document.getElementById("sales-chart");
  if (!source || !box || typeof window.uPlot === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "fr";
  var money = new Intl.NumberFormat(lang, { style: "currency", currency: data.currency || "EUR" });
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var xs = data.labels.map(function (label, i) { return i; });
  var height = 300;

  function width() {
    return Math.max(260, box.clientWidth - 16);
  }
  function label(i) {
    return i === Math.round(i) && data.labels[i] !== undefined ? data.labels[i] : "";
  }

  var options = {
    width: width(),
    height: height,
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } },
      eur: { range: function (u, min, max) { return [Math.min(0, min), Math.max(1, max * 1.1)]; } },
      n: { range: function (u, min, max) { return [0, Math.max(1, Math.ceil(max * 1.1))]; } }
    },
    axes: [
      { incrs: [1, 2, 7, 14, 28, 56, 91], space: 70, values: function (u, splits) { return splits.map(label); } },
      { scale: "eur", size: 90, values: function (u, splits) { return splits.map(function (v) { return money.format(v); }); } },
      { scale: "n", side: 1, size: 50, grid: { show: false },
        values: function (u, splits) { return splits.map(function (v) { return v === Math.round(v) ? whole.format(v) : ""; }); } }
    ],
    series: [
      { label: data.names.day, value: function (u, i) { return i == null ? "" : label(i); } },
      { label: data.names.kept, scale: "eur", stroke: "#1f5fbf", fill: "rgba(31, 95, 191, 0.35)", width: 1,
        paths: window.uPlot.paths.bars({ size: [0.7, 48] }), points: { show: false },
        value: function (u, v) { return v == null ? "" : money.format(v); } },
      { label: data.names.orders, scale: "n", stroke: "#9a5b00", width: 2, points: { show: true, size: 5 },
        value: function (u, v) { return v == null ? "" : whole.format(v); } }
    ]
  };
  var chart = new window.uPlot(options, [xs, data.kept, data.orders], box);
  var pending = 0;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () { chart.setSize({ width: width(), height: height }); }, 150);
  });
})();
