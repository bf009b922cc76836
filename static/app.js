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
// Long dropdowns (select[data-searchable]) get a filter box above them.
function makeSearchable(select) {
  if (select.dataset.searchReady || select.options.length < 12) { return; }
  select.dataset.searchReady = "1";
  var box = document.createElement("input");
  box.type = "search";
  box.placeholder = "Type to filter…";
  box.setAttribute("aria-label", "Filter " + (select.getAttribute("aria-label") || "options"));
  box.className = "select-filter";
  box.addEventListener("input", function () {
    var needle = box.value.toLowerCase();
    Array.prototype.forEach.call(select.options, function (option) {
      option.hidden = option.value !== "" && option.text.toLowerCase().indexOf(needle) === -1;
    });
  });
  select.parentNode.insertBefore(box, select);
}
function initSearchable(root) {
  Array.prototype.forEach.call(root.querySelectorAll("select[data-searchable]"), makeSearchable);
}
document.addEventListener("DOMContentLoaded", function () { initSearchable(document); });
document.addEventListener("htmx:load", function (event) { initSearchable(event.detail.elt); });
// Document form: remove a line row in place.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-remove-line]");
  if (!button) { return; }
  var row = button.closest("tr");
  if (row) { row.remove(); }
});
// Contact form: the ledger account id stays read-only until deliberately unlocked (double-click
// on its label or the Edit button), and a changed value needs a confirmation before saving.
function unlockLedgerId() {
  var input = document.getElementById("ledger-contact-id");
  if (!input || input.disabled) { return; }  // disabled: no accounting package is connected
  input.readOnly = false;
  input.setAttribute("data-unlocked", "1");
  input.focus();
}
document.addEventListener("dblclick", function (event) {
  if (event.target.closest("label[data-unlock-ledger-id]")) { unlockLedgerId(); }
});
document.addEventListener("click", function (event) {
  if (event.target.closest("button[data-unlock-ledger-id]")) { unlockLedgerId(); }
});
document.addEventListener("submit", function (event) {
  var input = event.target.querySelector("#ledger-contact-id");
  if (!input || input.disabled) { return; }
  if (event.submitter && event.submitter.hasAttribute("data-skip-ledger-confirm")) { return; }
  var before = input.getAttribute("data-original") || "";
  var after = input.value.trim();
  if (after === before) { return; }
  var message = after ? "Change the ledger account id from \"" + (before || "none") + "\" to \"" + after + "\"?"
                      : "Remove the ledger account id \"" + before + "\"?";
  if (window.confirm(message)) {
    document.getElementById("ledger-id-confirmed").value = "1";
  } else {
    event.preventDefault();
  }
});
// A dropdown menu closes once one of its entries is chosen.
document.addEventListener("click", function (event) {
  var entry = event.target.closest("details.dropdown ul a");
  if (entry) { entry.closest("details").removeAttribute("open"); }
});
// Contact form: choosing a ledger contact from the picker unlocks the id field and fills it in
// (the save still asks to confirm the change, and the server checks it against the ledger).
document.addEventListener("click", function (event) {
  var choice = event.target.closest("[data-pick-ledger-id]");
  if (!choice) { return; }
  var input = document.getElementById("ledger-contact-id");
  if (!input || input.disabled) { return; }
  unlockLedgerId();
  input.value = choice.getAttribute("data-pick-ledger-id");
});
// Sync grid: a click (or Enter) anywhere on a row except its Nav cell opens the actions popup.
function openSyncActions(row) {
  if (!window.htmx) { return; }
  window.htmx.ajax("GET", row.getAttribute("data-actions-url"), {target: "#sync-dialog-slot", swap: "innerHTML"});
}
document.addEventListener("click", function (event) {
  var row = event.target.closest("tr[data-actions-url]");
  if (!row || event.target.closest(".nav-cell") || event.target.closest("a, button, input, select")) { return; }
  openSyncActions(row);
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter") { return; }
  var row = event.target.closest && event.target.closest("tr[data-actions-url]");
  if (row && event.target === row) { openSyncActions(row); }
});
// A dialog loaded by htmx (data-auto-open) opens as a modal once swapped in.
document.addEventListener("htmx:afterSettle", function () {
  var dialog = document.querySelector("dialog[data-auto-open]:not([open])");
  if (dialog) { dialog.showModal(); }
});
// Closing the actions popup empties its slot, so a stale copy never reopens.
document.addEventListener("close", function (event) {
  if (event.target.id === "sync-actions" && event.target.parentNode) { event.target.parentNode.innerHTML = ""; }
}, true);
// Escape closes an open dropdown menu (dialogs close on Escape by themselves) and puts the focus
// back on the menu's button.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") { return; }
  Array.prototype.forEach.call(document.querySelectorAll("details.dropdown[open]"), function (menu) {
    menu.removeAttribute("open");
    var summary = menu.querySelector("summary");
    if (summary && menu.contains(document.activeElement)) { summary.focus(); }
  });
});
