/* CoResponse maps: what every map shares (Leaflet, vendored).
 *
 * A map is a <div data-map="kind"> whose data-* attributes say where its base layer
 * comes from: data-boundaries, the precinct boundaries (GeoJSON, this site); and, when
 * the deployment has a tile server, data-tiles (a Leaflet URL template) and
 * data-attribution (plain text). Without tiles the precincts are the base layer, so a
 * map needs nothing from any other site. The page's own script for that kind of map
 * (place.js, cases.js, ...) calls CoResponseMaps.create(element) and draws on the map
 * it gets. Nothing here writes inline styles or HTML strings with data in them: the CSP
 * forbids the first, and the second is how a name would become markup.
 */
(function () {
  "use strict";

  var L = window.L;
  // New York City, with a margin; the view never wanders further than MAX_BOUNDS.
  var NYC = [[40.49, -74.27], [40.92, -73.69]];
  var MAX_BOUNDS = [[40.2, -74.7], [41.2, -73.2]];
  var LABEL_ZOOM = 11.5;
  // The boundary file's borough names (in any case or spacing) as the app's codes.
  var BOROUGH_CODES = { manhattan: "MN", bronx: "BX", brooklyn: "BK", queens: "QN", statenisland: "SI" };
  var BASE_STYLE = { color: "#7d8794", weight: 1, opacity: 0.9, fillColor: "#f3efe6", fillOpacity: 1 };
  var TILED_STYLE = { color: "#4a5563", weight: 1, opacity: 0.6, dashArray: "4 3", fillOpacity: 0 };
  var requests = {};

  function boundaries(url) {
    if (!requests[url]) {
      requests[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("precinct boundaries: HTTP " + response.status);
        return response.json();
      });
    }
    return requests[url];
  }

  function boroughCode(name) {
    return BOROUGH_CODES[String(name || "").toLowerCase().replace(/[^a-z]/g, "")] || null;
  }

  function precinctCode(raw) {
    var digits = String(raw || "").replace(/[^0-9]/g, "");
    return digits ? String(parseInt(digits, 10)) : null;
  }

  function precinctLabel(code) {
    var n = parseInt(code, 10);
    var suffix = n % 100 >= 10 && n % 100 <= 20 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th";
    return n + suffix + " Precinct";
  }

  // Even-odd ray casting over the rings of a polygon ([lng, lat] pairs, holes included).
  function inRing(x, y, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  function contains(geometry, latlng) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.some(function (rings) {
      var inside = false;
      rings.forEach(function (ring) {
        if (inRing(latlng.lng, latlng.lat, ring)) inside = !inside;
      });
      return inside;
    });
  }

  /* A DOM element: el("a", {href: url}, "text", child...). Text is always text. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== null && attrs[name] !== undefined && attrs[name] !== false) {
        node.setAttribute(name, attrs[name] === true ? "" : attrs[name]);
      }
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === "") continue;
      node.appendChild(typeof child === "string" || typeof child === "number"
        ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  /* Text for a tooltip or popup: Leaflet writes a string there as HTML, an element as
   * it is, so names and addresses always go in as elements. */
  function text(value) {
    return el("span", null, String(value));
  }

  function textAsHtml(text) {
    var holder = document.createElement("span");
    holder.textContent = text;
    return holder.innerHTML;
  }

  /* A numbered square or round marker (team bases, providers) built from elements. */
  function numberedIcon(text, className) {
    return L.divIcon({
      className: "map-marker " + className,
      html: el("span", null, String(text)),
      iconSize: [28, 28],
      iconAnchor: [14, 14],
      popupAnchor: [0, -14],
      tooltipAnchor: [14, 0],
    });
  }

  function MapView(element, map, tiled) {
    this.element = element;
    this.map = map;
    this.tiled = tiled;
    this.precincts = {}; // code -> {feature, layer, borough}
  }

  MapView.prototype.baseStyle = function () {
    return this.tiled ? TILED_STYLE : BASE_STYLE;
  };

  /* The precinct a point falls in, or null outside every one (the program's area). */
  MapView.prototype.precinctAt = function (latlng) {
    var codes = Object.keys(this.precincts);
    for (var i = 0; i < codes.length; i++) {
      var entry = this.precincts[codes[i]];
      if (entry.layer.getBounds().contains(latlng) && contains(entry.feature.geometry, latlng)) {
        return codes[i];
      }
    }
    return null;
  };

  /* Colour one precinct (a Leaflet path style over the base style); null restores it. */
  MapView.prototype.shade = function (code, style) {
    var entry = this.precincts[code];
    if (!entry) return;
    entry.layer.setStyle(Object.assign({}, this.baseStyle(), style || {}));
    var path = entry.layer.getElement && entry.layer.getElement();
    if (path) path.classList.toggle("precinct-shaded", Boolean(style));
  };

  MapView.prototype.shadeAll = function (styleFor) {
    var view = this;
    Object.keys(this.precincts).forEach(function (code) {
      view.shade(code, styleFor(code, view.precincts[code]));
    });
  };

  /* Fit the view to these points (Leaflet LatLngs or [lat, lng]); NYC without any. */
  MapView.prototype.fit = function (points, maxZoom) {
    var valid = points.filter(function (p) { return p; });
    // The first view is set, not animated: the map is ready when it says so.
    if (!valid.length) {
      this.map.fitBounds(NYC, { animate: false });
    } else if (valid.length === 1) {
      this.map.setView(valid[0], maxZoom || 14, { animate: false });
    } else {
      this.map.fitBounds(L.latLngBounds(valid), { padding: [24, 24], maxZoom: maxZoom || 15, animate: false });
    }
  };

  MapView.prototype.ready = function () {
    this.element.classList.add("map-ready");
  };

  function failed(element, error) {
    element.classList.add("map-failed");
    element.textContent = "The map could not be drawn. The list on this page has the same information.";
    if (window.console) window.console.warn(error);
  }

  function create(element, options) {
    options = options || {};
    if (!L) {
      failed(element, new Error("Leaflet did not load"));
      return Promise.reject(new Error("Leaflet did not load"));
    }
    var tiles = element.getAttribute("data-tiles");
    var map = L.map(element, {
      maxBounds: MAX_BOUNDS,
      maxBoundsViscosity: 0.8,
      minZoom: 9,
      maxZoom: 18,
      zoomSnap: 0.5,
      preferCanvas: false,
    });
    map.fitBounds(NYC);
    map.attributionControl.addAttribution("Precincts: NYC Open Data");
    if (tiles) {
      L.tileLayer(tiles, {
        maxZoom: 19,
        attribution: textAsHtml(element.getAttribute("data-attribution") || ""),
      }).addTo(map);
    }
    element.classList.add(tiles ? "map-tiled" : "map-offline");
    var view = new MapView(element, map, Boolean(tiles));
    function labels() {
      element.classList.toggle("map-labels", map.getZoom() >= LABEL_ZOOM);
    }
    map.on("zoomend", labels);
    labels();
    return boundaries(element.getAttribute("data-boundaries")).then(function (data) {
      L.geoJSON(data, {
        interactive: Boolean(options.interactive),
        style: function () {
          return Object.assign({ className: "precinct" }, view.baseStyle());
        },
        onEachFeature: function (feature, layer) {
          var code = precinctCode(feature.properties && feature.properties.precinct);
          if (!code) return;
          view.precincts[code] = {
            feature: feature,
            layer: layer,
            borough: boroughCode(feature.properties.borough),
          };
          layer.bindTooltip(text(code), {
            permanent: true, direction: "center", className: "precinct-label", interactive: false,
          });
        },
      }).addTo(map);
      return view;
    }).catch(function (error) {
      map.remove();
      failed(element, error);
      throw error;
    });
  }

  window.CoResponseMaps = {
    create: create,
    el: el,
    text: text,
    numberedIcon: numberedIcon,
    precinctCode: precinctCode,
    precinctLabel: precinctLabel,
    boroughCode: boroughCode,
  };
})();
