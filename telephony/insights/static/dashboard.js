// Supervisor dashboard: the server renders everything (numbers and SVG charts); this only swaps in the
// panels each SSE "panels" event carries. EventSource reconnects by itself.
"use strict";
(function () {
  const main = document.getElementById("dashboard");
  const state = document.getElementById("live-state");
  if (!main || !window.EventSource) return;
  const show = (text, name) => { state.textContent = text; state.dataset.state = name; };
  const source = new EventSource(main.dataset.events);
  let updates = 0;
  source.addEventListener("open", () => show("Na żywo", "live"));
  source.addEventListener("error", () => show("Na żywo: ponowne łączenie…", "reconnecting"));
  source.addEventListener("panels", (event) => {
    main.innerHTML = JSON.parse(event.data).html;
    updates += 1;
    main.dataset.updates = String(updates);
    show("Na żywo · " + new Date().toLocaleTimeString("pl-PL"), "live");
  });
})();
