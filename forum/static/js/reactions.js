// Reactions and bookmarks without a page reload. Progressive enhancement only: every form here
// is an ordinary POST form that works without JavaScript (the server answers with a redirect
// back to the post). Strict CSP: no inline script, no eval; fragments come from our own server
// and are parsed in an inert <template>.
//
// Markup it reads (discussions/_reactions.html, _bookmark.html):
//   form[data-engage="<id>"]       sent with fetch and X-Requested-With: fetch; the answer is the
//                                  re-rendered block, which replaces the element #<id>; focus goes
//                                  back to the button with the same data-focus
//   details.who-reacted[data-who]  opening it loads "who reacted" (a list) into its .who-panel
//   .reactions details             the picker and "who reacted": opening one closes any other
//                                  open one (on a phone they would cover each other); the
//                                  picker also closes on a click elsewhere and on Escape
//   select[data-remind]            the reminder choice: the date and time field
//                                  ([data-remind-at] in the same form) shows only for "custom"
(function () {
  "use strict";

  function parse(html) {
    var box = document.createElement("template");
    box.innerHTML = html.trim();
    return box.content.firstElementChild;
  }

  function announce(root) {
    if (root) { root.dispatchEvent(new CustomEvent("circolo:content", { bubbles: true })); }
  }

  function enhance(root) {
    root.querySelectorAll("select[data-remind]").forEach(function (select) {
      var form = select.form;
      var when = form && form.querySelector("[data-remind-at]");
      if (!when) { return; }
      var sync = function () { when.hidden = select.value !== "custom"; };
      select.addEventListener("change", sync);
      sync();
    });
    root.querySelectorAll("details.who-reacted[data-who]").forEach(function (box) {
      box.addEventListener("toggle", function () {
        if (!box.open || box.hasAttribute("data-loaded")) { return; }
        box.setAttribute("data-loaded", "");
        var panel = box.querySelector(".who-panel");
        fetch(box.getAttribute("data-who"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
          .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
          .then(function (html) {
            var box2 = document.createElement("template");
            box2.innerHTML = html;
            panel.replaceChildren(box2.content);
            announce(panel);
          })
          .catch(function () { box.removeAttribute("data-loaded"); });  // the link stays
      });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var target = form.getAttribute && form.getAttribute("data-engage");
    if (!target || event.defaultPrevented) { return; }
    var block = document.getElementById(target);
    if (!block || !window.fetch) { return; }
    event.preventDefault();
    if (form.hasAttribute("data-sending")) { return; }  // a double click sends once
    form.setAttribute("data-sending", "");
    var pressed = event.submitter || form.querySelector("button[type=submit]");
    var focusKey = pressed && pressed.getAttribute("data-focus");
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (!r.ok && r.status !== 409) { throw new Error(String(r.status)); }
        return r.text();
      })
      .then(function (html) {
        var fresh = parse(html);
        if (!fresh) { block.remove(); return; }
        block.replaceWith(fresh);
        enhance(fresh);
        var again = (focusKey && fresh.querySelector("[data-focus='" + focusKey + "']")) || fresh.querySelector("button");
        if (again) { again.focus(); }
        announce(fresh);
      })
      .catch(function () {
        form.removeAttribute("data-sending");
        form.submit();  // the server answers as it does without JavaScript (and says what went wrong)
      });
  });

  // "toggle" does not bubble: listen while it goes down (capture), so swapped-in blocks count too.
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches(".reactions details") || !opened.open) { return; }
    document.querySelectorAll(".reactions details[open]").forEach(function (other) {
      if (other !== opened) { other.open = false; }
    });
  }, true);
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.reaction-picker[open]").forEach(function (picker) {
      if (!picker.contains(event.target)) { picker.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.reaction-picker[open]").forEach(function (picker) {
      picker.open = false;
      if (picker.contains(document.activeElement)) { picker.querySelector("summary").focus(); }
    });
  });

  enhance(document);
})();
