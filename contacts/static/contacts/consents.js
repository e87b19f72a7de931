// The "Edit legal basis" dialog on the person page. Without this file the button is a link
// to the same form on its own page; with it the form opens in a modal <dialog> on top.
// Native showModal() traps focus inside and closes on Escape; we move focus to the first
// field and give it back to the button that opened the dialog.
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-consent-dialog]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.consentDialog);
    if (!dialog || typeof dialog.showModal !== "function") return; // follow the link instead
    event.preventDefault();
    dialog.opener = opener;
    dialog.showModal();
    dialog.querySelector("select, input:not([type=hidden]), textarea, button")?.focus();
    return;
  }
  const closer = event.target.closest("dialog.consent-dialog [data-close-dialog]");
  if (closer) closer.closest("dialog").close();
});

// "close" does not bubble, hence the capture phase.
document.addEventListener(
  "close",
  (event) => {
    const dialog = event.target;
    if (dialog instanceof HTMLDialogElement && dialog.classList.contains("consent-dialog")) {
      dialog.opener?.focus();
    }
  },
  true,
);
