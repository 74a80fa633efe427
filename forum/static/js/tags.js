// Tag suggestions for the composer's "Tags" field (comma-separated; works without this script).
// A container with data-tag-suggest="<url>" holds the input; suggestions come from
// GET <url>?q=<the word being typed> as {"tags": [{"name", "topic_count"}]} and fill a datalist.
(function () {
  "use strict";
  function setup(box) {
    var input = box.querySelector("input[name$='tags']");
    if (!input) { return; }
    var list = document.createElement("datalist");
    list.id = input.id + "-suggestions";
    box.appendChild(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    var timer = null;
    var last = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var parts = input.value.split(",");
        var word = parts[parts.length - 1].trim();
        if (word === last) { return; }
        last = word;
        var head = parts.slice(0, -1).map(function (p) { return p.trim(); }).filter(Boolean);
        fetch(box.dataset.tagSuggest + "?q=" + encodeURIComponent(word), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : {tags: []}; })
          .then(function (data) {
            list.textContent = "";
            data.tags.forEach(function (tag) {
              if (head.indexOf(tag.name) !== -1) { return; }
              var option = document.createElement("option");
              option.value = head.concat([tag.name]).join(", ");
              option.label = tag.name + " (" + tag.topic_count + ")";
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience: typing still works */ });
      }, 250);
    });
  }
  document.querySelectorAll("[data-tag-suggest]").forEach(setup);
})();
