// Sluice console: refreshes the page's main content every few seconds while no form is being filled in.
(function () {
  "use strict";
  var main = document.querySelector("main");
  document.body.setAttribute("data-script", "ready");
  if (!main || !window.fetch || !window.DOMParser) {
    return;
  }
  var refreshes = 0;
  function busy() {
    var active = document.activeElement;
    return active && (active.tagName === "INPUT" || active.tagName === "BUTTON") && main.contains(active);
  }
  function refresh() {
    if (busy() || document.querySelector("details[open]")) {
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        if (fresh && !busy()) {
          main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.childNodes));
          refreshes += 1;
          document.body.setAttribute("data-refreshes", String(refreshes));
        }
      })
      .catch(function () { /* the next refresh tries again */ });
  }
  window.setInterval(refresh, 3000);
}());
