/* The association layer of the ward map: meeting halls coloured by rate, clustered on the server.
 *
 * Reads the JSON the page embeds (#association-layer-data, built by maps/layer.py) and draws, for
 * the current zoom, either the server's grid clusters (a circle with the number of halls) or the
 * halls themselves. Popup text is set with textContent, never as HTML. Loads nothing from any
 * server. */
(function () {
  "use strict";
  var source = document.getElementById("association-layer-data");
  var container = document.querySelector(".ward-map");
  if (!source || !container || !window.L) {
    return;
  }
  var map = window[container.id]; // folium declares the map as a global named after its element
  if (!map) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var labels = data.labels;
  var group = L.layerGroup();
  var drawnLevel = null;

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) {
      node.textContent = text;
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  function hallPopup(point) {
    var box = element("div", undefined, "hall-popup");
    box.appendChild(element("strong", point[5]));
    // An index into data.federations, or (halls written out in full) the federation's name.
    var federation = typeof point[6] === "string" ? point[6] || labels.no_federation
      : point[6] >= 0 ? data.federations[point[6]] : labels.no_federation;
    box.appendChild(element("div", labels.federation + ": " + federation));
    box.appendChild(element("div", labels.rate + ": " + point[3]));
    var link = element("a", labels.open_page);
    link.href = data.detailUrl.replace("CODE", encodeURIComponent(point[4]));
    box.appendChild(link);
    return box;
  }

  function hallMarker(point) {
    var marker = L.circleMarker([point[0], point[1]], {
      radius: 6,
      color: "#333333",
      weight: 1,
      fillColor: point[2],
      fillOpacity: 0.95,
      className: "hall-point"
    }).bindPopup(hallPopup(point));
    marker.on("add", function () {
      var node = marker.getElement(); // focusable (it opens the popup): give it a name
      if (node) {
        node.setAttribute("role", "img");
        node.setAttribute("aria-label", point[5] + " " + labels.rate + ": " + point[3]);
      }
    });
    return marker;
  }

  // Black on the light greys, white on the dark ones (WCAG relative luminance of "#rrggbb").
  function textColour(hex) {
    var channels = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
    return luminance > 0.18 ? "#1a1a1a" : "#ffffff";
  }

  function clusterMarker(entry, zoom) {
    var count = entry[2];
    var size = Math.round(Math.min(20 + 3 * Math.sqrt(count), 44)); // at most a grid cell's width
    var icon = L.divIcon({
      className: "hall-cluster",
      html: "",
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2]
    });
    var marker = L.marker([entry[0], entry[1]], {
      icon: icon,
      keyboard: true,
      title: labels.cluster.replace("{n}", count) + " " + labels.rate + ": " + entry[3]
    });
    marker.on("add", function () {
      var node = marker.getElement();
      if (node) {
        node.style.background = entry[4];
        node.style.color = textColour(entry[4]);
        node.classList.toggle("hall-cluster--dark", textColour(entry[4]) === "#ffffff");
        node.textContent = String(count);
        node.setAttribute("aria-label", marker.options.title);
      }
    });
    marker.on("click", function () {
      map.setView([entry[0], entry[1]], Math.min(zoom + 2, data.maxClusterZoom + 1));
    });
    return marker;
  }

  // [index into data.points], a hall written out in full (7 items) or a cluster (5 items).
  function entryMarker(entry, zoom) {
    if (entry.length === 1) {
      return hallMarker(data.points[entry[0]]);
    }
    return entry.length === 5 ? clusterMarker(entry, zoom) : hallMarker(entry);
  }

  // A large layer (data.remote) embeds only its first zoom levels: the others, and the halls
  // themselves, are fetched for the viewport (maps/views.py hall_layer). Answers to an older
  // request than the last are dropped.
  var requested = 0;
  function fetchViewport(zoom) {
    var bounds = map.getBounds().pad(0.2);
    var box = [bounds.getSouth(), bounds.getWest(), bounds.getNorth(), bounds.getEast()].map(function (v) {
      return v.toFixed(5);
    });
    var number = ++requested;
    fetch(data.remote + "&zoom=" + zoom + "&bbox=" + box.join(","), {credentials: "same-origin"})
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (!body || number !== requested) {
          return;
        }
        group.clearLayers();
        body.entries.forEach(function (entry) {
          group.addLayer(entryMarker(entry, zoom));
        });
      })
      .catch(function () {});
  }

  function draw() {
    var zoom = Math.floor(map.getZoom());
    var level = zoom > data.maxClusterZoom ? "points" : String(Math.max(zoom, data.minZoom));
    if (data.remote && !(level in data.levels)) {
      drawnLevel = null;
      fetchViewport(zoom);
      return;
    }
    if (level === drawnLevel) {
      return;
    }
    drawnLevel = level;
    requested++; // an answer still on its way is for another level
    group.clearLayers();
    if (level === "points") {
      data.points.forEach(function (point) {
        group.addLayer(hallMarker(point));
      });
      return;
    }
    (data.levels[level] || []).forEach(function (entry) {
      group.addLayer(entryMarker(entry, zoom));
    });
  }

  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function () {
    var box = L.DomUtil.create("div", "ward-map-legend hall-legend");
    box.appendChild(element("p", labels.legend_title, "ward-map-legend__title"));
    var list = element("ul");
    data.legend.forEach(function (entry) {
      var item = element("li");
      var swatch = element("span", undefined, "ward-map-legend__swatch hall-legend__swatch");
      swatch.style.background = entry[0];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(entry[1]));
      list.appendChild(item);
    });
    box.appendChild(list);
    box.appendChild(element("p", labels.cluster_note, "hall-legend__note"));
    return box;
  };

  var overlays = {};
  overlays[labels.layer] = group;
  L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);
  map.on("overlayadd", function (event) {
    if (event.layer === group) {
      legend.addTo(map);
    }
  });
  map.on("overlayremove", function (event) {
    if (event.layer === group) {
      legend.remove();
    }
  });
  map.on("zoomend", draw);
  if (data.remote) {
    map.on("moveend", draw);
  }
  // Off until the user ticks it: the halls would cover the ward labels and compete with the map's
  // colours. The legend comes and goes with the layer.
  draw();
})();
