/* Proposal screens: confirmation of destructive actions, and the meeting-evidence fields shown only
   for the award types that ask for them. No framework, no CDN; the pages work without it. */
(function () {
  "use strict";

  // <form data-confirm="…">: ask before sending (reject, withdraw, return, revoke).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // <fieldset data-evidence-awards="GDVH GDVH_TIEU_BIEU">: only for those award types. Disabled
  // while hidden, so stale values are not sent either.
  function wireEvidence(fieldset) {
    var codes = fieldset.getAttribute("data-evidence-awards").split(/\s+/);
    var form = fieldset.form || fieldset.closest("form");
    function update() {
      var chosen = form.querySelector("input[name='award_type_code']:checked");
      var show = Boolean(chosen) && codes.indexOf(chosen.value) !== -1;
      fieldset.hidden = !show;
      fieldset.disabled = !show;
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "award_type_code") {
        update();
      }
    });
    update();
  }

  function ready() {
    document.querySelectorAll("fieldset[data-evidence-awards]").forEach(wireEvidence);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
