/* The tablet chat page.
 *
 * Talks to the Rasa server's chat channel on the same origin:
 *   POST /chat/webhook   one message, the bot's replies back
 *   GET  /chat/updates   staff messages and handoff state (polled)
 *   GET  /chat/config    idle timeout and polling interval
 *
 * Privacy on a shared tablet: the conversation lives in sessionStorage only
 * while it is going on; Quick exit, Start again, the end of a conversation and
 * a few idle minutes all wipe it. Nothing else is kept by the page: which home
 * the tablet belongs to is in the signed tablet token that /chat/setup gave it,
 * an HttpOnly cookie this script cannot read and the browser sends by itself.
 *
 * Refusals the child is told about kindly: 401 (the tablet is not set up), 429
 * (slow down: the message stays and is sent again after Retry-After), 413 or a
 * message over the length limit (the words go back in the box to send shorter).
 */
(() => {
  "use strict";

  const SESSION_KEY = "chat.session";
  const SEND_TIMEOUT_MS = 25000;
  const RETRY_DELAYS_MS = [2000, 4000, 8000, 15000, 30000];
  const MAX_SLOW_DOWN_MS = 60000;
  // References (THX-7K4Q-2M) and six-character access codes are shown large and spaced.
  const REFERENCE = /\b([A-Z]{3}-[A-Z0-9]{4}-[A-Z0-9]{2}|(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6})\b/g;

  const $ = (id) => document.getElementById(id);
  const ui = {
    messages: $("messages"),
    conversation: document.querySelector(".conversation"),
    typing: $("typing"),
    problem: $("problem"),
    retryNow: $("retry-now"),
    slowDown: $("slow-down"),
    sendAgain: $("send-again"),
    notSetUp: $("not-set-up"),
    handoff: $("handoff"),
    announcer: $("announcer"),
    composer: $("composer"),
    input: $("message-input"),
    quickExit: $("quick-exit"),
    unsafe: $("feel-unsafe"),
    readAll: $("read-all"),
    startAgain: $("start-again"),
    confirm: $("confirm-restart"),
    confirmYes: $("restart-yes"),
    confirmNo: $("restart-no"),
  };

  const config = { idle_minutes: 5, poll_seconds: 2.5 };
  const speech = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window ? window.speechSynthesis : null;

  // ---- session state -------------------------------------------------------

  let state = null; // {sender, items, after, readAll, lastActive}
  let generation = 0; // bumps on every new session: late answers for an old one are dropped
  const outbox = []; // messages not yet answered, oldest first; each keeps its one id
  let inFlight = null;
  let retryTimer = null;
  let retryIndex = 0;
  let pollTimer = null;

  function newId() {
    // crypto.randomUUID needs a secure context; the tablet may use plain http on the home's network.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function freshState() {
    return { sender: newId(), items: [], after: 0, readAll: false, lastActive: Date.now() };
  }

  function idleMs() {
    return config.idle_minutes * 60 * 1000;
  }

  function save() {
    if (!state) return;
    try {
      sessionStorage.setItem(SESSION_KEY, JSON.stringify(state));
    } catch (e) {
      /* storage full or blocked: the chat still works, it just won't survive a reload */
    }
  }

  function load() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.items)) {
        if (Date.now() - (saved.lastActive || 0) < idleMs()) return saved;
      }
    } catch (e) {
      /* unreadable: start fresh */
    }
    wipeStorage();
    return null;
  }

  /** Remove everything this page keeps (older versions kept the home in localStorage: gone too). */
  function wipeStorage() {
    try {
      sessionStorage.clear();
      localStorage.clear();
    } catch (e) {
      /* storage blocked: nothing was kept either */
    }
  }

  function touch() {
    if (!state) return;
    state.lastActive = Date.now();
    save();
  }

  // ---- rendering -----------------------------------------------------------

  /** Bot text to DOM without innerHTML: paragraphs, "- " lists, references in a box. */
  function renderText(container, text) {
    let list = null;
    for (const raw of String(text || "").split("\n")) {
      const line = raw.trim();
      if (!line) {
        list = null;
        continue;
      }
      if (/^[-•*]\s+/.test(line)) {
        if (!list) {
          list = document.createElement("ul");
          container.appendChild(list);
        }
        const li = document.createElement("li");
        appendWithCodes(li, line.replace(/^[-•*]\s+/, ""));
        list.appendChild(li);
      } else {
        list = null;
        const p = document.createElement("p");
        appendWithCodes(p, line);
        container.appendChild(p);
      }
    }
  }

  function appendWithCodes(el, text) {
    let last = 0;
    for (const match of text.matchAll(REFERENCE)) {
      el.appendChild(document.createTextNode(text.slice(last, match.index)));
      const code = document.createElement("strong");
      code.className = "code";
      code.textContent = match[1];
      el.appendChild(code);
      last = match.index + match[0].length;
    }
    el.appendChild(document.createTextNode(text.slice(last)));
  }

  function plainForSpeech(text) {
    return String(text || "")
      .replace(/^[-•*]\s+/gm, "")
      .replace(REFERENCE, (code) => code.split("").join(" "));
  }

  function staffLabel(name) {
    return `${name || "A member of staff"} (a person)`;
  }

  function renderItem(item) {
    const li = document.createElement("li");
    li.className = `msg msg-${item.kind}`;
    li.dataset.id = item.id;
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    const who = document.createElement("span");
    if (item.kind === "staff") {
      who.className = "who";
      who.textContent = staffLabel(item.staff_name);
    } else {
      who.className = "visually-hidden";
      who.textContent = item.kind === "user" ? "You said:" : "Helper said:";
    }
    bubble.appendChild(who);
    if (item.kind === "user") {
      const p = document.createElement("p");
      p.textContent = item.text;
      bubble.appendChild(p);
    } else {
      const avatar = document.createElement("span");
      avatar.className = "avatar";
      avatar.setAttribute("aria-hidden", "true");
      li.appendChild(avatar);
      renderText(bubble, item.text);
    }
    li.appendChild(bubble);
    if (item.kind === "user" && item.pending) {
      const note = document.createElement("span");
      note.className = "status-note";
      note.textContent = "Not sent yet";
      li.appendChild(note);
    }
    if (item.kind !== "user" && speech && item.text) {
      li.appendChild(speakButton(item));
    }
    if (item.buttons && item.buttons.length) {
      li.appendChild(choiceButtons(item));
    }
    return li;
  }

  function speakButton(item) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn speak";
    button.setAttribute("aria-pressed", "false");
    button.innerHTML =
      '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 9.5h3.5L12 6v12l-4.5-3.5H4z"/>' +
      '<path d="M15.5 9a4 4 0 0 1 0 6M18 6.5a7.5 7.5 0 0 1 0 11"/></svg><span>Read out loud</span>';
    button.addEventListener("click", () => {
      if (button.getAttribute("aria-pressed") === "true") {
        speech.cancel();
        return;
      }
      speak(item.text, button);
    });
    return button;
  }

  function choiceButtons(item) {
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Choose an answer");
    for (const b of item.buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn choice";
      button.textContent = b.title;
      button.addEventListener("click", () => send(b.payload, b.title, { fromChoice: true }));
      group.appendChild(button);
    }
    return group;
  }

  function renderAll() {
    ui.messages.replaceChildren(...state.items.map(renderItem));
    scrollToEnd();
  }

  function scrollToEnd() {
    requestAnimationFrame(() => {
      ui.conversation.scrollTop = ui.conversation.scrollHeight;
    });
  }

  /** Show new messages from their start, so a long answer is read from the top. */
  function scrollToShow(first) {
    requestAnimationFrame(() => {
      const box = ui.conversation;
      const top = first.offsetTop - 12; // .conversation is the offsetParent
      box.scrollTop = box.scrollHeight - top > box.clientHeight ? top : box.scrollHeight;
    });
  }

  function addItem(item) {
    state.items.push(item);
    save();
    const li = renderItem(item);
    ui.messages.appendChild(li);
    scrollToEnd();
    return li;
  }

  /** Old choices no longer apply once the child has answered. */
  function clearChoices() {
    for (const item of state.items) delete item.buttons;
    for (const group of ui.messages.querySelectorAll(".choices")) group.remove();
  }

  function announce(text) {
    // A fresh node each time so screen readers read every message once.
    const p = document.createElement("p");
    p.textContent = text;
    ui.announcer.appendChild(p);
    while (ui.announcer.childNodes.length > 3) ui.announcer.firstChild.remove();
  }

  function setTyping(on) {
    ui.typing.hidden = !on;
    if (on) scrollToEnd();
  }

  function setProblem(on) {
    ui.problem.hidden = !on;
    if (on) scrollToEnd();
  }

  function setSlowDown(on) {
    ui.slowDown.hidden = !on;
    if (on) scrollToEnd();
  }

  function setNotSetUp(on) {
    ui.notSetUp.hidden = !on;
    if (on) scrollToEnd();
  }

  function showHandoff(handoff) {
    const active = Boolean(handoff && handoff.active);
    const text = active ? `${staffLabel(handoff.staff_name)} is talking with you now.` : "";
    if (active === !ui.handoff.hidden && ui.handoff.textContent === text) return;
    ui.handoff.hidden = !active;
    ui.handoff.textContent = text;
  }

  // ---- speech --------------------------------------------------------------

  function speak(text, button) {
    if (!speech) return;
    speech.cancel();
    const utterance = new SpeechSynthesisUtterance(plainForSpeech(text));
    utterance.lang = "en-GB";
    utterance.rate = 0.95;
    if (button) {
      for (const other of ui.messages.querySelectorAll('.speak[aria-pressed="true"]')) {
        other.setAttribute("aria-pressed", "false");
      }
      button.setAttribute("aria-pressed", "true");
      const done = () => button.setAttribute("aria-pressed", "false");
      utterance.addEventListener("end", done);
      utterance.addEventListener("error", done);
    }
    speech.speak(utterance);
  }

  function queueSpeech(text) {
    if (!speech || !state.readAll) return;
    const utterance = new SpeechSynthesisUtterance(plainForSpeech(text));
    utterance.lang = "en-GB";
    utterance.rate = 0.95;
    speech.speak(utterance); // the browser queues these in order
  }

  function setReadAll(on) {
    state.readAll = on;
    ui.readAll.setAttribute("aria-pressed", on ? "true" : "false");
    if (!on && speech) speech.cancel();
    save();
  }

  // ---- receiving -----------------------------------------------------------

  function showBotMessages(replies, focusAfter) {
    let firstChoice = null;
    let firstNew = null;
    for (const reply of replies) {
      if (!reply || typeof reply !== "object") continue;
      const text = typeof reply.text === "string" ? reply.text : "";
      const buttons = Array.isArray(reply.buttons)
        ? reply.buttons
            .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
            .map((b) => ({ title: b.title, payload: b.payload }))
        : [];
      if (!text && !buttons.length) continue;
      const li = addItem({ kind: "bot", id: newId(), text, buttons });
      if (text) {
        announce(`Helper said: ${text}`);
        queueSpeech(text);
      }
      if (!firstChoice) firstChoice = li.querySelector(".choice");
      if (!firstNew) firstNew = li;
    }
    if (firstNew) scrollToShow(firstNew);
    const focusLost = document.activeElement === document.body || document.activeElement === ui.messages;
    if (focusAfter && focusLost) {
      // Answering by tapping removes the tapped button: put focus somewhere useful.
      const target = firstChoice || ui.messages;
      target.focus({ preventScroll: true });
    }
  }

  function showStaffMessages(messages) {
    for (const m of messages) {
      if (typeof m.timestamp === "number" && m.timestamp > state.after) state.after = m.timestamp;
      const buttons = Array.isArray(m.buttons) ? m.buttons : [];
      addItem({ kind: "staff", id: newId(), text: String(m.text || ""), buttons, staff_name: m.staff_name || null });
      announce(`${staffLabel(m.staff_name)} said: ${m.text}`);
      queueSpeech(m.text);
    }
    if (messages.length) touch();
  }

  // ---- sending -------------------------------------------------------------

  /**
   * Send a message. `shown` is what appears as the child's words (the button
   * title for a tapped choice); null sends silently (the greeting).
   */
  function send(message, shown, options = {}) {
    if (!state) return;
    const item = { kind: "user", id: newId(), text: shown, message, pending: true };
    clearChoices();
    if (shown !== null) addItem(item);
    outbox.push({ clientId: item.id, message, item, focusAfter: Boolean(options.fromChoice), generation });
    touch();
    pump();
  }

  async function pump() {
    if (inFlight || !outbox.length) return;
    const entry = outbox[0];
    inFlight = entry;
    setTyping(true);
    const controller = new AbortController();
    entry.abort = controller;
    const timer = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
    let outcome;
    try {
      const response = await fetch("/chat/webhook", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        // The home is not sent: the server reads it from the tablet token cookie.
        body: JSON.stringify({
          sender: state.sender,
          message: entry.message,
          metadata: { client_message_id: entry.clientId },
        }),
        signal: controller.signal,
        cache: "no-store",
        credentials: "same-origin",
      });
      outcome = await outcomeOf(response);
    } catch (e) {
      outcome = { retry: true };
    } finally {
      clearTimeout(timer);
    }
    if (entry.generation !== generation) return; // a new session started meanwhile
    inFlight = null;
    setTyping(false);
    if (outcome.retry || outcome.slowDown || outcome.notSetUp) {
      // The message stays first in the outbox with its id: nothing typed is lost.
      setProblem(Boolean(outcome.retry));
      setSlowDown(Boolean(outcome.slowDown));
      setNotSetUp(Boolean(outcome.notSetUp));
      clearTimeout(retryTimer);
      if (outcome.retry) {
        retryTimer = setTimeout(pump, RETRY_DELAYS_MS[Math.min(retryIndex, RETRY_DELAYS_MS.length - 1)]);
        retryIndex += 1;
      } else if (outcome.slowDown) {
        retryTimer = setTimeout(retryNow, Math.min(outcome.slowDown, MAX_SLOW_DOWN_MS));
      }
      // Not set up: nothing will change until staff set the tablet up; a reload sends it then.
      return;
    }
    outbox.shift();
    retryIndex = 0;
    setProblem(false);
    setSlowDown(false);
    setNotSetUp(false);
    if (outcome.tooLong) {
      giveBack(entry.item);
      showBotMessages(
        [
          {
            text:
              "That's too much for me to read in one go. Please send it in two or more shorter messages.\n" +
              "I've put your words back in the box.",
          },
        ],
        false,
      );
      touch();
      pump();
      return;
    }
    markSent(entry.item);
    if (outcome.rejected) {
      showBotMessages([{ text: "Sorry, I couldn't read that message. Can you say it in a different way?" }], false);
    } else {
      showBotMessages(Array.isArray(outcome.replies) ? outcome.replies : [], entry.focusAfter);
    }
    touch();
    schedulePoll(0);
    pump();
  }

  /** What the server's answer means for the page. */
  async function outcomeOf(response) {
    if (response.ok) return { ok: true, replies: await response.json() };
    if (response.status === 401) return { notSetUp: true };
    if (response.status === 429) {
      const seconds = Number.parseInt(response.headers.get("Retry-After") || "", 10);
      return { slowDown: (Number.isFinite(seconds) && seconds > 0 ? seconds : 5) * 1000 };
    }
    if (response.status === 413) return { tooLong: true };
    if (response.status >= 400 && response.status < 500) {
      const data = await response.json().catch(() => ({}));
      return data.code === "too_long" ? { tooLong: true } : { rejected: true };
    }
    return { retry: true };
  }

  /** A message that can never be sent as it is: off the screen, its words back in the box. */
  function giveBack(item) {
    state.items = state.items.filter((other) => other !== item);
    save();
    const li = ui.messages.querySelector(`[data-id="${item.id}"]`);
    if (li) li.remove();
    if (item.text && !ui.input.value) {
      ui.input.value = item.text;
      autosize();
    }
  }

  function markSent(item) {
    if (!item.pending) return;
    delete item.pending;
    save();
    const note = ui.messages.querySelector(`[data-id="${item.id}"] .status-note`);
    if (note) note.remove();
  }

  function retryNow() {
    clearTimeout(retryTimer);
    retryIndex = 0;
    setSlowDown(false);
    pump();
  }

  // ---- polling for staff messages -----------------------------------------

  function schedulePoll(delayMs) {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, delayMs);
  }

  async function poll() {
    const mine = generation;
    if (!state || document.visibilityState !== "visible" || !state.items.length) {
      schedulePoll(config.poll_seconds * 1000);
      return;
    }
    try {
      const query = new URLSearchParams({ sender: state.sender, after: String(state.after) });
      const response = await fetch(`/chat/updates?${query}`, { cache: "no-store", credentials: "same-origin" });
      if (response.ok && mine === generation) {
        const data = await response.json();
        showStaffMessages(Array.isArray(data.messages) ? data.messages : []);
        showHandoff(data.handoff);
      }
    } catch (e) {
      /* the send path tells the child about connection problems */
    }
    if (mine === generation) schedulePoll(config.poll_seconds * 1000);
  }

  // ---- sessions ------------------------------------------------------------

  function stopEverything() {
    generation += 1;
    for (const entry of outbox) if (entry.abort) entry.abort.abort();
    outbox.length = 0;
    inFlight = null;
    clearTimeout(retryTimer);
    clearTimeout(pollTimer);
    retryIndex = 0;
    if (speech) speech.cancel();
  }

  function clearScreen() {
    ui.messages.replaceChildren();
    ui.announcer.replaceChildren();
    setTyping(false);
    setProblem(false);
    setSlowDown(false);
    setNotSetUp(false);
    showHandoff(null);
    ui.input.value = "";
    autosize();
  }

  function startSession({ greet }) {
    const readAll = state ? state.readAll : false;
    stopEverything();
    wipeStorage();
    clearScreen();
    state = freshState();
    state.readAll = readAll;
    setReadAll(readAll);
    save();
    if (greet) send("/greet", null, { fromChoice: false });
    schedulePoll(config.poll_seconds * 1000);
  }

  function hasChildSpoken() {
    return state && state.items.some((item) => item.kind === "user");
  }

  function checkIdle() {
    if (!state || !hasChildSpoken()) return;
    if (Date.now() - state.lastActive >= idleMs()) {
      startSession({ greet: true });
      ui.messages.focus({ preventScroll: true });
    }
  }

  function quickExit() {
    // Screen first, at once; then storage; then leave for a page with no trace of the chat.
    document.body.replaceChildren();
    document.title = "Home";
    stopEverything();
    state = null;
    wipeStorage();
    window.location.replace("/chat/home");
  }

  // ---- wiring --------------------------------------------------------------

  function autosize() {
    if (!ui.input.value) {
      ui.input.style.height = ""; // empty: CSS decides (a wrapped placeholder must not grow it)
      return;
    }
    ui.input.style.height = "auto";
    ui.input.style.height = `${Math.min(ui.input.scrollHeight + 4, 152)}px`;
  }

  function submitTyped(event) {
    if (event) event.preventDefault();
    const text = ui.input.value.trim();
    if (!text) {
      ui.input.focus();
      return;
    }
    ui.input.value = "";
    autosize();
    send(text, text);
    ui.input.focus();
  }

  function wire() {
    ui.quickExit.addEventListener("click", quickExit);
    ui.unsafe.addEventListener("click", () => send("/feel_unsafe", "I don't feel safe", { fromChoice: true }));
    ui.startAgain.addEventListener("click", () => {
      if (typeof ui.confirm.showModal === "function") ui.confirm.showModal();
      else startSession({ greet: true });
    });
    ui.confirmYes.addEventListener("click", () => {
      ui.confirm.close();
      startSession({ greet: true });
      ui.messages.focus({ preventScroll: true });
    });
    ui.confirmNo.addEventListener("click", () => ui.confirm.close());
    ui.retryNow.addEventListener("click", retryNow);
    ui.sendAgain.addEventListener("click", retryNow);
    ui.composer.addEventListener("submit", submitTyped);
    ui.input.addEventListener("input", autosize);
    ui.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) submitTyped(event);
    });
    if (speech) {
      ui.readAll.hidden = false;
      ui.readAll.addEventListener("click", () => setReadAll(!state.readAll));
    }
    for (const type of ["pointerdown", "keydown", "input"]) {
      document.addEventListener(type, touch, { passive: true, capture: true });
    }
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        checkIdle();
        schedulePoll(0);
      }
    });
    window.addEventListener("online", retryNow);
    setInterval(checkIdle, 15000);
  }

  async function loadConfig() {
    try {
      const response = await fetch("/chat/config", { cache: "no-store" });
      if (!response.ok) return;
      const data = await response.json();
      if (data.idle_minutes > 0) config.idle_minutes = data.idle_minutes;
      if (data.poll_seconds > 0) config.poll_seconds = data.poll_seconds;
    } catch (e) {
      /* defaults are fine */
    }
  }

  async function main() {
    wire();
    await loadConfig();
    const saved = load();
    if (saved && saved.items.length) {
      state = saved;
      for (const item of state.items) {
        if (item.pending) {
          // Sent before the reload with this same id: the server answers a repeat once.
          outbox.push({ clientId: item.id, message: item.message, item, focusAfter: false, generation });
        }
      }
      setReadAll(Boolean(state.readAll));
      renderAll();
      pump();
      schedulePoll(0);
    } else {
      startSession({ greet: true });
    }
  }

  main();
})();
