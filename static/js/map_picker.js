/*
 * Choosing a point on a map for a procedure form (L49 declarations of works, arrêtés de voirie), on Leaflet
 * from npm (no CDN). Used through templates/includes/map_picker.html:
 *   <div data-map-picker data-lat-input="id_…" data-lon-input="id_…" data-commune-input="id_…" data-boundaries-url="…">
 * The latitude / longitude inputs remain the way in without a mouse or without JavaScript: typing them moves the
 * marker. A click on the map, or Enter on the focused map (its centre, after panning with the arrow keys),
 * fills them, and fills the commune when it is empty (from the boundaries' properties). The server checks the
 * point (portal/geo.py). No inline script or style (strict CSP).
 */
(function () {
  "use strict";

  var L = window.L;

  function round(value) {
    return Math.round(value * 1e6) / 1e6;
  }

  function parse(value) {
    var number = parseFloat(String(value || "").replace(",", "."));
    return isNaN(number) ? null : number;
  }

  function inside(point, ring) {
    // Ray casting on one ring of [lon, lat] pairs.
    var x = point[0], y = point[1], result = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) result = !result;
    }
    return result;
  }

  function communeAt(data, lat, lon) {
    var point = [lon, lat];
    var features = (data && data.features) || [];
    for (var f = 0; f < features.length; f++) {
      var geometry = features[f].geometry || {};
      var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
      for (var p = 0; p < polygons.length; p++) {
        if (polygons[p].length && inside(point, polygons[p][0])) return features[f].properties.name;
      }
    }
    return null;
  }

  function init(el) {
    var latInput = document.getElementById(el.getAttribute("data-lat-input"));
    var lonInput = document.getElementById(el.getAttribute("data-lon-input"));
    var communeInput = document.getElementById(el.getAttribute("data-commune-input") || "");
    if (!latInput || !lonInput) return;
    el.hidden = false;
    var canvas = el.querySelector(".map-canvas");
    var status = el.querySelector(".map-status");
    var map = L.map(canvas, { zoomControl: false, attributionControl: false, minZoom: 7, maxZoom: 18 });
    L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer", position: "topright" }).addTo(map);
    map.setView([48.15, -1.65], 8);
    var tileUrl = el.getAttribute("data-tile-url");
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
      var attribution = el.getAttribute("data-tile-attribution");
      if (attribution) L.control.attribution({ prefix: false }).addAttribution(attribution).addTo(map);
    }
    var boundaries = null;
    var marker = null;

    function place(lat, lon) {
      var icon = L.divIcon({ className: "map-marker", html: "", iconSize: [18, 18] });
      if (marker) marker.setLatLng([lat, lon]);
      else marker = L.marker([lat, lon], { icon: icon, keyboard: false, title: "Lieu des travaux" }).addTo(map);
    }

    function choose(latlng) {
      var lat = round(latlng.lat), lon = round(latlng.lng);
      latInput.value = String(lat);
      lonInput.value = String(lon);
      place(lat, lon);
      var commune = communeAt(boundaries, lat, lon);
      if (communeInput && commune && !communeInput.value.trim()) communeInput.value = commune;
      status.textContent = "Point choisi : latitude " + lat + ", longitude " + lon +
        (commune ? " (" + commune + ")." : " (hors des communes d'Ille-et-Vilaine).");
      latInput.dispatchEvent(new Event("change", { bubbles: true }));
      el.setAttribute("data-picked", lat + "," + lon);
    }

    function fromInputs() {
      var lat = parse(latInput.value), lon = parse(lonInput.value);
      if (lat === null || lon === null) return;
      place(lat, lon);
      map.setView([lat, lon], Math.max(map.getZoom(), 13));
    }

    map.on("click", function (event) { choose(event.latlng); });
    canvas.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        choose(map.getCenter());
      }
    });
    latInput.addEventListener("input", fromInputs);
    lonInput.addEventListener("input", fromInputs);

    var url = el.getAttribute("data-boundaries-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        boundaries = data;
        var layer = L.geoJSON(data, { interactive: false, style: { className: "map-boundary", weight: 1 } }).addTo(map);
        map.invalidateSize(); // the stylesheet may have sized the canvas after the map was created
        if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
        fromInputs();
        el.setAttribute("data-map-ready", "1");
      })
      .catch(function () {
        status.textContent = "Le fond de carte n'a pas pu être chargé : saisissez la commune et les coordonnées.";
        el.setAttribute("data-map-ready", "error");
      });
    fromInputs();
    el.leafletMap = map;
  }

  function start() {
    if (!L) return; // Leaflet missing: the inputs are the form
    Array.prototype.forEach.call(document.querySelectorAll("[data-map-picker]"), init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
