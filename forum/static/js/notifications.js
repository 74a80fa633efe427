// The bell (base.html): a <details> that opens without script, offering the notifications page
// and "mark all as read". With script, opening it loads the latest notices (GET
// /notifications/menu, an HTML fragment of POST buttons that mark a notice read and go to it),
// and it closes like a menu: on a click elsewhere or on Escape.
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
