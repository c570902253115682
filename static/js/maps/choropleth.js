/* The outcomes by precinct on a map: each precinct coloured by one measure of the
 * table under the map, which stays the record (it prints, it is read aloud).
 *
 * <div data-map="choropleth" data-table="ID" data-status="ID" data-legend="ID">
 * The table's rows carry data-precinct; each cell its data-value (empty where a small
 * count is hidden, with data-suppressed), exactly as the suppressed tables show it:
 * a hidden cell is drawn grey, never guessed. A precinct without a row had no
 * referral in the range: 0 for a count, nothing to show for a percentage.
 */
(function () {
  "use strict";

  var M = window.CoResponseMaps;
  var L = window.L;
  if (!M || !L) return;
  var BINS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  var HIDDEN = { fillColor: "#c9ced6", fillOpacity: 0.9, color: "#6b7480", weight: 1, dashArray: "3 3" };
  var ZERO = { fillColor: "#ffffff", fillOpacity: 1 };

  function readTable(table) {
    var headers = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) {
      return { label: th.textContent.trim(), unit: th.getAttribute("data-unit") || "" };
    }).slice(1);
    var rows = {};
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var code = M.precinctCode(row.getAttribute("data-precinct"));
      if (!code || !/^[0-9]+$/.test(row.getAttribute("data-precinct") || "")) return;
      rows[code] = Array.prototype.slice.call(row.cells, 1).map(function (cell) {
        var raw = cell.getAttribute("data-value");
        var value = raw === null || raw === "" ? null : Number(raw);
        return {
          value: value !== null && isFinite(value) ? value : null,
          hidden: cell.hasAttribute("data-suppressed"),
          text: cell.textContent.trim(),
        };
      });
    });
    return { headers: headers, rows: rows };
  }

  /* Five classes: fixed fifths for a percentage; for a count, equal steps (rounded
   * to 1, 2 or 5 times a power of ten) from 11, the smallest count ever shown, up to
   * the largest shown. */
  function breaks(values, unit) {
    if (unit === "%") return [20, 40, 60, 80];
    var top = Math.max.apply(null, values.concat([15]));
    var raw = Math.max(1, (top - 11) / 5);
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * power; }).filter(function (s) { return s >= raw; })[0];
    step = Math.ceil(step);
    return [1, 2, 3, 4].map(function (k) { return 11 + k * step; });
  }

  function bin(value, edges) {
    for (var i = 0; i < edges.length; i++) if (value < edges[i]) return i;
    return edges.length;
  }

  function setUp(element) {
    var table = document.getElementById(element.getAttribute("data-table"));
    var status = document.getElementById(element.getAttribute("data-status"));
    var legend = document.getElementById(element.getAttribute("data-legend"));
    var controls = element.parentNode.querySelector("[data-map-measures]");
    if (!table) return;
    var data = readTable(table);

    // Precincts answer the pointer here (their value in a tooltip).
    M.create(element, { interactive: true }).then(function (view) {
      var buttons = [];

      function describe(code, column) {
        var header = data.headers[column];
        var row = data.rows[code];
        if (!row) return header.unit === "%" ? "no referrals in the range" : "0";
        var cell = row[column];
        if (cell.hidden) return "fewer than 11 (hidden)";
        return cell.value === null ? "nothing to show" : cell.text;
      }

      function show(column) {
        var header = data.headers[column];
        var shown = Object.keys(data.rows).map(function (code) { return data.rows[code][column]; })
          .filter(function (cell) { return cell.value !== null && !cell.hidden; })
          .map(function (cell) { return cell.value; });
        var edges = breaks(shown, header.unit);
        view.shadeAll(function (code) {
          var row = data.rows[code];
          if (!row) return header.unit === "%" ? null : ZERO;
          var cell = row[column];
          if (cell.hidden) return HIDDEN;
          if (cell.value === null) return null;
          if (cell.value === 0 && header.unit !== "%") return ZERO;
          return { fillColor: BINS[bin(cell.value, edges)], fillOpacity: 0.9 };
        });
        Object.keys(view.precincts).forEach(function (code) {
          var layer = view.precincts[code].layer;
          layer.unbindTooltip();
          layer.bindTooltip(M.text(M.precinctLabel(code) + ": " + describe(code, column)), {
            sticky: true, className: "precinct-value",
          });
        });
        legend.textContent = "";
        var unit = header.unit;
        var lower = unit === "%" ? 0 : 11;
        edges.concat([null]).forEach(function (edge, i) {
          var text = edge === null ? lower + unit + " or more"
            : unit === "%" ? lower + "–" + edge + "%"
            : edge - 1 === lower ? String(lower) : lower + "–" + (edge - 1);
          legend.appendChild(M.el("li", null, M.el("span", { class: "swatch bin-" + i }), " " + text));
          lower = edge;
        });
        legend.appendChild(M.el("li", null, M.el("span", { class: "swatch hidden-cell" }), " fewer than 11 (hidden)"));
        legend.appendChild(M.el("li", null, M.el("span", { class: unit === "%" ? "swatch none" : "swatch zero" }),
          unit === "%" ? " nothing to show" : " none"));
        buttons.forEach(function (button, i) { button.setAttribute("aria-pressed", i === column ? "true" : "false"); });
        status.textContent = "Coloured by: " + header.label + ".";
        element.setAttribute("data-measure", String(column));
      }

      if (controls) {
        data.headers.forEach(function (header, i) {
          var button = M.el("button", { type: "button", class: "button small", "aria-pressed": "false",
            "aria-controls": element.id }, header.label);
          button.addEventListener("click", function () { show(i); });
          controls.appendChild(button);
          buttons.push(button);
        });
        controls.hidden = false;
      }
      show(0);
      view.ready();
    }).catch(function () { /* base.js has said so on the map */ });
  }

  document.querySelectorAll('[data-map="choropleth"]').forEach(setUp);
})();
