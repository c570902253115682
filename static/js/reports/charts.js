/* Draw each report chart from the data table beside it (Chart.js, vendored).
 *
 * A chart is a <figure data-chart="line|bar|funnel"> holding a <canvas> and the
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
    var horizontal = kind === "funnel";
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
    new window.Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: horizontal ? { x: valueAxis } : { y: valueAxis },
      },
    });
    figure.classList.add("chart-drawn");
  }

  document.querySelectorAll("figure[data-chart]").forEach(draw);
})();
