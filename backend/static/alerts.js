// Live safeguarding alerts: server-sent events, highlight, title flash, count badge and a beep.
// Every text from a child is put in with textContent, never as HTML.
"use strict";

(function () {
  const body = document.getElementById("alerts-body");
  if (!body) return;
  const countEl = document.getElementById("open-count");
  const statusEl = document.getElementById("live-status");
  const problemEl = document.getElementById("live-problem");
  const soundBtn = document.getElementById("sound-toggle");
  const baseTitle = document.title;
  const OPEN = new Set(["new", "escalated"]);
  const CATEGORY = {
    self_harm_suicide: "Self-harm or suicide", physical_abuse: "Physical abuse", sexual_abuse: "Sexual abuse",
    sexual_exploitation_grooming: "Sexual exploitation or grooming", criminal_exploitation: "Criminal exploitation",
    going_missing: "Going missing", neglect: "Neglect", bullying_threats: "Bullying or threats",
    staff_conduct: "Staff conduct", unsafe_general: "Feels unsafe",
  };
  const state = new Map(); // id -> latest summary
  let unseen = 0;
  let flashTimer = null;
  let audio = null;
  let source = null;
  let retryTimer = null;

  // ---- sound: a short two-tone beep made with the Web Audio API (no audio file) ----
  function audioContext() {
    if (!audio) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return null;
      audio = new Ctx();
    }
    return audio;
  }
  function soundReady() { return audio !== null && audio.state === "running"; }
  function showSoundState() {
    soundBtn.textContent = soundReady() ? "Sound on" : "Turn on sound";
    soundBtn.classList.toggle("btn-primary", !soundReady());
  }
  function enableSound() {
    const ctx = audioContext();
    if (ctx) ctx.resume().then(showSoundState, showSoundState);
  }
  function beep() {
    const ctx = audioContext();
    if (!ctx || ctx.state !== "running") return;
    const t = ctx.currentTime;
    [[880, 0], [660, 0.25], [880, 0.5]].forEach(function (pair) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = pair[0];
      gain.gain.setValueAtTime(0.0001, t + pair[1]);
      gain.gain.exponentialRampToValueAtTime(0.3, t + pair[1] + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + pair[1] + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t + pair[1]);
      osc.stop(t + pair[1] + 0.22);
    });
  }
  soundBtn.addEventListener("click", enableSound);
  // Browsers only allow sound after the person has touched the page.
  document.addEventListener("pointerdown", enableSound, { once: true });
  document.addEventListener("keydown", enableSound, { once: true });
  showSoundState();

  // ---- title flash and count badge ----
  function openCount() {
    let n = 0;
    state.forEach(function (a) { if (OPEN.has(a.status)) n += 1; });
    return n;
  }
  function showCount() {
    const n = openCount();
    countEl.textContent = n + " open";
    countEl.classList.toggle("has-open", n > 0);
  }
  function flashTitle() {
    if (flashTimer) return;
    let on = false;
    flashTimer = window.setInterval(function () {
      on = !on;
      document.title = on ? "(" + unseen + ") NEW SAFEGUARDING ALERT" : baseTitle;
    }, 800);
  }
  function stopFlash() {
    if (flashTimer) window.clearInterval(flashTimer);
    flashTimer = null;
    unseen = 0;
    document.title = baseTitle;
  }
  window.addEventListener("focus", stopFlash);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) window.setTimeout(stopFlash, 4000); });

  // ---- rows ----
  function when(iso) {
    const d = new Date(iso);
    return d.toLocaleString("en-GB", {
      timeZone: "Europe/London", weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
  }
  function cell(tr, text, cls) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    if (text !== null) td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function render(a) {
    const tr = document.createElement("tr");
    tr.dataset.id = String(a.id);
    tr.className = "alert-row row-sev-" + (a.severity || "none") + " status-" + a.status;
    const link = document.createElement("a");
    link.className = "ref";
    link.href = "/staff/alerts/" + encodeURIComponent(a.id);
    link.textContent = "#" + a.id;
    cell(tr, null).appendChild(link);
    const time = document.createElement("time");
    time.dateTime = a.received_at;
    time.textContent = when(a.received_at);
    cell(tr, null).appendChild(time);
    const sev = document.createElement("span");
    sev.className = "sev sev-" + (a.severity || "none");
    sev.textContent = a.severity || "not given";
    cell(tr, null).appendChild(sev);
    cell(tr, a.category ? (CATEGORY[a.category] || a.category.replace(/_/g, " ")) : "Not given");
    cell(tr, a.home);
    const status = cell(tr, null, "status");
    const badge = document.createElement("span");
    badge.className = "badge " + (OPEN.has(a.status) ? "overdue" : "ok");
    badge.textContent = a.status.charAt(0).toUpperCase() + a.status.slice(1) +
      (a.escalation_level ? " (step " + a.escalation_level + ")" : "");
    status.appendChild(badge);
    if (a.acknowledged_by) {
      status.appendChild(document.createElement("br"));
      const by = document.createElement("small");
      by.textContent = "by " + a.acknowledged_by;
      status.appendChild(by);
    }
    if (a.handoff_by) {
      status.appendChild(document.createElement("br"));
      const h = document.createElement("small");
      h.textContent = a.handoff_by + " is talking with the child";
      status.appendChild(h);
    }
    const msg = a.message.length > 160 ? a.message.slice(0, 157) + "..." : a.message;
    cell(tr, msg, "clip");
    return tr;
  }
  function upsert(a, isNew) {
    const empty = body.querySelector("tr.empty-row");
    if (empty) empty.remove();
    const old = body.querySelector('tr[data-id="' + String(a.id) + '"]');
    const tr = render(a);
    if (old) {
      if (old.classList.contains("fresh") && OPEN.has(a.status)) tr.classList.add("fresh");
      old.replaceWith(tr);
    } else {
      body.insertBefore(tr, body.firstChild);
    }
    state.set(a.id, a);
    if (isNew) {
      tr.classList.add("fresh");
      unseen += 1;
      beep();
      flashTitle();
    }
    showCount();
  }

  // Rows rendered by the server are already known (no cue for them).
  body.querySelectorAll("tr[data-id]").forEach(function (tr) {
    const open = OPEN.has(tr.className.replace(/.*status-(\w+).*/, "$1"));
    state.set(Number(tr.dataset.id), { id: Number(tr.dataset.id), status: open ? "new" : "closed" });
  });

  // ---- the event stream ----
  function problem(text) {
    problemEl.textContent = text;
    problemEl.hidden = !text;
  }
  function connect() {
    if (source) source.close();
    source = new EventSource("/staff/alerts/stream");
    source.addEventListener("open", function () {
      statusEl.textContent = "Live";
      statusEl.className = "live-status live";
      problem("");
    });
    source.addEventListener("snapshot", function (ev) {
      JSON.parse(ev.data).forEach(function (a) { upsert(a, !state.has(a.id)); });
    });
    source.addEventListener("alert", function (ev) {
      const a = JSON.parse(ev.data);
      upsert(a, !state.has(a.id));
    });
    source.addEventListener("expired", function (ev) {
      source.close();
      const reason = JSON.parse(ev.data).reason;
      statusEl.textContent = reason === "session ended" ? "Logged out" : "Stopped";
      statusEl.className = "live-status down";
      problem(reason === "session ended"
        ? "You have been logged out, so new alerts will NOT appear. Log in again."
        : "Your access changed (" + reason + "), so new alerts will NOT appear. Reload the page.");
    });
    source.addEventListener("error", function () {
      statusEl.textContent = "Reconnecting…";
      statusEl.className = "live-status down";
      if (source.readyState === EventSource.CLOSED) {
        problem("Live alerts are not connected. Trying again every few seconds; reload the page if this stays.");
        if (!retryTimer) retryTimer = window.setTimeout(function () { retryTimer = null; connect(); }, 5000);
      }
    });
  }
  connect();
})();
