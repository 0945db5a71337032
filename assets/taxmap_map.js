/* Clientside styles for the map's layers (dash-leaflet calls them with the layer's hideout).
   Changing the metric, the colours or the selection only changes the hideout: the geometry stays. */
window.taxmap = Object.assign({}, window.taxmap, {
  map: {
    classOf: function (value, breaks) {
      let k = 0;
      while (k < breaks.length && value > breaks[k]) { k += 1; }
      return k;
    },
    hexStyle: function (feature, context) {
      const h = (context && context.hideout) || {};
      const p = feature.properties;
      const selected = (h.selected || []).indexOf(p.h3) >= 0;
      let value = p[h.metric];
      let colors = h.colors || ["#5ec8ff"];
      if ((h.signed || []).indexOf(h.metric) >= 0 && value !== null && value !== undefined && value < 0) {
        // a signed change (layers/changes.py): decreases by their size on the blue ramp
        colors = h.negative || colors;
        value = -value;
      }
      const edge = selected ? { weight: 3, color: "#ffd166", opacity: 1 } : { weight: 0.5, color: "#0a1626", opacity: 0.9 };
      if (value === null || value === undefined || value <= 0) {
        return Object.assign({ fillColor: "#12243b", fillOpacity: 0.08 }, edge);
      }
      const breaks = (h.breaks || {})[h.metric] || [];
      const k = window.taxmap.map.classOf(value, breaks);
      const n = breaks.length + 1;  // as layers/hexes.py color_index
      const index = n <= 1 ? colors.length - 1 : Math.round(k * (colors.length - 1) / (n - 1));
      return Object.assign({ fillColor: colors[index], fillOpacity: h.opacity || 0.75 }, edge);
    },
    pointToLayer: function (feature, latlng, context) {
      const h = (context && context.hideout) || {};
      const color = (h.kindColors || {})[feature.properties.kind] || "#ff6b6b";
      return L.circleMarker(latlng, { radius: 6, color: "#07111f", weight: 1, fillColor: color, fillOpacity: 0.95 });
    }
  }
});
