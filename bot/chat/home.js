/* The neutral page "Quick exit" leads to: a clock and the date, nothing else. */
(() => {
  "use strict";
  const greeting = document.getElementById("greeting");
  const clock = document.getElementById("clock");
  const date = document.getElementById("date");

  function tick() {
    const now = new Date();
    const hour = now.getHours();
    greeting.textContent = hour < 12 ? "Good morning" : hour < 18 ? "Good afternoon" : "Good evening";
    clock.textContent = now.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
    date.textContent = now.toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long" });
  }

  tick();
  setInterval(tick, 15000);
})();
