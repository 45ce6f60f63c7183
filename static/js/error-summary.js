/* After a form comes back with errors, move the focus to its error summary,
 * so that keyboard and screen-reader users land on the list of problems (each
 * links to its field). Progressive enhancement: without JavaScript the
 * summary is still first in the form. Also after an htmx swap that brings a
 * summary. Served as a static file: the Content-Security-Policy allows no
 * inline script.
 */
(function () {
  "use strict";

  function focusSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary], .error-summary");
    if (!summary) {
      return;
    }
    if (!summary.hasAttribute("tabindex")) {
      summary.setAttribute("tabindex", "-1");
    }
    summary.focus();
    summary.scrollIntoView({ block: "start" });
  }

  /* A link in the summary moves to its field (and focuses it), also for radios. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      focusSummary(document);
    });
  } else {
    focusSummary(document);
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    focusSummary(event.detail && event.detail.elt);
  });
})();
