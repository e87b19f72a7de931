// Small progressive enhancements; every page works without this file.

// The Task menu (<details class="menu">): arrow keys, Home and End move between its items,
// as the ARIA menu pattern promises; Escape closes it and returns focus to its button.
document.addEventListener("keydown", (event) => {
  const menu = event.target.closest ? event.target.closest("details.menu") : null;
  if (event.key === "Escape") {
    document.querySelectorAll("details.menu[open]").forEach((open) => {
      open.removeAttribute("open");
      open.querySelector("summary")?.focus();
    });
    return;
  }
  if (!menu) return;
  const items = [...menu.querySelectorAll('[role="menuitem"]')];
  if (!items.length) return;
  const index = items.indexOf(document.activeElement);
  let next = null;
  if (event.key === "ArrowDown") next = items[(index + 1) % items.length];
  else if (event.key === "ArrowUp") next = items[(index - 1 + items.length) % items.length];
  else if (event.key === "Home") next = items[0];
  else if (event.key === "End") next = items[items.length - 1];
  if (next) {
    event.preventDefault();
    menu.open = true;
    next.focus();
  }
});
