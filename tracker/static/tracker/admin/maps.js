/*
 * Maps in the curation admin (Leaflet, served from our own static files).
 *
 * - Place and incident forms: a map beside the latitude/longitude fields. Clicking the map (or
 *   dragging the marker) fills the fields; typing in the fields moves the marker. The fields stay
 *   the keyboard way in: the map only shows and picks.
 * - Place forms: the zone geometry (GeoJSON) drawn on the map; "Draw a zone" adds a polygon's
 *   corners click by click, "Upload GeoJSON" reads a file; both write the geometry field.
 * - Incident list: the incidents of the current page of results, coloured by verdict.
 *
 * The tile server comes from the page (settings TRACKER_MAP_TILES_URL). With none configured (the
 * default, and any machine without internet), or when its tiles fail, the map draws the country
 * borders we serve ourselves (Natural Earth 1:50m via world-atlas, `make vendor`) under the
 * markers, so a curator can still see where a point is; `data-borders` on the map says whether
 * they are drawn.
 *
 * Data reaches the DOM only as text (textContent, elements built here): never an HTML string
 * (innerHTML, Leaflet's string tooltips and popups). The one HTML string Leaflet is given is the
 * tile attribution, which is the operator's setting, not data.
 */
(function () {
  "use strict";

  var COLOURS = { violation: "#b2182b", possible: "#ef8a62", not_violation: "#6b6b6b", none: "#2166ac" };
  var LABELS = { violation: "violation", possible: "possible violation", not_violation: "not a violation", none: "no verdict" };

  function config() {
    var node = document.getElementById("tracker-map-config");
    return node ? JSON.parse(node.textContent) : {};
  }

  function status(container, text) {
    var note = container.parentNode.querySelector(".tracker-map-status");
    if (note) note.textContent = text;
  }

  /* Country borders from our own static files, under the markers (a pane below the overlays). */
  function drawBorders(map, container, cfg) {
    if (!cfg.borders_url || !window.topojson || container.hasAttribute("data-borders")) return;
    container.setAttribute("data-borders", "loading");
    fetch(cfg.borders_url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("borders: HTTP " + response.status);
        return response.json();
      })
      .then(function (topology) {
        var pane = map.createPane("tracker-borders");
        pane.style.zIndex = 250; // above tiles (200), below overlays (400) and markers (600)
        pane.style.pointerEvents = "none";
        L.geoJSON(topojson.mesh(topology, topology.objects.countries), {
          pane: "tracker-borders",
          interactive: false,
          attribution: "Borders: Natural Earth",
          style: { color: "#7a7a7a", weight: 1, fill: false },
        }).addTo(map);
        container.setAttribute("data-borders", "drawn");
        drawAdmin1(map, container, cfg, topology);
      })
      .catch(function () {
        container.setAttribute("data-borders", "unavailable");
      });
  }

  /* First-level units (governorates, provinces) of the countries in view, from zoom 5 on: one
     small file per country (Natural Earth admin-1, `make vendor`), fetched once when the country
     first comes into view, drawn as dashed lines under the country borders. */
  function drawAdmin1(map, container, cfg, countries) {
    if (!cfg.admin1_index_url) return;
    var indexUrl = new URL(cfg.admin1_index_url, window.location.href);
    fetch(indexUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("admin-1 index: HTTP " + response.status);
        return response.json();
      })
      .then(function (index) {
        var pane = map.createPane("tracker-admin1");
        pane.style.zIndex = 240; // under the country borders (250)
        pane.style.pointerEvents = "none";
        var shapes = topojson.feature(countries, countries.objects.countries).features
          .filter(function (f) { return f.id && Object.prototype.hasOwnProperty.call(index, f.id); })
          .map(function (f) { return { id: f.id, bounds: L.geoJSON(f).getBounds() }; });
        var requested = {};
        var drawn = [];
        function inView() {
          if (map.getZoom() < 5) return; // at continental scale the country borders suffice
          var view = map.getBounds();
          shapes.forEach(function (shape) {
            if (requested[shape.id] || !shape.bounds.intersects(view)) return;
            requested[shape.id] = true;
            fetch(new URL(index[shape.id], indexUrl), { credentials: "same-origin" })
              .then(function (response) {
                if (!response.ok) throw new Error("admin-1: HTTP " + response.status);
                return response.json();
              })
              .then(function (topology) {
                var units = topology.objects[Object.keys(topology.objects)[0]];
                // Only the lines between two units: the country's outline is the other layer's.
                L.geoJSON(topojson.mesh(topology, units, function (a, b) { return a !== b; }), {
                  pane: "tracker-admin1",
                  interactive: false,
                  style: { color: "#9a9a9a", weight: 1, dashArray: "4 3", fill: false },
                }).addTo(map);
                drawn.push(shape.id);
                container.setAttribute("data-admin1", drawn.sort().join(" "));
              })
              .catch(function () { requested[shape.id] = false; });
          });
        }
        map.on("moveend", inView);
        inView();
      })
      .catch(function () {
        container.setAttribute("data-admin1", "unavailable");
      });
  }

  function baseMap(container, cfg) {
    var map = L.map(container, { scrollWheelZoom: false });
    if (cfg.tiles_url) {
      var failed = false;
      L.tileLayer(cfg.tiles_url, { attribution: cfg.tiles_attribution || "", maxZoom: 18 })
        .on("tileerror", function () {
          if (!failed) {
            failed = true;
            container.setAttribute("data-tiles", "unavailable");
            status(container, "The map background could not be loaded; country borders and markers are shown without it.");
            drawBorders(map, container, cfg);
          }
        })
        .addTo(map);
    } else {
      container.setAttribute("data-tiles", "off");
      drawBorders(map, container, cfg);
    }
    map.setView(cfg.center || [35.9, 36.6], cfg.zoom || 8);
    return map;
  }

  function mapBox(after, label, id) {
    var wrap = document.createElement("div");
    wrap.className = "form-row tracker-map-row";
    var box = document.createElement("div");
    box.id = id;
    box.className = "tracker-map";
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", label);
    var note = document.createElement("p");
    note.className = "help tracker-map-status";
    note.setAttribute("aria-live", "polite");
    wrap.appendChild(box);
    wrap.appendChild(note);
    after.parentNode.insertBefore(wrap, after.nextSibling);
    return box;
  }

  function number(input) {
    var value = parseFloat(input.value);
    return isNaN(value) ? null : value;
  }

  /* The point picker on a form with #id_latitude and #id_longitude. */
  function pointPicker(cfg) {
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    if (!lat || !lon) return null;
    // After the longitude (the later of the two rows on a place form): Tab goes from one
    // field to the other before it reaches the map.
    var row = lon.closest(".form-row") || lon.parentNode;
    var box = mapBox(row, "Map of the coordinates: click to set the latitude and longitude", "tracker-point-map");
    var map = baseMap(box, cfg);
    var marker = null;

    function place(latlng, pan) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: false, title: "The point" }).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng()); });
      } else {
        marker.setLatLng(latlng);
      }
      if (pan) map.setView(latlng, Math.max(map.getZoom(), 10), { animate: false });
    }

    function write(latlng) {
      lat.value = latlng.lat.toFixed(5);
      lon.value = latlng.lng.toFixed(5);
      lat.dispatchEvent(new Event("change", { bubbles: true }));
      status(box, "Point set to " + lat.value + ", " + lon.value + ".");
    }

    function read() {
      var y = number(lat), x = number(lon);
      if (y !== null && x !== null && Math.abs(y) <= 90 && Math.abs(x) <= 180) place([y, x], true);
    }

    map.on("click", function (event) {
      if (box.getAttribute("data-drawing") === "true") return;
      place(event.latlng, false);
      write(event.latlng);
    });
    lat.addEventListener("input", read);
    lon.addEventListener("input", read);
    read();
    return { map: map, box: box };
  }

  /* The zone of a place: shown, drawn corner by corner, or uploaded as GeoJSON. */
  function zoneEditor(cfg, picker) {
    var field = document.getElementById("id_geometry");
    if (!field) return;
    var map, box;
    if (picker) {
      map = picker.map;
      box = picker.box;
    } else {
      box = mapBox(field.closest(".form-row") || field, "Map of the zone", "tracker-zone-map");
      map = baseMap(box, cfg);
    }
    var layer = null;

    function show() {
      if (layer) map.removeLayer(layer);
      layer = null;
      var text = field.value.trim();
      if (!text || text === "null") return; // a place without a zone
      try {
        layer = L.geoJSON(JSON.parse(field.value), { style: { color: "#2166ac", weight: 2 } }).addTo(map);
        map.fitBounds(layer.getBounds(), { maxZoom: 12 });
      } catch (error) {
        status(box, "The geometry field does not hold GeoJSON the map can draw.");
      }
    }

    function set(geometry, how) {
      field.value = JSON.stringify(geometry);
      show();
      status(box, how);
    }

    var tools = document.createElement("div");
    tools.className = "tracker-map-tools";
    var draw = button("Draw a zone");
    var finish = button("Finish the zone");
    var cancel = button("Cancel drawing");
    finish.hidden = cancel.hidden = true;
    var upload = document.createElement("input");
    upload.type = "file";
    upload.accept = ".geojson,.json,application/geo+json,application/json";
    upload.id = "tracker-geojson-upload";
    var uploadLabel = document.createElement("label");
    uploadLabel.htmlFor = upload.id;
    uploadLabel.textContent = "Upload GeoJSON: ";
    [draw, finish, cancel, uploadLabel, upload].forEach(function (el) { tools.appendChild(el); });
    box.parentNode.insertBefore(tools, box);

    var corners = [], sketch = null;
    function stopDrawing() {
      box.setAttribute("data-drawing", "false");
      corners = [];
      if (sketch) map.removeLayer(sketch);
      sketch = null;
      draw.hidden = false;
      finish.hidden = cancel.hidden = true;
    }
    draw.addEventListener("click", function () {
      box.setAttribute("data-drawing", "true");
      draw.hidden = true;
      finish.hidden = cancel.hidden = false;
      status(box, "Click the map at each corner of the zone, then Finish the zone.");
    });
    cancel.addEventListener("click", function () { stopDrawing(); status(box, "Drawing cancelled."); });
    finish.addEventListener("click", function () {
      if (corners.length < 3) {
        status(box, "A zone needs at least three corners (" + corners.length + " so far).");
        return;
      }
      var ring = corners.map(function (c) { return [Number(c.lng.toFixed(5)), Number(c.lat.toFixed(5))]; });
      ring.push(ring[0]);
      stopDrawing();
      set({ type: "Polygon", coordinates: [ring] }, "Zone drawn with " + (ring.length - 1) + " corners.");
    });
    map.on("click", function (event) {
      if (box.getAttribute("data-drawing") !== "true") return;
      corners.push(event.latlng);
      if (sketch) map.removeLayer(sketch);
      sketch = L.polygon(corners, { color: "#b2182b", dashArray: "4 3" }).addTo(map);
      status(box, corners.length + " corner(s).");
    });
    upload.addEventListener("change", function () {
      var file = upload.files[0];
      if (!file) return;
      file.text().then(function (text) {
        var geometry = geometryOf(JSON.parse(text));
        if (!geometry) throw new Error("no geometry");
        set(geometry, "Zone read from " + file.name + ".");
      }).catch(function () {
        status(box, file.name + " holds no GeoJSON geometry.");
      });
    });
    field.addEventListener("change", show);
    show();
  }

  /* A geometry from a GeoJSON document: itself, a feature's, or a collection's first. */
  function geometryOf(doc) {
    if (!doc || typeof doc !== "object") return null;
    if (doc.type === "FeatureCollection") return doc.features && doc.features.length ? geometryOf(doc.features[0]) : null;
    if (doc.type === "Feature") return doc.geometry || null;
    return doc.type && doc.coordinates ? doc : null;
  }

  /* A span holding `text` as text: what Leaflet is given instead of an HTML string. */
  function textNode(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function button(text) {
    var el = document.createElement("button");
    el.type = "button";
    el.className = "button";
    el.textContent = text;
    return el;
  }

  /* The incident list's map: one marker per incident of the page, coloured by verdict. */
  function listMap(cfg) {
    var box = document.getElementById("tracker-incident-map");
    var data = document.getElementById("tracker-incident-points");
    if (!box || !data) return;
    var points = JSON.parse(data.textContent);
    var map = baseMap(box, cfg);
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], {
        radius: 7, color: "#222", weight: 1, fillColor: COLOURS[p.verdict], fillOpacity: 0.9,
        className: "tracker-marker verdict-" + p.verdict,
      }).addTo(map);
      // Titles come from ingest tokens and imported files: Leaflet writes a tooltip *string* as
      // HTML, so the tooltip is an element holding the title as text.
      var label = textNode(p.title + " (" + (LABELS[p.verdict] || p.verdict) + ")");
      marker.bindTooltip(label);
      marker.on("click", function () { window.location.href = p.url; });
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length) map.fitBounds(bounds, { maxZoom: 11, padding: [20, 20] });
    box.setAttribute("data-markers", String(points.length));
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof L === "undefined") return;
    var cfg = config();
    var picker = pointPicker(cfg);
    zoneEditor(cfg, picker);
    listMap(cfg);
  });
})();
