// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Tell the server the browser's time zone, so visitors see times in their zone.
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("tz=" + tz) === -1) {
      document.cookie = "tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* old browser: server default zone */ }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  // The header menu is a <details>, so it opens without script; with script it also closes,
  // as menus do, on a click elsewhere or on Escape (focus goes back to its button).
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });

  // Code blocks and tables wider than the post scroll inside it (forum.css): make each box
  // that actually scrolls a tab stop, so keyboard users can scroll it with the arrow keys.
  function focusableScrollers(root) {
    root.querySelectorAll(".cooked pre, .cooked table").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
      } else if (box.hasAttribute("data-scroller")) {
        box.removeAttribute("tabindex");
      }
      box.setAttribute("data-scroller", "");
    });
  }
  focusableScrollers(document);
  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { focusableScrollers(document); }, 200);
  });
  // Previews and other fragments added later (composer.js) announce themselves with this event.
  document.addEventListener("circolo:content", function (event) { focusableScrollers(event.target); });

  // Live preview for the reply box: posts the text to /preview, which returns cooked HTML
  // rendered by the same sanitising pipeline as a saved post.
  document.querySelectorAll("form[data-preview]").forEach(function (form) {
    var button = form.querySelector(".js-preview");
    var target = form.querySelector(".preview");
    if (!button || !target) { return; }
    button.hidden = false;
    button.addEventListener("click", function (event) {
      event.preventDefault();  // without script the button sends the form for a preview instead
      var body = new FormData();
      body.append("body", form.querySelector("textarea").value);
      body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
      fetch(form.getAttribute("data-preview"), { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          target.innerHTML = html; target.hidden = false;
          target.dispatchEvent(new CustomEvent("circolo:content", { bubbles: true }));
        });
    });
  });
})();
