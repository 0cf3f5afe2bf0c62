// The browser playground: microphone -> WebSocket -> the gateway's call pipeline -> bot audio back.
// The page plays Twilio's part: it streams caller audio, plays the bot's 8 kHz audio in order, answers
// each "mark" when the audio before it has played, and drops queued audio on "clear" (barge-in).
// When the talk ends (hang-up, or the server ends it) the queued audio stops at once: the server sends up
// to INFOLINIA_PLAYOUT_LEAD_S ahead and records a reply cut at the hang-up, so nothing may play on.
// main.dataset.playing counts the scheduled sources (the browser tests read it).
"use strict";
(function () {
  const main = document.getElementById("main");
  const stateEl = document.getElementById("state");
  const list = document.getElementById("transcript");
  const timings = document.querySelector("#timings tbody");
  const btnCall = document.getElementById("btn-call");
  const btnHangup = document.getElementById("btn-hangup");
  const btnZero = document.getElementById("btn-zero");
  const btnAgain = document.getElementById("btn-again");
  let ws = null, ctx = null, stream = null, node = null, sink = null;
  let playHead = 0, sources = [], marks = [];

  function setState(text, state) {
    stateEl.textContent = text;
    stateEl.dataset.state = state;
  }

  function line(role, who, text) {
    const li = document.createElement("li");
    li.className = role;
    const name = document.createElement("span");
    name.className = "who";
    name.textContent = who;
    li.append(name, document.createTextNode(text));
    list.append(li);
    li.scrollIntoView({ block: "nearest" });
    return li;
  }

  function ms(v) { return v === null || v === undefined ? "–" : String(Math.round(v)); }

  function addTiming(t) {
    const row = document.createElement("tr");
    const s = t.stages || {};
    const cells = [String(t.turn) + (t.source === "dtmf" ? " (klawisz)" : "") + (t.speculative ? " *" : ""),
      ms(s.turn_detected), ms(s.transcript_ready), ms(t.asr_ms), ms(s.dialog_decided), ms(s.first_audio_sent)];
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = c;
      row.append(td);
    }
    row.dataset.latency = ms(t.latency_ms);
    timings.append(row);
  }

  // --- the bot's audio: 8 kHz PCM, queued back to back; marks answered when reached -----------------
  function play(buf) {
    const pcm = new Int16Array(buf);
    if (!pcm.length) return;
    const audio = ctx.createBuffer(1, pcm.length, 8000);
    const ch = audio.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) ch[i] = pcm[i] / 32768;
    const src = ctx.createBufferSource();
    src.buffer = audio;
    src.connect(ctx.destination);
    playHead = Math.max(playHead, ctx.currentTime);
    src.start(playHead);
    playHead += audio.duration;
    sources.push(src);
    src.onended = () => { sources = sources.filter((s) => s !== src); counted(); };
    counted();
  }

  function counted() { main.dataset.playing = String(sources.length); }

  function mark(name) {
    const due = Math.max(0, playHead - ctx.currentTime) * 1000;
    const entry = { name: name, timer: 0 };
    entry.timer = setTimeout(() => answerMark(entry), due);
    marks.push(entry);
  }

  function answerMark(entry) {
    marks = marks.filter((m) => m !== entry);
    send({ type: "mark", name: entry.name });
  }

  function stopAudio() {
    for (const s of sources) { try { s.stop(); } catch (e) { /* already stopped */ } }
    sources = [];
    counted();
    if (ctx) playHead = ctx.currentTime;
  }

  function clearAudio() { // barge-in: the marks go back at once, as Twilio answers them on "clear"
    stopAudio();
    for (const m of marks.slice()) { clearTimeout(m.timer); answerMark(m); }
  }

  function silence() { // the talk is over: nothing plays on, and no mark claims audio that never played
    stopAudio();
    for (const m of marks) clearTimeout(m.timer);
    marks = [];
  }

  function send(obj) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
  }

  // --- page events from the gateway ---------------------------------------------------------------
  function onEvent(e) {
    if (e.kind === "caller") line("caller", "Ty:", e.text);
    else if (e.kind === "bot") line("bot", "Bot:", e.text);
    else if (e.kind === "retract") line("system", "", "(ciąg dalszy wypowiedzi — rozpoznaję całość)");
    else if (e.kind === "turn") addTiming(e);
    else if (e.kind === "end") { line("system", "", e.text); main.dataset.ended = e.how; }
    else if (e.kind === "done") finish("Rozmowa zakończona.");
  }

  function onMessage(msg) {
    const over = stateEl.dataset.state === "ended"; // audio still in flight after the end is not played
    if (msg.data instanceof ArrayBuffer) { if (!over) play(msg.data); return; }
    let body;
    try { body = JSON.parse(msg.data); } catch (e) { return; }
    if (body.type === "mark") { if (!over) mark(body.name); }
    else if (body.type === "clear") clearAudio();
    else if (body.type === "event") onEvent(body);
  }

  // --- the microphone: native rate, int16, resampled to 8 kHz by the gateway ----------------------
  function capture() {
    const source = ctx.createMediaStreamSource(stream);
    node = ctx.createScriptProcessor(2048, 1, 1);
    sink = ctx.createGain();
    sink.gain.value = 0; // the processor must reach the destination to run; the caller must not hear themself
    node.onaudioprocess = (ev) => {
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      const input = ev.inputBuffer.getChannelData(0);
      const out = new Int16Array(input.length);
      for (let i = 0; i < input.length; i++) out[i] = Math.max(-1, Math.min(1, input[i])) * 32767;
      ws.send(out.buffer);
    };
    source.connect(node);
    node.connect(sink);
    sink.connect(ctx.destination);
  }

  async function call() {
    btnCall.disabled = true;
    setState("Łączenie…", "connecting");
    try {
      ctx = new AudioContext();
      await ctx.resume();
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
    } catch (err) {
      setState("Brak dostępu do mikrofonu: " + err.message, "error");
      return;
    }
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + main.dataset.ws);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: "start", rate: ctx.sampleRate }));
      capture();
      setState("Rozmowa trwa — mów do mikrofonu.", "live");
      btnHangup.disabled = false;
      btnZero.disabled = false;
    };
    ws.onmessage = onMessage;
    ws.onclose = (ev) => finish(ev.code === 1008 ? "Bilet rozmowy wygasł — odśwież stronę." : "Rozmowa zakończona.");
  }

  function finish(text) {
    if (stateEl.dataset.state === "ended") return;
    setState(text, "ended");
    silence();
    if (node) node.disconnect();
    if (stream) for (const t of stream.getTracks()) t.stop();
    btnHangup.disabled = true;
    btnZero.disabled = true;
    btnAgain.hidden = false;
  }

  btnCall.addEventListener("click", call);
  btnHangup.addEventListener("click", () => { silence(); send({ type: "hangup" }); if (ws) ws.close(); });
  btnZero.addEventListener("click", () => send({ type: "dtmf", digit: "0" }));
})();
