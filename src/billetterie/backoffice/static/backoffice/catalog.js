// The catalogue's forms: the short name follows the title until staff type their own, and the
// fields of one kind of product or question show only for that kind. Loaded as a file (the CSP
// allows no inline script); without it the forms work the same, every field shown.
(function () {
  "use strict";

  function slugify(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 56).replace(/-+$/g, "");
  }

  document.querySelectorAll("form[data-auto-slug] [data-slug-source]").forEach(function (title) {
    var slug = document.getElementById(title.getAttribute("data-slug-source"));
    if (!slug) { return; }
    var follow = slug.value === "" || slug.value === slugify(title.value);
    slug.addEventListener("input", function () { follow = slug.value === ""; });
    title.addEventListener("input", function () { if (follow) { slug.value = slugify(title.value); } });
  });

  function fieldOf(input) {
    var el = input;
    while (el && !(el.classList && el.classList.contains("field"))) { el = el.parentNode; }
    return el || input;
  }

  var sources = {};
  document.querySelectorAll("[data-kind-source]").forEach(function (input) {
    var id = input.getAttribute("data-kind-source");
    (sources[id] = sources[id] || []).push(input);
  });
  Object.keys(sources).forEach(function (id) {
    var select = document.getElementById(id);
    if (!select) { return; }
    function update() {
      sources[id].forEach(function (input) {
        var kinds = input.getAttribute("data-kinds").split(" ");
        fieldOf(input).hidden = kinds.indexOf(select.value) === -1;
      });
    }
    select.addEventListener("change", update);
    update();
  });
})();
