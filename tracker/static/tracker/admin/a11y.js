/*
 * Accessible names for the admin's autocomplete fields (select2). Select2 labels its combobox
 * only by the selected value, so an empty field has no name for a screen reader; this names it
 * by the field's own <label> (or, in a tabular inline row, the select's aria-label), and keeps
 * the selected value in the name. Runs for fields present at load and those added later
 * (inline rows, popups).
 */
(function () {
  "use strict";

  function name(selection) {
    if (selection.hasAttribute("data-tracker-named")) return;
    var container = selection.closest(".select2");
    var select = container && container.previousElementSibling;
    if (!select || select.tagName !== "SELECT" || !select.id) return;
    var label = document.querySelector('label[for="' + select.id + '"]');
    var rendered = selection.querySelector(".select2-selection__rendered");
    if (label) {
      if (!label.id) label.id = select.id + "-label";
      selection.setAttribute("aria-labelledby", label.id + (rendered && rendered.id ? " " + rendered.id : ""));
      // The read-only textbox inside shows the value; the label names it.
      if (rendered) rendered.setAttribute("aria-labelledby", label.id);
    } else if (select.getAttribute("aria-label")) {
      selection.removeAttribute("aria-labelledby");
      selection.setAttribute("aria-label", select.getAttribute("aria-label"));
      if (rendered) rendered.setAttribute("aria-label", select.getAttribute("aria-label"));
    }
    selection.setAttribute("data-tracker-named", "true");
  }

  function nameAll(root) {
    (root.querySelectorAll ? root.querySelectorAll(".select2-selection") : []).forEach(name);
  }

  document.addEventListener("DOMContentLoaded", function () {
    nameAll(document);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType !== 1) return;
          if (node.matches(".select2-selection")) name(node);
          nameAll(node);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
