// Infolinia agent console: live panels over SSE, forms that also work without JavaScript.
// The server renders every panel (Jinja2); this script only fetches fresh HTML when an event says
// something changed, and swaps a panel only when its HTML differs, keeping keyboard focus in place.
"use strict";

(function () {
  const main = document.querySelector("main[data-events-url]");
  if (!main) return;
  const panelsUrl = main.dataset.panelsUrl;
  const eventsUrl = main.dataset.eventsUrl;
  const announcer = document.getElementById("announcer");
  const liveState = document.getElementById("live-state");
  const panels = {
    status: document.getElementById("panel-status"),
    transfer: document.getElementById("panel-transfer"),
    queues: document.getElementById("panel-queues"),
    callbacks: document.getElementById("panel-callbacks"),
  };
  const last = {};
  const baseTitle = document.title;
  let pending = null;
  let stream = null; // the live stream (EventSource) once connected

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  // A ringing (or waiting) card's „czekał(a) …” counts on from the wait's start, which the server sends
  // (data-wait-since; data-wait-until once connected), on the server's clock: skewMs is its offset from
  // this PC's, taken from each panels answer. The text drawn at render used to stand still at „0 s”.
  let skewMs = 0;

  function durationPl(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min";
    return Math.floor(s / 3600) + " h " + String(Math.floor(s % 3600 / 60)).padStart(2, "0") + " min";
  }

  function tickWaits() {
    const now = (Date.now() + skewMs) / 1000;
    main.querySelectorAll("[data-wait-since]").forEach(function (el) {
      const until = el.dataset.waitUntil ? Number(el.dataset.waitUntil) : now;
      const text = "czekał(a) " + durationPl(until - Number(el.dataset.waitSince));
      if (el.textContent !== text) el.textContent = text;
    });
  }

  function setLive(state, text) {
    liveState.dataset.state = state;
    liveState.textContent = text;
  }

  function toLogin() {
    window.location.assign(main.dataset.eventsUrl.replace(/\/events$/, "/login"));
  }

  function swap(name, html) {
    const panel = panels[name];
    if (!panel || last[name] === html) return false;
    last[name] = html;
    const active = document.activeElement;
    const focusId = active && panel.contains(active) ? active.id : null;
    const drafts = {}; // text being typed (a chat message) survives the re-render
    panel.querySelectorAll("textarea[id]").forEach(function (el) { drafts[el.id] = el.value; });
    panel.innerHTML = html;
    Object.keys(drafts).forEach(function (id) {
      const el = document.getElementById(id);
      if (el && !el.value) el.value = drafts[id];
    });
    restoreDrafts();
    const log = panel.querySelector("#chat-log");
    if (log) log.scrollTop = log.scrollHeight;
    if (focusId) {
      const again = document.getElementById(focusId);
      if (again) again.focus(); else panel.focus();
    }
    return true;
  }

  // Drafts (a wrap-up note and its outcome, a chat message being typed) survive a reload of the page: kept
  // in this tab's sessionStorage per transfer, dropped once their form is sent. A reload used to lose them.
  function draftKey(el) {
    const t = document.getElementById("transfer");
    const field = el.form && el.form.elements.namedItem("transfer_id");
    const tid = (field && field.value) || (t && t.dataset.transferId) || "";
    return "infolinia-draft:" + tid + ":" + (el.type === "radio" ? el.name : el.id);
  }

  function drafted(el) {
    return !!el.form && main.contains(el.form) && (el instanceof HTMLTextAreaElement && !!el.id
      || el instanceof HTMLInputElement && el.type === "radio" && !!el.name);
  }

  function storage(action) {
    try { return action(window.sessionStorage); } catch (err) { return null; } // storage off: no drafts
  }

  function saveDraft(event) {
    const el = event.target;
    if (drafted(el)) storage(function (s) { s.setItem(draftKey(el), el.value); });
  }

  function restoreDrafts() {
    main.querySelectorAll("form textarea[id], form input[type=radio][name]").forEach(function (el) {
      if (!drafted(el)) return;
      const kept = storage(function (s) { return s.getItem(draftKey(el)); });
      if (kept === null) return;
      if (el.type !== "radio") { if (!el.value) el.value = kept; return; }
      if (kept === el.value && !el.form.querySelector("input[type=radio][name='" + el.name + "']:checked")) el.checked = true;
    });
  }

  function dropDrafts(form) {
    form.querySelectorAll("textarea[id], input[type=radio][name]").forEach(function (el) {
      storage(function (s) { s.removeItem(draftKey(el)); });
    });
  }

  function transferState() {
    const t = document.getElementById("transfer");
    return t ? t.dataset.transferId + ":" + t.dataset.status : "";
  }

  // The tab's title carries the "●" while something rings, and "(2) Nowe wiadomości" for what a chat's
  // customer wrote while the agent was in another tab (nothing else told them). It follows the page's
  // state, not only its changes: after a reload during an offer the title has to say it rings too.
  // New lines are told by the count of all the customer's lines (the chat log's data-customers, kept in
  // Redis past the panel and past the trim), not by the lines on the panel: it shows a chat's last 100 lines,
  // so past them each new line pushes the oldest off, and more than 100 written while away read as 100.
  let seen = { tid: "", customers: 0 }; // the customer's lines the agent has had on screen, per transfer

  function unread() {
    const t = document.getElementById("transfer");
    const tid = t ? t.dataset.transferId : "";
    const log = document.querySelector("#chat-log[data-customers]");
    const customers = log ? Number(log.dataset.customers) || 0 : 0;
    if (tid !== seen.tid || !document.hidden) seen = { tid: tid, customers: customers };
    return Math.max(0, customers - seen.customers);
  }

  function showTitle() {
    const t = document.getElementById("transfer");
    const fresh = unread();
    if (t && t.dataset.status === "ringing") {
      document.title = (t.dataset.channel === "chat" ? "● Czat · " : "● Połączenie · ") + baseTitle;
    } else if (fresh > 0) {
      document.title = "(" + fresh + ") " + (fresh === 1 ? "Nowa wiadomość" : "Nowe wiadomości") + " · " + baseTitle;
    } else {
      document.title = baseTitle;
    }
  }

  function afterTransferChange(before) {
    const t = document.getElementById("transfer");
    const now = transferState();
    showTitle();
    if (now === before) return;
    if (t && t.dataset.status === "ringing") {
      const reason = document.getElementById("transfer-reason");
      const chat = t.dataset.channel === "chat";
      announce((chat ? "Nowy czat. " : "Przychodzące połączenie. ") + (reason ? reason.textContent : ""));
    } else if (t && t.dataset.status === "connected") {
      announce("Klient połączony.");
    }
    const wrap = document.getElementById("outcome-first");
    if (wrap && (document.activeElement === document.body || !document.activeElement)) wrap.focus();
  }

  async function refresh() {
    const response = await fetch(panelsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) return toLogin();
    if (!response.ok) return;
    const data = await response.json();
    if (typeof data.now === "number") skewMs = data.now * 1000 - Date.now();
    const before = transferState();
    for (const name of Object.keys(panels)) {
      if (typeof data[name] === "string") swap(name, data[name]);
    }
    afterTransferChange(before);
    tickWaits();
    main.dataset.synced = String(Number(main.dataset.synced || 0) + 1);
    // the server answers again: a badge an earlier failure set goes back while the live stream is open
    if (liveState.dataset.state === "lost" && stream && stream.readyState === EventSource.OPEN) {
      setLive("live", "na żywo");
    }
  }

  function scheduleRefresh() {
    // Events come in bursts (status + transfer + queue): one fetch for the burst.
    if (pending) return;
    pending = window.setTimeout(function () {
      pending = null;
      refresh().catch(function () { setLive("lost", "brak połączenia"); });
    }, 120);
  }

  function connect() {
    const source = new EventSource(eventsUrl);
    stream = source;
    source.onopen = function () {
      setLive("live", "na żywo");
      scheduleRefresh(); // catch up on anything missed while disconnected
    };
    source.onmessage = scheduleRefresh;
    source.addEventListener("logout", function () { source.close(); toLogin(); });
    source.onerror = function () {
      setLive("lost", "ponowne łączenie…");
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. 401 after the session expired): check, then retry or log in.
        fetch(panelsUrl, { credentials: "same-origin" }).then(function (r) {
          if (r.status === 401) toLogin(); else window.setTimeout(connect, 3000);
        }, function () { window.setTimeout(connect, 3000); });
      }
    };
  }

  // Disabling the pressed button while its form posts drops keyboard focus to <body>, and the re-render
  // may remove the button (Przejmij, Zakończ obsługę): without this a keyboard user starts over from the
  // top of the page after every action. Focus goes back to the button if it is still there, else to the
  // same callback's next step (the outcome list after Przejmij), else to the form's panel. A form may name
  // its next step itself (data-focus-next: the message box once a chat is accepted).
  function focusAfter(form) {
    const nextId = form.dataset.focusNext || "";
    const active = document.activeElement;
    const id = active && form.contains(active) ? active.id : "";
    const item = form.closest("[data-callback-id]");
    const itemId = item ? item.id : "";
    const panel = form.closest(".panel");
    return function () {
      if (document.activeElement && document.activeElement !== document.body) return;
      const ahead = nextId && document.getElementById(nextId);
      if (ahead) return ahead.focus();
      const same = id && document.getElementById(id);
      if (same && !same.disabled) return same.focus();
      const next = itemId && document.querySelector("#" + CSS.escape(itemId) + " select");
      if (next) return next.focus();
      if (panel && document.body.contains(panel)) panel.focus();
    };
  }

  // A refusal that concerns the form itself (no outcome chosen) is also said in the form, beside the list:
  // the live region alone is easy to miss, and nothing is recorded until an outcome is picked.
  function showFormError(form, text) {
    const slot = form.querySelector(".form-error");
    if (!slot) return;
    slot.textContent = text;
    slot.hidden = !text;
  }

  document.addEventListener("submit", async function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-async")) return;
    event.preventDefault();
    const data = new FormData(form);
    if (event.submitter && event.submitter.name) data.set(event.submitter.name, event.submitter.value);
    const body = new URLSearchParams(data);
    // A button with its own formaction (the chat offer's „Odrzuć”) posts there, as without JavaScript.
    const submitter = event.submitter;
    const action = submitter && submitter.hasAttribute("formaction") ? submitter.formAction : form.action;
    let resetId = null;
    const keep = focusAfter(form);
    const buttons = Array.from(form.querySelectorAll("button")).filter(function (b) { return !b.disabled; });
    buttons.forEach(function (b) { b.disabled = true; });
    try {
      const response = await fetch(action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", Accept: "application/json" },
      });
      if (response.status === 401) return toLogin();
      const data = await response.json().catch(function () { return {}; });
      showFormError(form, response.ok ? "" : data.message || "");
      if (data.message) announce(data.message);
      else if (response.status >= 500) { // a 503 (Redis down) carries no message: say it, do not stay silent
        setLive("lost", "serwer nie odpowiada");
        announce("Nie udało się: serwer chwilowo nie odpowiada. Spróbuj ponownie za chwilę.");
      } else if (!response.ok) { // refused (403, 404, 422): the server is there, the page is out of date
        announce("Nie udało się. Odśwież stronę i spróbuj ponownie.");
      }
      if (response.ok) dropDrafts(form);
      if (response.ok && form.hasAttribute("data-reset")) {
        form.reset();
        resetId = (form.querySelector("textarea[id]") || {}).id || null;
      }
    } catch (err) {
      announce("Nie udało się wysłać. Spróbuj ponownie.");
    } finally {
      buttons.forEach(function (b) { b.disabled = false; });
      await refresh().catch(function () {});
      const again = resetId && document.getElementById(resetId);
      if (again) again.focus(); // keep writing: the message box is ready for the next line
      else keep();
    }
  });

  // Enter sends a chat message, Shift+Enter starts a new line.
  document.addEventListener("keydown", function (event) {
    const box = event.target;
    if (event.key !== "Enter" || event.shiftKey || !(box instanceof HTMLTextAreaElement)) return;
    if (!box.form || !box.form.hasAttribute("data-reset")) return;
    event.preventDefault();
    if (box.value.trim()) box.form.requestSubmit();
  });

  document.addEventListener("visibilitychange", showTitle); // back in the tab: the lines are seen
  document.addEventListener("input", saveDraft);
  document.addEventListener("change", saveDraft);
  for (const name of Object.keys(panels)) last[name] = null;
  restoreDrafts();
  showTitle();
  tickWaits();
  window.setInterval(tickWaits, 1000);
  connect();
})();
