/* The big screen (/screen): the map's layer rotation (clientside: only the hideout changes), a clock,
   and a watchdog. When the numbers stop arriving (the server restarts, the network drops) it says so
   and, once /health answers again, reloads the page: a wall display recovers without a hand. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  taxmap_screen: {
    rotate: function (n, hideouts) {
      if (!hideouts) { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
      const name = hideouts.order[(n || 0) % hideouts.order.length];
      return [hideouts.layers[name], hideouts.titles[name]];
    },
    scale: function (_n, ...figures) {
      const k = Math.max(1, window.innerWidth / 1920);
      return figures.map(function (fig) {
        if (!fig || k === 1) { return window.dash_clientside.no_update; }
        const layout = Object.assign({}, fig.layout);
        const font = Object.assign({}, layout.font || {});
        font.size = Math.round((font.size || 16) * k);
        layout.font = font;
        const m = layout.margin || {};
        layout.margin = { l: (m.l || 64) * k, r: (m.r || 16) * k, t: (m.t || 8) * k, b: (m.b || 36) * k };
        return Object.assign({}, fig, { layout: layout });
      });
    }
  }
});

(function () {
  let lastBeat = null, lastChange = Date.now(), probing = false;
  const STALE_MS = 20000;
  function tick() {
    const root = document.getElementById("screen-root");
    if (!root) { return; }
    const clock = document.getElementById("screen-clock");
    if (clock) { clock.textContent = new Date().toLocaleTimeString("zh-CN", { hour12: false }); }
    const beat = document.getElementById("screen-heartbeat");
    const now = Date.now();
    if (beat && beat.textContent !== lastBeat) { lastBeat = beat.textContent; lastChange = now; }
    const offline = document.getElementById("screen-offline");
    if (now - lastChange > STALE_MS) {
      if (offline) { offline.classList.remove("tm-hidden"); }
      if (!probing) {
        probing = true;
        fetch("/health", { cache: "no-store" })
          .then(function (r) { if (r.ok) { window.location.reload(); } })
          .catch(function () {})
          .finally(function () { probing = false; });
      }
    } else if (offline) {
      offline.classList.add("tm-hidden");
    }
  }
  setInterval(tick, 1000);
})();
