/* Place by map: a pin that fills a form's latitude and longitude, and on a team's form
 * the precincts it covers.
 *
 * <div data-map="place" data-latitude="ID" data-longitude="ID" data-status="ID"
 *      [data-precinct-select="ID"] [data-coverage]>
 * A tap (or click) on the map puts the pin there, and dragging it moves it; both write
 * the point into the two inputs, which stay on the form for anyone who would rather
 * type (typing moves the pin). With data-coverage, the buttons [data-map-mode] choose
 * what a tap does: place the base, or add or remove the precinct tapped, ticking its
 * box among the form's input[type=checkbox][name=precincts] (or, on a form that still
 * lists precincts as text, its number in input[name=precincts]).
 */
(function () {
  "use strict";

  var M = window.CoResponseMaps;
  var L = window.L;
  if (!M || !L) return;
  var CHOSEN = { fillColor: "#2a7f62", fillOpacity: 0.75, color: "#1d6b4b", weight: 2 };

  function number(input, low, high) {
    if (!input || input.value.trim() === "") return null;
    var value = Number(input.value);
    return isFinite(value) && value >= low && value <= high ? value : null;
  }

  function setValue(input, value) {
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  /* The precincts the form covers, and how to tick one: checkboxes, else a text list. */
  function Coverage(form) {
    this.form = form;
  }

  Coverage.prototype.boxes = function () {
    return this.form.querySelectorAll('input[type="checkbox"][name="precincts"]');
  };

  Coverage.prototype.text = function () {
    return this.form.querySelector('input[name="precincts"]:not([type="checkbox"])');
  };

  Coverage.prototype.precincts = function () {
    var chosen = {};
    var boxes = this.boxes();
    if (boxes.length) {
      boxes.forEach(function (box) {
        if (box.checked) chosen[M.precinctCode(box.value)] = true;
      });
    } else if (this.text()) {
      this.text().value.split(/[,;\s]+/).forEach(function (part) {
        var code = M.precinctCode(part);
        if (code) chosen[code] = true;
      });
    }
    return chosen;
  };

  /* Add or remove a precinct; true when it is now covered, null when the form has no
   * place for it. */
  Coverage.prototype.toggle = function (code) {
    var box = this.form.querySelector(
      'input[type="checkbox"][name="precincts"][value="' + code + '"]'
    );
    if (box) {
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
      return box.checked;
    }
    var text = this.text();
    if (!text) return null;
    var chosen = this.precincts();
    var now = !chosen[code];
    if (now) chosen[code] = true; else delete chosen[code];
    var codes = Object.keys(chosen).sort(function (a, b) { return a - b; });
    setValue(text, codes.join(", "));
    return now;
  };

  function setUp(element) {
    var form = element.closest("form") || document;
    var latitude = document.getElementById(element.getAttribute("data-latitude"));
    var longitude = document.getElementById(element.getAttribute("data-longitude"));
    var status = document.getElementById(element.getAttribute("data-status"));
    var select = document.getElementById(element.getAttribute("data-precinct-select") || "");
    var coverage = element.hasAttribute("data-coverage") ? new Coverage(form) : null;
    var modeBox = document.querySelector("[data-map-modes]");
    var modes = document.querySelectorAll("[data-map-mode]");
    if (!latitude || !longitude) return;

    M.create(element).then(function (view) {
      var marker = null;
      var writing = false;

      function say() {
        if (status) {
          status.textContent = "";
          for (var i = 0; i < arguments.length; i++) {
            var part = arguments[i];
            status.appendChild(typeof part === "string" ? document.createTextNode(part) : part);
          }
        }
      }

      function current() {
        var lat = number(latitude, -90, 90);
        var lng = number(longitude, -180, 180);
        return lat === null || lng === null ? null : L.latLng(lat, lng);
      }

      function describe(latlng) {
        var code = view.precinctAt(latlng);
        var where = code
          ? M.el("strong", null, M.precinctLabel(code))
          : M.el("strong", null, "outside every precinct: outside the program's area");
        say("Pin at " + latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5) + ": ", where, ".");
        if (select && code) {
          var option = select.querySelector('option[value="' + code + '"]');
          if (option && select.value !== code) setValue(select, code);
        }
      }

      function put(latlng, typed) {
        if (!marker) {
          marker = L.marker(latlng, {
            draggable: true,
            autoPan: true,
            title: element.getAttribute("data-pin-title") || "The point",
            alt: element.getAttribute("data-pin-title") || "The point",
          }).addTo(view.map);
          marker.on("dragend", function () { put(marker.getLatLng(), false); });
        } else {
          marker.setLatLng(latlng);
        }
        if (!typed) {
          // The fields' change events are the pin's own doing: not a point typed.
          writing = true;
          setValue(latitude, latlng.lat.toFixed(6));
          setValue(longitude, latlng.lng.toFixed(6));
          writing = false;
        }
        describe(latlng);
        element.setAttribute("data-pin", latlng.lat.toFixed(6) + "," + latlng.lng.toFixed(6));
      }

      function mode() {
        var pressed = document.querySelector('[data-map-mode][aria-pressed="true"]');
        return pressed ? pressed.getAttribute("data-map-mode") : "place";
      }

      function reshade() {
        if (!coverage) return;
        var precincts = coverage.precincts();
        view.shadeAll(function (code) { return precincts[code] ? CHOSEN : null; });
      }

      view.map.on("click", function (event) {
        if (coverage && mode() === "coverage") {
          var code = view.precinctAt(event.latlng);
          if (!code) {
            say("That point is outside every precinct.");
            return;
          }
          var now = coverage.toggle(code);
          if (now === null) return;
          reshade();
          say(M.el("strong", null, M.precinctLabel(code)),
            now ? " added to the precincts covered." : " removed from the precincts covered.");
          return;
        }
        put(event.latlng, false);
      });

      [latitude, longitude].forEach(function (input) {
        input.addEventListener("change", function () {
          if (writing) return;
          var point = current();
          if (point && (!marker || !marker.getLatLng().equals(point))) {
            put(point, true);
            view.map.panTo(point);
          }
        });
      });

      if (coverage && modeBox) modeBox.hidden = false;
      modes.forEach(function (button) {
        button.addEventListener("click", function () {
          modes.forEach(function (other) {
            other.setAttribute("aria-pressed", other === button ? "true" : "false");
          });
          element.setAttribute("data-mode", button.getAttribute("data-map-mode"));
        });
      });

      if (coverage) {
        form.addEventListener("change", reshade);
        form.addEventListener("input", reshade);
        reshade();
      }
      var start = current();
      if (start) {
        put(start, true);
        // Streets need tiles: on the precincts alone a closer view shows nothing more.
        view.map.setView(start, view.tiled ? 16 : 13, { animate: false });
      } else {
        say("Tap the map where the point is, then drag the pin to adjust it.");
      }
      view.ready();
    }).catch(function () { /* base.js has said so on the map */ });
  }

  document.querySelectorAll('[data-map="place"]').forEach(setUp);
})();
