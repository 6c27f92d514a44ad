/* Builds a map's layers from the JSON in #map-data (written by directory/maps/builder.py).
 * Every piece of text goes in with textContent: nothing here is parsed as HTML. */
(function () {
  "use strict";
  var source = document.getElementById("map-data");
  if (!source || !window.L) { return; }
  var data = JSON.parse(source.textContent);
  var map = window[data.map];
  if (!map) { return; }

  function node(tag, text, className) {
    var element = document.createElement(tag);
    if (text !== undefined && text !== null) { element.textContent = String(text); }
    if (className) { element.className = className; }
    return element;
  }

  function areaTooltip(tip) {
    var box = node("div");
    box.appendChild(node("strong", tip.title));
    box.appendChild(document.createTextNode(" (" + tip.code + ")"));
    (tip.lines || []).forEach(function (line) {
      box.appendChild(node("br"));
      box.appendChild(document.createTextNode(line[0] + ": " + line[1]));
    });
    return box;
  }

  function sitePopup(row) {
    var box = node("div");
    box.appendChild(node("strong", row[3]));
    row[4].forEach(function (line) {
      box.appendChild(node("br"));
      box.appendChild(document.createTextNode(line));
    });
    if (typeof row[5] === "string" && row[5].charAt(0) === "/" && row[5].charAt(1) !== "/") {
      box.appendChild(node("br"));
      var link = node("a", row[6]);
      link.href = row[5];
      link.target = "_top";
      box.appendChild(link);
    }
    return box;
  }

  var overlays = {};
  (data.layers || []).forEach(function (layer) {
    var made = null;
    if (layer.kind === "areas") {
      made = L.geoJSON(layer.features, {
        style: function (feature) {
          var none = feature.properties.none;
          return {
            fillColor: feature.properties.fill, fillOpacity: 0.75, color: "#0b0c0c",
            weight: none ? 3 : 1, dashArray: none ? "6 4" : null
          };
        },
        onEachFeature: function (feature, shape) {
          shape.bindTooltip(areaTooltip(feature.properties.tooltip), { sticky: true });
          shape.on("mouseover", function () { shape.setStyle({ weight: 4, color: "#ffdd00" }); });
          shape.on("mouseout", function () { made.resetStyle(shape); });
        }
      });
    } else if (layer.kind === "outlines") {
      made = L.geoJSON(layer.features, {
        style: function () { return { fill: false, color: "#4c2c92", weight: 3 }; },
        onEachFeature: function (feature, shape) {
          shape.bindTooltip(node("span", feature.properties.name));
        }
      });
    } else if (layer.kind === "sites") {
      made = L.markerClusterGroup();
      layer.rows.forEach(function (row) {
        var marker = L.circleMarker(L.latLng(row[0], row[1]), {
          radius: 8, color: "#0b0c0c", weight: 1, fill: true, fillColor: row[2], fillOpacity: 0.9
        });
        marker.bindPopup(sitePopup(row), { maxWidth: 300 });
        marker.bindTooltip(node("span", row[3]));
        made.addLayer(marker);
      });
    }
    if (made) {
      made.addTo(map);
      overlays[layer.name] = made;
      if (data.fit && layer.kind === "areas" && made.getBounds().isValid()) {
        map.fitBounds(made.getBounds(), { padding: [4, 4] });
      }
    }
  });
  if (data.layer_control) {
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  }

  if (data.legend) {
    var legend = node("div", null, "map-data-legend");
    legend.style.cssText = "position:fixed;bottom:24px;left:10px;z-index:9999;background:#fff;" +
      "padding:8px 10px;border:2px solid #0b0c0c;font:14px Arial,sans-serif;max-width:60%";
    legend.appendChild(node("strong", data.legend.title));
    var list = node("ul");
    list.style.cssText = "list-style:none;margin:4px 0 0;padding:0";
    data.legend.entries.forEach(function (entry) {
      var item = node("li");
      var swatch = node("span");
      swatch.style.cssText = "display:inline-block;width:14px;height:14px;margin-right:6px;" +
        "border:1px solid #0b0c0c";
      swatch.style.background = entry[0];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(entry[1]));
      list.appendChild(item);
    });
    legend.appendChild(list);
    document.body.appendChild(legend);
  }
}());
