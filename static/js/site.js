// Small progressive enhancements shared by every page. Pages work without this file.
const switcher = document.querySelector(".language-switcher");
if (switcher) {
  const select = switcher.querySelector("select");
  const button = switcher.querySelector("button");
  if (select && button) {
    button.classList.add("visually-hidden");
    select.addEventListener("change", () => switcher.requestSubmit());
  }
}
