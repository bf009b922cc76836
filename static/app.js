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
// Dialogs: any element with data-open-dialog="id" opens that <dialog>; data-close-dialog closes.
document.addEventListener("click", function (event) {
  var opener = event.target.closest("[data-open-dialog]");
  if (opener) {
    event.preventDefault();
    var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
    if (dialog) { dialog.showModal(); }
    var menu = opener.closest("details");
    if (menu) { menu.removeAttribute("open"); }
    return;
  }
  var closer = event.target.closest("[data-close-dialog]");
  if (closer) {
    event.preventDefault();
    closer.closest("dialog").close();
  }
});
