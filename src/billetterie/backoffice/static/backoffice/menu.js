// The back office's menu: folded under « Menu » on a phone, always open from 48rem (the CSS hides
// its « Menu » line there). Without JavaScript it simply stays open.
(function () {
  "use strict";
  var menu = document.querySelector("[data-menu]");
  if (!menu || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 48rem)");
  function fit() { menu.open = wide.matches; }
  fit();
  if (wide.addEventListener) wide.addEventListener("change", fit);
})();
