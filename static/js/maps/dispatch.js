/* Dispatch: the person's point, each candidate team's base (numbered by rank) and the
 * coverage of one team at a time (the first, until another is chosen).
 *
 * <div data-map="dispatch" data-source="ID of a JSON data block" data-status="ID">
 * The data block: {person: {point, label, precinct} | null, teams: [{id, rank, name,
 * base, precincts, dispatchable}]}. The ranked list on the page is the map's
 * text alternative; its buttons [data-map-team] choose the team shown.
 */
(function () {
  "use strict";

  var M = window.CoResponseMaps;
  var L = window.L;
  if (!M || !L) return;
  var COVERED = { fillColor: "#f2c14e", fillOpacity: 0.55, color: "#b7791f", weight: 1.5 };
  var PERSON = {
    radius: 11, color: "#ffffff", weight: 3, fillColor: "#c05621", fillOpacity: 1,
    className: "person-pin",
  };

  function setUp(element) {
    var data = JSON.parse(document.getElementById(element.getAttribute("data-source")).textContent);
    var status = document.getElementById(element.getAttribute("data-status"));
    var buttons = document.querySelectorAll("[data-map-team]");

    M.create(element).then(function (view) {
      var bases = {};
      var points = [];

      function show(team) {
        var precincts = {};
        team.precincts.forEach(function (code) { precincts[M.precinctCode(code)] = true; });
        view.shadeAll(function (code) { return precincts[code] ? COVERED : null; });
        Object.keys(bases).forEach(function (id) {
          var icon = bases[id].getElement();
          if (icon) icon.classList.toggle("selected", String(id) === String(team.id));
        });
        var covers = [];
        if (team.precincts.length) covers.push("precincts " + team.precincts.join(", "));
        var text = "Coverage shown: " + team.rank + ". " + team.name + ", " +
          (covers.length ? "covering " + covers.join("; ") : "covering nothing yet");
        if (!team.base) text += "; its base has no location";
        status.textContent = text + ".";
        element.setAttribute("data-shown-team", String(team.id));
      }

      if (data.person) {
        var here = L.latLng(data.person.point[0], data.person.point[1]);
        L.circleMarker(here, PERSON).addTo(view.map)
          .bindTooltip(M.text("The person: " + (data.person.label || "last known address")), { direction: "top" });
        points.push(here);
      }
      // Drawn lowest rank last, so the best team's base is on top.
      data.teams.slice().reverse().forEach(function (team) {
        if (!team.base) return;
        var marker = L.marker(team.base, {
          icon: M.numberedIcon(team.rank, "base"),
          title: team.rank + ". " + team.name,
          alt: team.rank + ". " + team.name + ": base",
          riseOnHover: true,
        }).addTo(view.map);
        marker.on("click", function () { show(team); });
        bases[team.id] = marker;
      });
      data.teams.slice(0, 3).forEach(function (team) {
        if (team.base) points.push(L.latLng(team.base[0], team.base[1]));
      });

      buttons.forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () {
          var id = button.getAttribute("data-map-team");
          var team = data.teams.filter(function (t) { return String(t.id) === id; })[0];
          if (!team) return;
          show(team);
          element.scrollIntoView({ block: "center" });
        });
      });

      view.fit(points, 14);
      if (data.teams.length) show(data.teams[0]);
      view.ready();
    }).catch(function () { /* base.js has said so on the map */ });
  }

  document.querySelectorAll('[data-map="dispatch"]').forEach(setUp);
})();
