// The handoff page: refresh the conversation every 2 seconds; messages as text only, never HTML.
"use strict";

(function () {
  const chat = document.getElementById("chat");
  if (!chat) return;
  const url = chat.dataset.messagesUrl;
  const errorEl = document.getElementById("handoff-error");
  const pauseEl = document.getElementById("pause-state");
  let lastCount = -1;

  function line(l) {
    const li = document.createElement("li");
    li.className = "line line-" + l.speaker;
    const who = document.createElement("span");
    who.className = "speaker";
    who.textContent = l.speaker === "child" ? "Child" : l.speaker === "staff" ? (l.staff_name || "Staff")
      : l.speaker === "bot" ? "Bot" : "·";
    li.appendChild(who);
    if (l.time) {
      const t = document.createElement("time");
      t.className = "muted small";
      t.dateTime = l.time;
      t.textContent = " " + new Date(l.time).toLocaleTimeString("en-GB", { timeZone: "Europe/London" });
      li.appendChild(t);
    }
    const said = document.createElement("div");
    said.className = "said";
    said.textContent = l.text;
    li.appendChild(said);
    return li;
  }

  async function refresh() {
    try {
      const resp = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      const data = await resp.json();
      if (resp.status === 403) {
        // Handed back, or never ours: the server refuses, so stop asking.
        window.clearInterval(timer);
        errorEl.textContent = "You can no longer read this conversation: " + data.error + ".";
        errorEl.hidden = false;
        return;
      }
      if (!resp.ok) throw new Error(data.error || "HTTP " + resp.status);
      errorEl.hidden = true;
      if (data.lines.length !== lastCount) {
        lastCount = data.lines.length;
        chat.replaceChildren.apply(chat, data.lines.map(line));
        chat.lastElementChild && chat.lastElementChild.scrollIntoView({ block: "end" });
      }
      pauseEl.textContent = data.paused ? "Bot paused: " + (data.handoff_by || "a person") + " is talking" : "The bot is talking";
      pauseEl.className = "badge " + (data.paused ? "info" : "ok");
    } catch (err) {
      errorEl.textContent = "Could not refresh the conversation (" + err.message + "). Still trying.";
      errorEl.hidden = false;
    }
  }
  const timer = window.setInterval(refresh, 2000);
})();
