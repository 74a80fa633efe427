// A "Copy" button (data-copy="<id of the element to copy>"): shown only where the clipboard can
// be written; without script it stays hidden and the text stays selectable by hand.
(() => {
  "use strict";

  function selectText(element) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function setUp() {
    for (const button of document.querySelectorAll("button[data-copy]")) {
      const target = document.getElementById(button.dataset.copy);
      if (!target) continue;
      button.hidden = false;
      button.addEventListener("click", async () => {
        selectText(target);
        try {
          await navigator.clipboard.writeText(target.textContent.trim());
          button.textContent = button.dataset.copied || button.textContent;
        } catch (error) {
          // No clipboard (an insecure origin, a refusal): the text is selected for Ctrl+C.
        }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
