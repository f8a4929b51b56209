// Small progressive enhancements shared by every page. Pages work without this file.

// The header's menu is a <details>; wide screens show its content through ::details-content
// (site.css). A browser without that selector gets the menu opened while the screen is wide.
const menu = document.querySelector(".site-menu");
// Escape closes the open menu on a phone and gives the focus back to its button.
menu?.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !menu.open || getComputedStyle(menu.querySelector("summary")).display === "none") return;
  menu.open = false;
  menu.querySelector("summary").focus();
});
if (menu && !CSS.supports("selector(::details-content)")) {
  const wide = window.matchMedia("(min-width: 48rem)");
  const sync = () => { menu.open = wide.matches; };
  sync();
  wide.addEventListener("change", sync);
}
const switcher = document.querySelector(".language-switcher");
if (switcher) {
  const select = switcher.querySelector("select");
  const button = switcher.querySelector("button");
  if (select && button) {
    button.classList.add("visually-hidden");
    select.addEventListener("change", () => switcher.requestSubmit());
  }
}
