/* Draw each report chart from the data table beside it (Chart.js, vendored).
 *
 * A chart is a <figure data-chart="line|bar|hbar|funnel"> holding a <canvas> and the
 * <table> it shows: the first column labels the points, each other column is a
 * series, and each cell's data-value is the number (empty where a small count is
 * suppressed, drawn as a gap). The table stays the record: it is what prints, what
 * a screen reader reads and what the CSV holds; the chart only draws it.
 */
(function () {
  "use strict";

  var COLOURS = ["#1f5f8b", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#4a5568"];

  function number(cell) {
    var raw = cell.getAttribute("data-value");
    if (raw === null || raw === "") return null;
    var value = Number(raw);
    return isFinite(value) ? value : null;
  }

  // A long name on a sideways chart, in lines of about 20 characters (Chart.js draws an
  // array as several lines) rather than cut off at the chart's edge.
  function wrap(label) {
    var lines = [], line = "";
    label.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > 20) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) lines.push(line);
    return lines.length > 1 ? lines : label;
  }

  function readTable(table) {
    var headers = Array.prototype.map.call(
      table.tHead.rows[0].cells, function (th) { return th.textContent.trim(); }
    );
    var labels = [];
    var series = headers.slice(1).map(function (name) { return { label: name, data: [] }; });
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      labels.push(row.cells[0].textContent.trim());
      series.forEach(function (s, i) { s.data.push(number(row.cells[i + 1])); });
    });
    return { labels: labels, series: series };
  }

  function draw(figure) {
    var table = figure.querySelector("table");
    var canvas = figure.querySelector("canvas");
    if (!table || !canvas || !window.Chart) return;
    var kind = figure.getAttribute("data-chart");
    var unit = figure.getAttribute("data-unit") || "";
    var data = readTable(table);
    // Funnels and bars by group run sideways: long names (a race, a precinct) stay level.
    var horizontal = kind === "funnel" || kind === "hbar";
    var datasets = data.series.map(function (s, i) {
      var colour = COLOURS[i % COLOURS.length];
      return {
        label: s.label,
        data: s.data,
        borderColor: colour,
        backgroundColor: kind === "line" ? colour : colour + "cc",
        spanGaps: false,
        tension: 0,
      };
    });
    var valueAxis = {
      beginAtZero: true,
      ticks: { callback: function (v) { return v + unit; } },
    };
    if (unit === "%") valueAxis.suggestedMax = 100;
    if (horizontal) {
      // A bar's height, not the chart's, is fixed: 77 precincts get a taller chart.
      var lines = data.labels.map(wrap).reduce(function (n, l) { return n + (Array.isArray(l) ? l.length : 1); }, 0);
      var perBar = 14 * datasets.length + 8;
      canvas.parentNode.style.height = Math.max(200, Math.max(lines * 14, data.labels.length * perBar) + 60) + "px";
    }
    new window.Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: { labels: horizontal ? data.labels.map(wrap) : data.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: datasets.length > 1 } },
        // Every group named: the chart grows to fit them (above) instead of skipping some.
        scales: horizontal ? { x: valueAxis, y: { ticks: { autoSkip: false } } } : { y: valueAxis },
      },
    });
    figure.classList.add("chart-drawn");
  }

  document.querySelectorAll("figure[data-chart]").forEach(draw);
})();
