// The site banner's "Dismiss": remembered per banner version in this browser (localStorage), so a
// changed banner shows again. A banner without data-dismissible has no button and stays.
(function () {
  "use strict";
  var KEY = "circolo.banner.dismissed";
  function init() {
    var banner = document.querySelector(".crisis-banner[data-dismissible]");
    if (!banner) { return; }
    var version = banner.getAttribute("data-banner-version");
    var dismissed = null;
    try { dismissed = window.localStorage.getItem(KEY); } catch (e) { dismissed = null; }
    if (dismissed === version) { banner.hidden = true; return; }
    var button = banner.querySelector(".crisis-dismiss");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      try { window.localStorage.setItem(KEY, version); } catch (e) { /* private mode: hide for this page only */ }
      banner.hidden = true;
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
