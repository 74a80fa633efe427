// The composer: the reply box and the new-topic form, and the same for private messages (a
// conversation's reply box, the new-message form). Progressive enhancement only: without
// JavaScript, Quote is a link that reloads the topic with the quote added after the saved
// draft, and nothing is autosaved. Strict CSP: no inline script, no eval, no innerHTML.
//
// Markup it reads (discussions/topic.html, new_topic.html, _post.html, _discard_draft.html;
// messages/conversation.html, messages/new.html):
//   form.composer[data-autosave]        POST target of the autosave; [data-draft-fields] the
//                                       fields it keeps ("body", or "category title body");
//                                       [data-draft-page] the server's time when it rendered the
//                                       page, sent with a per-page sequence number so that the
//                                       server keeps the newest save whatever order they arrive in
//   [data-draft-status][data-saved-text] inside the form: where "Draft saved" is said (role=status)
//   form[data-draft-discard]            "Discard draft" (shown once a draft exists)
//   a.js-quote[data-quote-url]          in each post: GET answers {markdown, open, close, post_number}
(function () {
  "use strict";

  var QUIET_MS = 2000;      // save once typing pauses this long...
  var AT_LEAST_MS = 10000;  // ...and at least this often while typing goes on
  var RETRY_MS = 30000;     // after a refused (rate limit) or failed save
  var SUBMIT_WAIT_MS = 4000;

  function Composer(form) {
    this.form = form;
    this.url = form.getAttribute("data-autosave");
    this.fields = (form.getAttribute("data-draft-fields") || "body").split(/\s+/);
    this.body = form.querySelector("textarea[name=body]");
    this.status = form.querySelector("[data-draft-status]");
    this.discard = form.parentNode.querySelector("form[data-draft-discard]");
    this.page = form.getAttribute("data-draft-page") || "";
    this.seq = 0;            // numbers this page's saves (fetch and beacon alike), in order
    this.outdated = false;   // the server keeps a newer save (another tab) or the member posted since
    this.timer = null;
    this.dirtySince = 0;     // when the first unsaved change was made (0: nothing unsaved)
    this.inflight = null;    // the save on its way, a Promise
    this.stopped = false;    // the form (or Discard) is being sent: no more saves
    this.touched = false;    // the member has put the caret in the box
    var self = this;
    form.addEventListener("input", function () { self.changed(); });
    form.addEventListener("change", function () { self.changed(); });
    this.body.addEventListener("focus", function () { self.touched = true; });
    form.addEventListener("submit", function (event) { self.beforeSend(event, form); });
    if (this.discard) {
      this.discard.addEventListener("submit", function (event) { self.beforeSend(event, self.discard); });
    }
    // Leaving the page (closing the tab, following a link): send what is unsaved.
    window.addEventListener("pagehide", function () { self.flushOnLeave(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { self.flushOnLeave(); }
    });
  }

  Composer.prototype.payload = function () {
    var data = new FormData();
    var form = this.form;
    data.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    this.seq += 1;
    data.append("page", this.page);
    data.append("seq", String(this.seq));
    this.fields.forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (input && "value" in input) { data.append(name, input.value); }
    });
    return data;
  };

  Composer.prototype.changed = function () {
    if (this.stopped || this.outdated) { return; }
    var now = Date.now();
    if (!this.dirtySince) { this.dirtySince = now; }
    this.schedule(Math.min(QUIET_MS, Math.max(0, this.dirtySince + AT_LEAST_MS - now)));
  };

  Composer.prototype.schedule = function (delay) {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.save(); }, delay);
  };

  Composer.prototype.say = function (text, isError) {
    if (!this.status) { return; }
    // Same words again are not re-announced: "Draft saved" is said once, not every few seconds.
    if (this.status.textContent !== text) { this.status.textContent = text; }
    this.status.classList.toggle("error", !!isError);
  };

  Composer.prototype.save = function () {
    var self = this;
    if (this.stopped || this.outdated || !this.dirtySince) { return this.inflight || Promise.resolve(); }
    if (this.inflight) {  // one save at a time; the change is picked up when it is back
      this.schedule(QUIET_MS);
      return this.inflight;
    }
    this.dirtySince = 0;
    var body = this.payload();
    var seq = this.seq;
    this.inflight = fetch(this.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
      if (response.status === 409 && json) {
        return response.json().then(function (answer) {
          // Overtaken by this page's own later save (a beacon): nothing to say. Otherwise another
          // page holds a newer draft, or the member posted since: stop saving from this one.
          if (self.seq > seq) { return; }
          self.outdated = true;
          self.say(answer.message || "", true);
        });
      }
      if (response.status === 400 && json) {
        return response.json().then(function (answer) { self.say(answer.message || "", true); });
      }
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json().then(function (answer) {
        var saved = (self.status && self.status.getAttribute("data-saved-text")) || "";
        self.say(answer.saved ? saved : "", false);
        if (self.discard) { self.discard.hidden = !answer.saved; }
      });
    }).catch(function () {
      // Offline, rate-limited, a server hiccup: the text is still in the box; try again later.
      if (!self.dirtySince) { self.dirtySince = Date.now(); }
      self.schedule(RETRY_MS);
    }).then(function () { self.inflight = null; });
    return this.inflight;
  };

  // The page is going away: a beacon survives the unload (a fetch may be cancelled).
  Composer.prototype.flushOnLeave = function () {
    if (this.stopped || this.outdated || !this.dirtySince || !navigator.sendBeacon) { return; }
    window.clearTimeout(this.timer);
    if (navigator.sendBeacon(this.url, this.payload())) { this.dirtySince = 0; }
  };

  // Sending the post (or discarding the draft) removes the draft on the server. A save still
  // on its way could land after that and bring the draft back: wait for it (a while), then
  // send. The server refuses a save from a page older than the member's post anyway.
  Composer.prototype.beforeSend = function (event, form) {
    if (event.defaultPrevented) { return; }
    if (event.submitter && event.submitter.name === "preview") {
      this.flushOnLeave();  // a preview keeps the draft: keep its latest words too
      return;
    }
    window.clearTimeout(this.timer);
    this.stopped = true;
    if (!this.inflight) { return; }
    event.preventDefault();
    var submitter = event.submitter || null;
    var go = function () {
      if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
    };
    var waited = new Promise(function (resolve) { window.setTimeout(resolve, SUBMIT_WAIT_MS); });
    Promise.race([this.inflight, waited]).then(go, go);
  };

  // --- quoting ---------------------------------------------------------------------------

  // The text selected inside one post's body, or "" (a selection across posts quotes nothing).
  function selectedIn(post) {
    var selection = window.getSelection ? window.getSelection() : null;
    if (!selection || selection.isCollapsed || !selection.rangeCount) { return ""; }
    var body = post && post.querySelector(".cooked");
    if (!body || !body.contains(selection.anchorNode) || !body.contains(selection.focusNode)) { return ""; }
    return selection.toString().replace(/\r\n?/g, "\n").replace(/^\n+|\s+$/g, "");
  }

  // Insert at the caret (at the end if the member never put the caret in the box), keeping
  // Markdown blocks apart; the caret ends after the insertion and the box has the focus.
  Composer.prototype.insert = function (text) {
    var box = this.body;
    var value = box.value;
    var at = this.touched ? box.selectionEnd : value.length;
    var before = value.slice(0, at);
    var lead = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
    var insertion = lead + text;
    box.focus();
    box.setSelectionRange(at, at);
    // execCommand keeps the browser's undo history (Ctrl+Z takes the quote back out).
    var done = false;
    try { done = document.execCommand && document.execCommand("insertText", false, insertion); } catch (e) { done = false; }
    if (!done || box.value.slice(at, at + insertion.length) !== insertion) {
      box.value = value;
      box.setRangeText(insertion, at, at, "end");
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }
    var caret = at + insertion.length;
    box.setSelectionRange(caret, caret);
    this.touched = true;
  };

  Composer.prototype.quote = function (link, selected) {
    var self = this;
    fetch(link.getAttribute("data-quote-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (answer) {
        self.insert(selected ? answer.open + "\n" + selected + "\n" + answer.close + "\n\n" : answer.markdown);
        var replyTo = self.form.elements.namedItem("reply_to");
        if (replyTo && !replyTo.value && answer.post_number) { replyTo.value = String(answer.post_number); }
      })
      .catch(function () {
        // Fall back to the link (the page reloads with the quote after the draft): save first.
        self.dirtySince = self.dirtySince || Date.now();
        self.save().then(function () { window.location.href = link.href; });
      });
  };

  var composers = [];
  document.querySelectorAll("form.composer[data-autosave]").forEach(function (form) {
    if (form.querySelector("textarea[name=body]")) { composers.push(new Composer(form)); }
  });
  var reply = composers.filter(function (c) { return c.form.id === "reply-form"; })[0];
  if (!reply) { return; }

  // Arrived through Quote's link (?quote=, the way without script, or its fallback): the quote
  // is in the box. Take it out of the address, so a reload does not ask for it again, and save
  // the box, so the quote stays in the draft.
  if (window.history.replaceState && /[?&]quote=/.test(window.location.search)) {
    var params = new URLSearchParams(window.location.search);
    params.delete("quote");
    var query = params.toString();
    window.history.replaceState(window.history.state, "",
      window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    reply.changed();
  }

  // A click on a link clears the selection before "click" fires: remember it at pointerdown.
  var remembered = { link: null, text: "" };
  document.addEventListener("pointerdown", function (event) {
    var link = event.target.closest && event.target.closest("a.js-quote");
    remembered = { link: link, text: link ? selectedIn(link.closest(".post")) : "" };
  }, true);
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.js-quote");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    event.preventDefault();
    var selected = selectedIn(link.closest(".post")) || (remembered.link === link ? remembered.text : "");
    remembered = { link: null, text: "" };
    reply.quote(link, selected);
  });
})();
