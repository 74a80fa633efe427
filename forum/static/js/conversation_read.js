// A conversation's reading: when the page shows, the messages it shows are marked read (one
// POST with the CSRF token), and the header's envelope takes the new count. Progressive
// enhancement only: without JavaScript the page's "Mark as read" button does it.
// Strict CSP: no inline script, no eval, no innerHTML.
//
// Markup it reads (messages/conversation.html):
//   section.conversation[data-read-url]  POST target; [data-read-token] the CSRF token;
//                                        [data-read-number] the last message the page shows
//   .messages-link                       the header's envelope (its .count is replaced)
(function () {
  "use strict";

  function updateEnvelope(answer) {
    var link = document.querySelector(".messages-link");
    if (!link || typeof answer.unread !== "number") { return; }
    var count = link.querySelector(".count");
    if (answer.unread > 0) {
      if (!count) {
        count = document.createElement("span");
        count.className = "count";
        count.setAttribute("aria-hidden", "true");
        link.appendChild(count);
      }
      count.textContent = String(answer.unread);
    } else if (count) {
      count.parentNode.removeChild(count);
    }
    if (answer.label) { link.setAttribute("aria-label", answer.label); }
  }

  function send(section) {
    var data = new FormData();
    data.append("csrf_token", section.getAttribute("data-read-token") || "");
    data.append("number", section.getAttribute("data-read-number") || "");
    fetch(section.getAttribute("data-read-url"), { method: "POST", body: data, credentials: "same-origin",
                                                   headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer) { return; }
        updateEnvelope(answer);
      })
      .catch(function () { /* not recorded: the next visit tries again */ });
  }

  function start() {
    if (!window.fetch) { return; }
    var section = document.querySelector("section.conversation[data-read-url]");
    if (!section) { return; }
    if (document.visibilityState !== "hidden") { send(section); return; }
    // Opened in a background tab: read once it shows.
    document.addEventListener("visibilitychange", function shown() {
      if (document.visibilityState === "hidden") { return; }
      document.removeEventListener("visibilitychange", shown);
      send(section);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
