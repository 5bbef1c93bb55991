/*
 * The maps of the portal and back office (lieux de médiation numérique, annuaire), on Leaflet and
 * leaflet.markercluster served from npm (no CDN). Used through templates/includes/map.html:
 *   <div class="map" data-map data-geojson-url="…" data-boundaries-url="…" data-tile-url="…">
 * Points: a GeoJSON FeatureCollection whose properties are {id, name, url, address, kind}.
 * No tile server by default (the Département's networks are closed): the boundaries of the communes or EPCI
 * are the background. Every map sits next to its list, the accessible equivalent; the markers themselves
 * are buttons reachable with Tab, Enter opens the popup with the link to the place.
 * No inline script or style (strict CSP): Leaflet sets styles through the DOM, which the CSP allows.
 */
(function () {
  "use strict";

  var L = window.L;

  function text(tag, className, value) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    node.textContent = value;
    return node;
  }

  function popupFor(props) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("p");
    title.className = "map-popup-title";
    if (props.url) {
      var link = text("a", "", props.name);
      link.href = props.url;
      // An embedded map opens the place on the portal, not inside the partner's frame.
      if (document.body.classList.contains("embed")) link.target = "_top";
      title.appendChild(link);
    } else {
      title.textContent = props.name;
    }
    box.appendChild(title);
    if (props.kind) box.appendChild(text("p", "map-popup-kind", props.kind));
    if (props.address) box.appendChild(text("p", "map-popup-address", props.address));
    return box;
  }

  function markerFor(feature, latlng) {
    var props = feature.properties || {};
    var marker = L.marker(latlng, {
      icon: L.divIcon({ className: "map-marker", html: "", iconSize: [18, 18] }),
      keyboard: true,
      title: props.name + (props.address ? " — " + props.address : ""),
      riseOnHover: true,
    });
    marker.bindPopup(popupFor(props));
    return marker;
  }

  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 50 ? "medium" : "large";
    var wrap = document.createElement("div");
    wrap.appendChild(text("span", "", String(count))).setAttribute("aria-hidden", "true");
    wrap.appendChild(text("span", "visually-hidden", count + " lieux : agrandir la carte sur ce groupe"));
    return L.divIcon({ html: wrap.outerHTML, className: "marker-cluster marker-cluster-" + size, iconSize: [40, 40] });
  }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      });
  }

  function setStatus(el, message) {
    var status = el.querySelector(".map-status");
    if (status) status.textContent = message;
  }

  function init(el) {
    var canvas = el.querySelector(".map-canvas");
    var map = L.map(canvas, { zoomControl: false, attributionControl: false, minZoom: 7, maxZoom: 18 });
    // The map's own container is focusable (arrow keys pan it): give it a name and a role.
    canvas.setAttribute("role", "application");
    canvas.setAttribute("aria-label", el.getAttribute("data-map-label") || "Carte");
    L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer", position: "topright" }).addTo(map);
    map.setView([48.15, -1.65], 8); // Ille-et-Vilaine until the boundaries tell the exact extent

    var tileUrl = el.getAttribute("data-tile-url");
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
      var attribution = el.getAttribute("data-tile-attribution");
      if (attribution) L.control.attribution({ prefix: false }).addAttribution(attribution).addTo(map);
    }

    var clusters = L.markerClusterGroup({ iconCreateFunction: clusterIcon, showCoverageOnHover: false });
    map.addLayer(clusters);
    var fitted = false;

    var boundariesUrl = el.getAttribute("data-boundaries-url");
    if (boundariesUrl) {
      fetchJSON(boundariesUrl).then(function (data) {
        var layer = L.geoJSON(data, { interactive: false, style: { className: "map-boundary", weight: 1 } });
        layer.addTo(map);
        layer.bringToBack();
        if (!fitted && layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
      }).catch(function () { /* the boundaries are decoration: the points and the list still work */ });
    }

    var geojsonUrl = el.getAttribute("data-geojson-url");
    if (geojsonUrl) {
      fetchJSON(geojsonUrl).then(function (data) {
        var points = L.geoJSON(data, { pointToLayer: markerFor });
        clusters.addLayers(points.getLayers());
        var n = points.getLayers().length;
        setStatus(el, n === 0 ? "Aucun lieu sur la carte." : n === 1 ? "1 lieu sur la carte." : n + " lieux sur la carte.");
        if (n > 0 && el.hasAttribute("data-fit-points")) {
          map.fitBounds(clusters.getBounds(), { maxZoom: 14, padding: [20, 20] });
          fitted = true;
        }
        el.setAttribute("data-map-ready", String(n));
      }).catch(function () {
        setStatus(el, "La carte n'a pas pu être chargée : la liste ci-dessous reste complète.");
        el.setAttribute("data-map-ready", "error");
      });
    }
    el.leafletMap = map;
  }

  function start() {
    if (!L || !L.markerClusterGroup) return; // scripts missing: the list is the page
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
