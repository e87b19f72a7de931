// Opens the send form in a <dialog> on the person page. Without this file (or htmx) the
// Task-menu entry is an ordinary link to the same form as a page.
(() => {
  if (window.sendConfirmationDialog) return;
  window.sendConfirmationDialog = true;

  const focusMenuButton = () => document.querySelector("#task-menu summary")?.focus();

  function dialogEnsure() {
    let dialog = document.getElementById("send-dialog");
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.id = "send-dialog";
    dialog.className = "send-dialog";
    dialog.setAttribute("aria-labelledby", "send-dialog-title");
    dialog.innerHTML = '<div id="send-dialog-content" class="dialog-body"></div>';
    document.body.append(dialog);
    dialog.addEventListener("close", () => {
      document.getElementById("send-dialog-content").replaceChildren();
      focusMenuButton();
    });
    dialog.addEventListener("click", (event) => {
      if (event.target.closest("[data-close-dialog]")) dialog.close();
    });
    return dialog;
  }

  function statusEnsure() {
    // A live region that exists before the message arrives, so screen readers announce it.
    if (document.getElementById("send-status")) return;
    const status = document.createElement("div");
    status.id = "send-status";
    status.setAttribute("role", "status");
    document.getElementById("main")?.prepend(status);
  }

  function focusFirst(dialog) {
    const target =
      dialog.querySelector("[aria-invalid=true], .has-error select, .has-error input:not([type=hidden])") ||
      dialog.querySelector("#send-errors") ||
      dialog.querySelector("[autofocus]") ||
      dialog.querySelector("select, input:not([type=hidden])");
    if (target?.id === "send-errors") target.setAttribute("tabindex", "-1");
    target?.focus();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-send-dialog]");
    if (!link || !window.htmx || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    statusEnsure();
    const dialog = dialogEnsure();
    link.closest("details")?.removeAttribute("open");
    window.htmx.ajax("GET", link.href, { target: "#send-dialog-content", swap: "innerHTML" }).then(() => {
      if (!dialog.open) dialog.showModal();
      focusFirst(dialog);
    });
  });

  // After the form comes back with an error (or an added address), put focus where it matters.
  document.body.addEventListener("htmx:afterSettle", (event) => {
    const dialog = document.getElementById("send-dialog");
    if (dialog?.open && event.detail.target?.id === "send-dialog-content") focusFirst(dialog);
  });

  // A new default subject must not overwrite what the user typed while it was on its way.
  document.body.addEventListener("htmx:oobBeforeSwap", (event) => {
    if (event.detail.target?.id !== "field-subject") return;
    const subject = document.getElementById("id_subject");
    const shown = document.querySelector("#field-subject [name=subject_default]");
    if (subject && shown && subject.value !== shown.value) event.detail.shouldSwap = false;
  });

  document.body.addEventListener("confirmationSent", () => document.getElementById("send-dialog")?.close());
})();
