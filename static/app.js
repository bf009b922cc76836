// Ledgerlink's own script: small behaviours that would otherwise need inline script.
// Confirm before any element with data-confirm submits or sends its htmx request.
document.addEventListener("htmx:confirm", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (!message) { return; }
  event.preventDefault();
  if (window.confirm(message)) { event.detail.issueRequest(true); }
});
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !event.target.hasAttribute("hx-post") && !window.confirm(message)) {
    event.preventDefault();
  }
});
