/* Staff set the tablet's home once. Kept in localStorage as tablet configuration
   (never conversation content), after the server has checked the setup code. */
(() => {
  "use strict";
  const HOME_KEY = "tablet.home";
  const form = document.getElementById("setup-form");
  const homeInput = document.getElementById("home");
  const codeInput = document.getElementById("setup-code");
  const current = document.getElementById("current");
  const message = document.getElementById("message");

  function showCurrent() {
    const home = localStorage.getItem(HOME_KEY);
    current.textContent = home ? `This tablet is set up for home: ${home}` : "This tablet has no home set yet.";
    if (home && !homeInput.value) homeInput.value = home;
  }

  function say(text, ok) {
    message.textContent = text;
    message.className = `message ${ok ? "ok" : "error"}`;
    message.hidden = false;
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
      const response = await fetch("/chat/setup", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ home, setup_code: codeInput.value }),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        say(data.error || `Setup failed (${response.status}).`, false);
        return;
      }
      localStorage.setItem(HOME_KEY, data.home);
      codeInput.value = "";
      showCurrent();
      say(`Saved. This tablet now belongs to home ${data.home}.`, true);
    } catch (e) {
      say("Could not reach the server. Check the connection and try again.", false);
    }
  });

  document.getElementById("forget").addEventListener("click", () => {
    localStorage.removeItem(HOME_KEY);
    homeInput.value = "";
    showCurrent();
    say("Removed. This tablet has no home set.", true);
  });

  showCurrent();
})();
