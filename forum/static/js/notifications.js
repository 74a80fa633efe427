// The bell (base.html): a <details> that opens without script, offering the notifications page
// and "mark all as read". With script, opening it loads the latest notices (GET
// /notifications/menu, an HTML fragment of POST buttons that mark a notice read and go to it),
// and it closes like a menu: on a click elsewhere or on Escape. While the page is in view it asks
// for the unread count once a minute (GET /notifications/unread), and at once when the member
// comes back to the tab, so a reply shows on the bell without a reload.
(function () {
  "use strict";
  var bell = document.querySelector("details.notif-menu[data-menu]");
  if (!bell) { return; }
  var items = bell.querySelector("[data-notif-items]");
  var state = "idle";

  function load() {
    if (state !== "idle") { return; }
    state = "loading";
    items.setAttribute("aria-busy", "true");
    fetch(bell.getAttribute("data-menu"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        items.innerHTML = html;
        state = "loaded";
      })
      .catch(function () { state = "idle"; })  // the page link is still there; try again next time
      .then(function () { items.removeAttribute("aria-busy"); });
  }

  bell.addEventListener("toggle", function () { if (bell.open) { load(); } });

  var summary = bell.querySelector("summary");
  var unreadUrl = bell.getAttribute("data-unread");
  var POLL_MS = 60000;
  var shown = null;

  function show(count, label) {
    var badge = summary.querySelector(".count");
    if (count > 0) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "count";
        badge.setAttribute("aria-hidden", "true");
        summary.appendChild(badge);
      }
      badge.textContent = String(count);
    } else if (badge) {
      badge.parentNode.removeChild(badge);
    }
    summary.setAttribute("aria-label", label);
  }

  function poll() {
    if (document.visibilityState !== "visible" || bell.open) { return; }
    fetch(unreadUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || typeof data.unread !== "number") { return; }
        if (data.unread !== shown && state === "loaded") { state = "idle"; }  // reload the list next time
        shown = data.unread;
        show(data.unread, String(data.label || ""));
      })
      .catch(function () {});  // offline for a moment: the next minute tries again
  }

  if (unreadUrl) {
    window.setInterval(poll, POLL_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { poll(); }
    });
  }
  document.addEventListener("click", function (event) {
    if (bell.open && !bell.contains(event.target)) { bell.open = false; }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && bell.open) {
      bell.open = false;
      bell.querySelector("summary").focus();
    }
  });
})();
