/* The small map of /analysis (dashboard/pages/analysis.py): the table's cells coloured by the metric
   the hideout names (each feature carries every chosen metric; classes in the hideout; a signed change
   on two ramps), withheld cells grey and hatched. */
window.taxmap = Object.assign({}, window.taxmap, {
  analysis: {
    hexStyle: function (feature, context) {
      const h = (context && context.hideout) || {};
      const p = feature.properties;
      // every cell carries tm-a-hex (the streets drawn over them do not), withheld ones tm-a-suppressed too
      const edge = { weight: 0.6, color: "#0a1626", opacity: 0.9, className: "tm-a-hex" };
      if (p.suppressed) {
        // fill: the hatch pattern below (assets/style.css: .tm-a-suppressed), grey where it is missing
        return { fillColor: "#6b7786", fillOpacity: 0.7, weight: 0.8, color: "#a9b4c4", opacity: 0.9,
                 className: "tm-a-hex tm-a-suppressed" };
      }
      let value = p[h.metric];
      let colors = h.colors || ["#5ec8ff"];
      if (h.signed && value !== null && value !== undefined && value < 0) {
        // a signed change: decreases by their size on the blue ramp
        colors = h.negative || colors;
        value = -value;
      }
      if (value === null || value === undefined || value <= 0) {
        return Object.assign({ fillColor: "#12243b", fillOpacity: 0.35 }, edge);
      }
      const breaks = h.breaks || [];
      let k = 0;
      while (k < breaks.length && value > breaks[k]) { k += 1; }
      const n = breaks.length + 1;  // as layers/hexes.py color_index
      const index = n <= 1 ? colors.length - 1 : Math.round(k * (colors.length - 1) / (n - 1));
      return Object.assign({ fillColor: colors[index], fillOpacity: 0.82 }, edge);
    }
  }
});

/* The hatch pattern withheld cells are filled with: one hidden SVG definition in the page. */
(function () {
  const NS = "http://www.w3.org/2000/svg";
  function add() {
    if (document.getElementById("tm-hatch-defs")) { return; }
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("id", "tm-hatch-defs");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.setAttribute("aria-hidden", "true");
    svg.style.position = "absolute";
    const pattern = document.createElementNS(NS, "pattern");
    pattern.setAttribute("id", "tm-hatch");
    pattern.setAttribute("width", "6");
    pattern.setAttribute("height", "6");
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("patternTransform", "rotate(45)");
    const ground = document.createElementNS(NS, "rect");
    ground.setAttribute("width", "6");
    ground.setAttribute("height", "6");
    ground.setAttribute("fill", "#3c4654");
    const line = document.createElementNS(NS, "rect");
    line.setAttribute("width", "2");
    line.setAttribute("height", "6");
    line.setAttribute("fill", "#9aa6b6");
    pattern.appendChild(ground);
    pattern.appendChild(line);
    const defs = document.createElementNS(NS, "defs");
    defs.appendChild(pattern);
    svg.appendChild(defs);
    document.body.appendChild(svg);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", add); } else { add(); }
})();
