// Supervisor dashboard: the server renders everything (numbers and SVG charts); this only swaps in the
// panels each SSE "panels" event carries. EventSource reconnects by itself.
"use strict";
(function () {
  const main = document.getElementById("dashboard");
  const state = document.getElementById("live-state");
  if (!main || !window.EventSource) return;
  const show = (text, name) => { state.textContent = text; state.dataset.state = name; };
  // The line's time zone (INFOLINIA_TIMEZONE), as every other time the console shows, not the PC's own.
  const clock = () => {
    try {
      return new Date().toLocaleTimeString("pl-PL", { timeZone: main.dataset.tz });
    } catch (e) {  // a zone this browser does not know: its own clock rather than none
      return new Date().toLocaleTimeString("pl-PL");
    }
  };
  const source = new EventSource(main.dataset.events);
  let updates = 0;
  source.addEventListener("open", () => show("Na żywo", "live"));
  source.addEventListener("error", () => show("Na żywo: ponowne łączenie…", "reconnecting"));
  source.addEventListener("panels", (event) => {
    main.innerHTML = JSON.parse(event.data).html;
    updates += 1;
    main.dataset.updates = String(updates);
    show("Na żywo · " + clock(), "live");
  });
})();
