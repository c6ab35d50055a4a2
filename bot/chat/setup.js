/* Staff set the tablet's home once. The server checks the setup code and answers with a
   signed tablet token in an HttpOnly cookie: this page never sees the token, and nothing
   about the home is kept in the browser's storage. Forgetting needs the setup code again. */
(() => {
  "use strict";
  const form = document.getElementById("setup-form");
  const homeInput = document.getElementById("home");
  const codeInput = document.getElementById("setup-code");
  const current = document.getElementById("current");
  const message = document.getElementById("message");

  // Older versions of the page kept the home here; it means nothing now.
  try {
    localStorage.removeItem("tablet.home");
  } catch (e) {
    /* storage blocked: nothing kept */
  }

  async function showCurrent() {
    try {
      const response = await fetch("/chat/tablet", { cache: "no-store", credentials: "same-origin" });
      const data = await response.json().catch(() => ({}));
      if (response.ok && data.home) {
        current.textContent = `This tablet is set up for home: ${data.home}`;
        if (!homeInput.value) homeInput.value = data.home;
      } else {
        current.textContent = "This tablet is not set up yet.";
      }
    } catch (e) {
      current.textContent = "Could not reach the server to check this tablet.";
    }
  }

  function say(text, ok) {
    message.textContent = text;
    message.className = `message ${ok ? "ok" : "error"}`;
    message.hidden = false;
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    return { response, data };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const home = homeInput.value.trim();
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(home)) {
      say("Please enter a home code: letters, numbers, dots, dashes or underscores.", false);
      homeInput.focus();
      return;
    }
    try {
      const { response, data } = await post("/chat/setup", { home, setup_code: codeInput.value });
      if (!response.ok) {
        say(data.error || `Setup failed (${response.status}).`, false);
        return;
      }
      codeInput.value = "";
      await showCurrent();
      say(`Saved. This tablet now belongs to home ${data.home}.`, true);
    } catch (e) {
      say("Could not reach the server. Check the connection and try again.", false);
    }
  });

  document.getElementById("forget").addEventListener("click", async () => {
    if (!codeInput.value) {
      say("Enter the setup code to forget this tablet.", false);
      codeInput.focus();
      return;
    }
    try {
      const { response, data } = await post("/chat/forget", { setup_code: codeInput.value });
      if (!response.ok) {
        say(data.error || `Could not forget this tablet (${response.status}).`, false);
        return;
      }
      codeInput.value = "";
      homeInput.value = "";
      await showCurrent();
      say("Forgotten. This tablet has no home now; the chat will not work on it until it is set up again.", true);
    } catch (e) {
      say("Could not reach the server. Check the connection and try again.", false);
    }
  });

  showCurrent();
})();
