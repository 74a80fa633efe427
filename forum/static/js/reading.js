// Read tracking: posts that scroll into view are marked read. Progressive enhancement only:
// without JavaScript the topic page's <noscript> image marks read what the page shows.
// Strict CSP: no inline script, no eval, no innerHTML.
//
// Markup it reads (discussions/topic.html, _post.html):
//   article.topic[data-read-url]   POST target; [data-read-token] the CSRF token;
//                                  [data-last-read] the member's read position when the page rendered
//   .posts > article.post[id=p<n>] one post, <n> its post number
//
// A post counts as seen when half of it is on screen, or when it fills half the screen (a long
// post). The highest post number seen is sent at most every SEND_EVERY_MS (one small POST, the
// server keeps the maximum), and once more when the page is left.
(function () {
  "use strict";

  var SEND_EVERY_MS = 2000;
  var RETRY_MS = 30000;

  function Reader(topic) {
    this.url = topic.getAttribute("data-read-url");
    this.token = topic.getAttribute("data-read-token") || "";
    this.sent = parseInt(topic.getAttribute("data-last-read") || "0", 10) || 0;
    this.seen = this.sent;
    this.timer = null;
    this.pausedUntil = 0;
    var self = this;
    var posts = topic.querySelectorAll(".posts > article.post[id^='p']");
    if (!posts.length) { return; }
    this.observer = new IntersectionObserver(function (entries) { self.observed(entries); },
                                             { threshold: [0, 0.5, 1] });
    Array.prototype.forEach.call(posts, function (post) { self.observer.observe(post); });
    window.addEventListener("pagehide", function () { self.flush(true); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { self.flush(true); }
    });
  }

  Reader.prototype.observed = function (entries) {
    var self = this;
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) { return; }
      var screen = entry.rootBounds ? entry.rootBounds.height : window.innerHeight;
      var seen = entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= screen / 2;
      if (!seen) { return; }
      var number = parseInt(entry.target.id.slice(1), 10);
      if (number > self.seen) { self.seen = number; }
      self.observer.unobserve(entry.target);
    });
    this.schedule();
  };

  Reader.prototype.schedule = function () {
    if (this.seen <= this.sent || this.timer) { return; }
    var self = this;
    var wait = Math.max(SEND_EVERY_MS, this.pausedUntil - Date.now());
    this.timer = window.setTimeout(function () { self.timer = null; self.flush(false); }, wait);
  };

  Reader.prototype.payload = function () {
    var data = new FormData();
    data.append("csrf_token", this.token);
    data.append("post_number", String(this.seen));
    return data;
  };

  Reader.prototype.flush = function (leaving) {
    if (this.seen <= this.sent) { return; }
    var number = this.seen;
    if (leaving && navigator.sendBeacon) {
      if (navigator.sendBeacon(this.url, this.payload())) { this.sent = number; }
      return;
    }
    var self = this;
    fetch(this.url, { method: "POST", body: this.payload(), credentials: "same-origin",
                      headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.ok) {
          if (number > self.sent) { self.sent = number; }
        } else {
          self.pausedUntil = Date.now() + RETRY_MS;  // rate limited or refused: try later
        }
        self.schedule();
      })
      .catch(function () { self.pausedUntil = Date.now() + RETRY_MS; self.schedule(); });
  };

  function start() {
    if (!("IntersectionObserver" in window) || !window.fetch) { return; }
    var topic = document.querySelector("article.topic[data-read-url]");
    if (topic) { new Reader(topic); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
