// Accounts pages: a live character count under fields with a maxlength. The page works without it.
for (const field of document.querySelectorAll(".account-form textarea[maxlength]")) {
  const limit = Number(field.getAttribute("maxlength"));
  const counter = document.createElement("span");
  counter.className = "char-count";
  counter.setAttribute("aria-live", "polite");
  const template = document.documentElement.dataset.charCount || "{count} / {limit}";
  const update = () => {
    const count = [...field.value].length;
    counter.textContent = template.replace("{count}", String(count)).replace("{limit}", String(limit));
    counter.toggleAttribute("data-over", count > limit);
  };
  field.after(counter);
  field.addEventListener("input", update);
  update();
}
