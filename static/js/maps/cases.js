/* The map of open cases, and the list of them under it (the map's text alternative).
 *
 * <div data-map="cases" data-source="URL" data-teams="ID" [data-team="TEAM ID"]
 *      data-list="ID" data-summary="ID">
 * The cases come from data-source (JSON of this site, audited there; rows of its
 * "fields", unpacked below): name, case,
 * address, team, first contact and point, nothing clinical. A tap on a pin opens the
 * case; several cases at one point (a ZIP code's centre) open a list of them to choose
 * from. With data-team, that team's coverage (from the data block data-teams) is drawn.
 */
(function () {
  "use strict";

  var M = window.CoResponseMaps;
  var L = window.L;
  if (!M || !L) return;
  // Past this many pins, a canvas draws them (thousands of SVG elements pan slowly).
  var CANVAS_FROM = 1000;
  var OPEN = { color: "#ffffff", weight: 1.5, fillColor: "#1f5f8b", fillOpacity: 0.9, radius: 7 };
  var OVERDUE = { color: "#1b2430", weight: 3, fillColor: "#c53030", fillOpacity: 0.95, radius: 10 };
  var TEAM_AREA = { fillColor: "#f2c14e", fillOpacity: 0.55, color: "#b7791f", weight: 1.5 };

  function groupByPoint(cases) {
    var groups = {};
    var order = [];
    cases.forEach(function (c) {
      if (c.latitude === null || c.longitude === null) return;
      var key = c.latitude.toFixed(5) + "," + c.longitude.toFixed(5);
      if (!groups[key]) {
        groups[key] = [];
        order.push(key);
      }
      groups[key].push(c);
    });
    return order.map(function (key) { return groups[key]; });
  }

  function tooltip(group) {
    var first = group[0];
    var box = M.el("div", { class: "map-tooltip" });
    if (group.length === 1) {
      box.appendChild(M.el("strong", null, first.name));
      box.appendChild(M.el("span", null, "Case #" + first.id + " · " + (first.address || "")));
      box.appendChild(M.el("br"));
      box.appendChild(M.el("span", null, first.when));
    } else {
      box.appendChild(M.el("strong", null, group.length + " cases here"));
      box.appendChild(M.el("span", null, first.address || ""));
    }
    return box;
  }

  function chooser(group) {
    var list = M.el("ul");
    group.forEach(function (c) {
      list.appendChild(M.el("li", null,
        M.el("a", { href: c.url }, c.name + " · case #" + c.id + (c.overdue ? " · overdue" : ""))));
    });
    return M.el("div", null, M.el("p", null, M.el("strong", null, group.length + " cases at this point")), list);
  }

  function drawTeam(view, team) {
    var precincts = {};
    team.precincts.forEach(function (code) { precincts[M.precinctCode(code)] = true; });
    view.shadeAll(function (code) { return precincts[code] ? TEAM_AREA : null; });
    if (team.base) {
      L.marker(team.base, {
        icon: M.numberedIcon("B", "base"),
        title: team.name + ": base",
        alt: team.name + ": base",
        keyboard: false,
      }).addTo(view.map);
    }
  }

  function listTable(cases) {
    var body = M.el("tbody");
    cases.forEach(function (c) {
      var person = M.el("td", { "data-label": "Person" }, M.el("a", { href: c.url }, M.el("strong", null, c.name)));
      if (c.overdue) person.appendChild(document.createTextNode(" "));
      if (c.overdue) person.appendChild(M.el("span", { class: "badge danger" }, "Overdue"));
      var where = (c.address || "—") + (c.precinct ? " · " + c.precinct + " Pct" : "");
      var placed = c.latitude === null ? "not on the map: no location" : c.approximate ? "approximate point" : "";
      body.appendChild(M.el("tr", { "data-case": c.id },
        person,
        M.el("td", { "data-label": "Case" }, "#" + c.id),
        M.el("td", { "data-label": "Where" }, where, placed ? M.el("br") : null,
          placed ? M.el("span", { class: "muted" }, placed) : null),
        M.el("td", { "data-label": "Team" }, c.team || "—"),
        M.el("td", { "data-label": "First contact" }, c.when)));
    });
    return M.el("table", { class: "list map-list" },
      M.el("thead", null, M.el("tr", null,
        M.el("th", { scope: "col" }, "Person"), M.el("th", { scope: "col" }, "Case"),
        M.el("th", { scope: "col" }, "Where"), M.el("th", { scope: "col" }, "Team"),
        M.el("th", { scope: "col" }, "First contact"))),
      body);
  }

  // The pins arrive as rows of data.fields (compact: a supervisor's map holds thousands),
  // each team's name once and the case's address as a pattern around its id.
  function unpack(data) {
    var fields = data.fields;
    return data.cases.map(function (row) {
      var c = {};
      fields.forEach(function (name, i) { c[name] = row[i]; });
      c.url = data.case_url[0] + c.id + data.case_url[1];
      c.team = c.team_id === null ? null : data.teams[String(c.team_id)] || null;
      return c;
    });
  }

  function summaryText(data) {
    var parts = [data.count + " open case" + (data.count === 1 ? "" : "s")];
    if (data.overdue) parts.push(data.overdue + " past the first-contact deadline");
    if (data.unplaced) parts.push(data.unplaced + " without a location (listed, not on the map)");
    return parts.join(" · ") + ".";
  }

  function setUp(element) {
    var teams = JSON.parse(document.getElementById(element.getAttribute("data-teams")).textContent);
    var teamId = element.getAttribute("data-team");
    var list = document.getElementById(element.getAttribute("data-list"));
    var summary = document.getElementById(element.getAttribute("data-summary"));
    var pins = fetch(element.getAttribute("data-source"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("cases: HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      data.cases = unpack(data);
      return data;
    });

    pins.then(function (data) {
      summary.textContent = summaryText(data);
      if (data.cases.length) list.appendChild(listTable(data.cases));
    }).catch(function () {
      summary.textContent = "The cases could not be loaded. Reload the page to try again.";
    });

    Promise.all([M.create(element), pins]).then(function (results) {
      var view = results[0];
      var data = results[1];
      var team = teams.filter(function (t) { return String(t.id) === teamId; })[0];
      if (team) drawTeam(view, team);
      var renderer = data.cases.length >= CANVAS_FROM ? L.canvas({ padding: 0.3 }) : L.svg();
      var points = [];
      var groups = groupByPoint(data.cases);
      // Overdue pins drawn last, so none hides under an open one.
      var overdueFirst = function (group) { return group.some(function (c) { return c.overdue; }) ? 1 : 0; };
      groups.sort(function (a, b) { return overdueFirst(a) - overdueFirst(b); });
      groups.forEach(function (group) {
        var overdue = group.some(function (c) { return c.overdue; });
        var approximate = group.every(function (c) { return c.approximate; });
        var style = Object.assign({}, overdue ? OVERDUE : OPEN, {
          renderer: renderer,
          className: "case-pin" + (overdue ? " case-pin-overdue" : "") +
            (group.length > 1 ? " case-pin-several" : ""),
        });
        if (approximate) Object.assign(style, { fillOpacity: 0.45, dashArray: "3 2" });
        var latlng = L.latLng(group[0].latitude, group[0].longitude);
        var marker = L.circleMarker(latlng, style).addTo(view.map);
        marker.bindTooltip(tooltip(group), { direction: "top", offset: [0, -8] });
        if (group.length === 1) {
          marker.on("click", function () { window.location.assign(group[0].url); });
        } else {
          marker.bindPopup(chooser(group));
        }
        points.push(latlng);
      });
      element.setAttribute("data-pins", String(points.length));
      if (team && team.base) points.push(L.latLng(team.base[0], team.base[1]));
      view.fit(points, 15);
      view.ready();
    }).catch(function () { /* said on the map or in the summary */ });
  }

  document.querySelectorAll('[data-map="cases"]').forEach(setUp);
})();
