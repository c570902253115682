/* Providers on a map: the directory (data-url, JSON of this site) or the nearest
 * providers of a kind to a person (data-source, a data block), numbered as listed.
 *
 * The data: {home: {point, label} | null, providers: [{id, rank, name, kind, address,
 * phone, languages, accepting, active, point, distance}]}. The directory's table, or
 * the list of nearest providers, is the map's text alternative. A tap on a provider
 * shows its name, kind, address and phone.
 */
(function () {
  "use strict";

  var M = window.CoResponseMaps;
  var L = window.L;
  if (!M || !L) return;
  var HOME = { radius: 11, color: "#ffffff", weight: 3, fillColor: "#c05621", fillOpacity: 1 };
  var TAKING = { radius: 8, color: "#ffffff", weight: 1.5, fillColor: "#2f855a", fillOpacity: 0.95 };
  var NOT_TAKING = { radius: 7, color: "#ffffff", weight: 1.5, fillColor: "#a0aec0", fillOpacity: 0.95 };

  function card(p) {
    return M.el("div", null,
      M.el("p", null, M.el("strong", null, (p.rank ? p.rank + ". " : "") + p.name)),
      M.el("p", { class: "muted" }, p.kind),
      p.address ? M.el("p", null, p.address) : null,
      p.phone ? M.el("p", null, p.phone) : null,
      p.languages ? M.el("p", { class: "muted" }, p.languages) : null,
      p.distance ? M.el("p", null, p.distance) : null,
      M.el("p", null, M.el("span", { class: p.accepting ? "badge ok" : "badge warn" },
        p.accepting ? "Taking referrals" : "Not taking referrals")));
  }

  function draw(view, element, data) {
    var points = [];
    if (data.home) {
      var here = L.latLng(data.home.point[0], data.home.point[1]);
      L.circleMarker(here, Object.assign({ className: "person-pin" }, HOME)).addTo(view.map)
        .bindTooltip(M.text("The person: " + (data.home.label || "address")), { direction: "top" });
      points.push(here);
    }
    var drawn = 0;
    data.providers.slice().reverse().forEach(function (p) {
      if (!p.point) return;
      var latlng = L.latLng(p.point[0], p.point[1]);
      var marker = p.rank
        ? L.marker(latlng, {
          icon: M.numberedIcon(p.rank, "provider" + (p.accepting ? "" : " closed")),
          title: p.rank + ". " + p.name,
          alt: p.rank + ". " + p.name,
          riseOnHover: true,
        })
        : L.circleMarker(latlng, Object.assign({ className: "provider-pin" }, p.accepting ? TAKING : NOT_TAKING));
      marker.addTo(view.map).bindPopup(card(p));
      if (!p.rank) marker.bindTooltip(M.text(p.name), { direction: "top" });
      points.push(latlng);
      drawn += 1;
    });
    element.setAttribute("data-pins", String(drawn));
    view.fit(points, 15);
    return drawn;
  }

  function setUp(element) {
    var status = document.getElementById(element.getAttribute("data-status") || "");
    var block = element.getAttribute("data-source");
    var data = block
      ? Promise.resolve(JSON.parse(document.getElementById(block).textContent))
      : fetch(element.getAttribute("data-url"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      }).then(function (response) {
        if (!response.ok) throw new Error("providers: HTTP " + response.status);
        return response.json();
      });
    Promise.all([M.create(element), data]).then(function (results) {
      var drawn = draw(results[0], element, results[1]);
      if (status) {
        status.textContent = drawn
          ? drawn + " provider" + (drawn === 1 ? "" : "s") + " on the map" +
            (results[1].limited ? " (the first of many: choose a kind to see fewer)." : ".")
          : "No provider the filter finds has a location to show.";
      }
      results[0].ready();
    }).catch(function () {
      if (status) status.textContent = "The providers could not be loaded. The table below lists them.";
    });
  }

  document.querySelectorAll('[data-map="providers"]').forEach(setUp);
})();
