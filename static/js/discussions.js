// Thread pages: answer any post with the one reply form (moved under the post), quote a selected
// passage. Without this file the "Reply" and "Quote" links open the reply page instead.
const form = document.querySelector("[data-reply-form]");
const list = document.querySelector(".post-list[data-thread-id]");

function textarea() {
  return form && form.querySelector("textarea");
}

function moveFormUnder(post, parentId, author) {
  const parent = form.querySelector("input[name='parent']");
  if (parent) parent.value = parentId;
  const note = form.querySelector("[data-replying-to]");
  if (note) {
    note.textContent = note.dataset.template
      ? note.dataset.template.replace("%s", author)
      : author;
    note.hidden = false;
  }
  const cancel = form.querySelector("[data-cancel-reply]");
  if (cancel) cancel.hidden = false;
  post.after(form);
  textarea()?.focus();
}

function resetForm() {
  const parent = form.querySelector("input[name='parent']");
  if (parent) parent.value = "";
  const note = form.querySelector("[data-replying-to]");
  if (note) note.hidden = true;
  const cancel = form.querySelector("[data-cancel-reply]");
  if (cancel) cancel.hidden = true;
  document.querySelector("#reply")?.append(form);
}

function quoteOf(post, passage) {
  const author = post.querySelector(".post-author")?.textContent.trim() || "";
  const link = post.querySelector(".post-time")?.getAttribute("href") || "";
  const wrote = (form.dataset.wroteTemplate || "%s:").replace("%s", author);
  const lines = passage.split(/\r?\n/).map((line) => (line ? `> ${line}` : ">"));
  return `> [${wrote}](${link})\n>\n${lines.join("\n")}\n\n`;
}

// The editor (toolbar, preview, mention suggestions: a third of the page's script) loads when the
// reply form is about to be used: near the screen, focused, or opened under a post. Until then the
// plain textarea works, as without JavaScript. Pages whose form is the point load it at once.
let editorLoaded = false;
function loadEditor() {
  if (editorLoaded) return;
  editorLoaded = true;
  import("./editor.js");
  import("./mentions.js");
}

if (form && form.hasAttribute("data-editor-on-demand")) {
  form.addEventListener("focusin", loadEditor);
  if ("IntersectionObserver" in window) {
    const near = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        near.disconnect();
        loadEditor();
      }
    }, { rootMargin: "800px 0px" });
    near.observe(form);
  } else {
    loadEditor();
  }
}

if (form && list) {
  list.addEventListener("click", (event) => {
    const reply = event.target.closest("a.reply-link");
    const quote = event.target.closest("a.quote-link");
    if (!reply && !quote) return;
    const post = event.target.closest("article.post");
    if (!post) return;
    const selection = window.getSelection();
    const selected = selection && !selection.isCollapsed && post.contains(selection.anchorNode)
      ? selection.toString().trim() : "";
    // A quote of the whole post needs its Markdown source: leave that to the reply page.
    if (quote && !selected) return;
    event.preventDefault();
    if (form.hasAttribute("data-editor-on-demand")) loadEditor();
    const author = post.querySelector(".post-author")?.textContent.trim() || "";
    moveFormUnder(post, post.dataset.postId, author);
    if (quote && selected) {
      const area = textarea();
      if (area) {
        area.value = quoteOf(post, selected) + area.value;
        area.setSelectionRange(area.value.length, area.value.length);
      }
    }
  });
  form.querySelector("[data-cancel-reply]")?.addEventListener("click", resetForm);
}

// Reactions: toggled with fetch and updated in place (the page used to reload and lose the reader's
// place). The page has one reactions form (#react); each button names it (form="react") and carries
// "<post> <reaction>". A card shows the reactions its post has and one "Add a reaction" link (to a
// page of choices); here that link opens the choices in place, from the page's #react-choices
// template. Without this file, or if the request fails, the form posts and the page reloads.
const reactForm = document.getElementById("react");
const choices = document.getElementById("react-choices");

function chipsOf(group) {
  return Array.from(group.querySelectorAll(":scope > button[name='r']"));
}

function closePicker(group, refocus) {
  const picker = group.querySelector(".react-picker");
  if (!picker) return;
  picker.remove();
  const add = group.querySelector(".react-add");
  add?.setAttribute("aria-expanded", "false");
  if (refocus) add?.focus();
}

function openPicker(group, add) {
  const postId = group.closest("article.post")?.dataset.postId;
  if (!postId || !choices) return;
  const pressed = new Set(chipsOf(group).filter((b) => b.getAttribute("aria-pressed") === "true").map((b) => b.value));
  const picker = document.createElement("span");
  picker.className = "react-picker";
  picker.id = `react-picker-${postId}`;
  picker.setAttribute("role", "group");
  picker.setAttribute("aria-label", add.textContent.trim());
  picker.append(choices.content.cloneNode(true));
  for (const button of picker.querySelectorAll("button")) {
    button.value = postId + button.value;
    button.setAttribute("aria-pressed", pressed.has(button.value) ? "true" : "false");
  }
  add.after(picker);
  add.setAttribute("aria-controls", picker.id);
  add.setAttribute("aria-expanded", "true");
  picker.querySelector("button")?.focus();
}

function updateReactions(group, postId, reactions) {
  const add = group.querySelector(".react-add");
  const chips = new Map(chipsOf(group).map((b) => [b.value, b]));
  for (const reaction of reactions) {
    const value = `${postId} ${reaction.emoji}`;
    let chip = chips.get(value);
    if (!reaction.count) {
      chip?.remove();
      continue;
    }
    if (!chip) {
      const choice = Array.from(choices?.content.querySelectorAll("button") || [])
        .find((b) => b.value === ` ${reaction.emoji}`);
      if (!choice) continue;
      chip = choice.cloneNode(true);
      chip.value = value;
      chip.append(Object.assign(document.createElement("span"), { className: "count" }));
    }
    group.insertBefore(chip, add); // in the category's order, before "Add a reaction"
    chip.setAttribute("aria-pressed", reaction.mine ? "true" : "false");
    chip.querySelector(".count").textContent = String(reaction.count);
    if (reaction.who) chip.title = reaction.who;
    else chip.removeAttribute("title");
  }
}

if (reactForm && !reactForm.dataset.plain) {
  document.addEventListener("click", (event) => {
    const add = event.target.closest("a.react-add");
    if (add) {
      event.preventDefault();
      const group = add.closest(".reactions");
      if (group.querySelector(".react-picker")) closePicker(group, true);
      else openPicker(group, add);
      return;
    }
    // A click elsewhere closes an open picker.
    for (const picker of document.querySelectorAll(".reactions > .react-picker")) {
      if (!picker.contains(event.target)) closePicker(picker.parentElement, false);
    }
  });
  document.addEventListener("keydown", (event) => {
    const picker = event.target.closest?.(".react-picker");
    if (!picker || !picker.parentElement.classList.contains("reactions")) return;
    const buttons = Array.from(picker.querySelectorAll("button"));
    const at = buttons.indexOf(event.target);
    if (event.key === "Escape") {
      event.preventDefault();
      closePicker(picker.parentElement, true);
    } else if (at >= 0 && ["ArrowRight", "ArrowLeft", "Home", "End"].includes(event.key)) {
      // Arrows follow the reading direction: "next" is to the left in Arabic.
      const forward = (event.key === "ArrowRight") !== (getComputedStyle(picker).direction === "rtl");
      const next = event.key === "Home" ? 0 : event.key === "End" ? buttons.length - 1
        : (at + (forward ? 1 : -1) + buttons.length) % buttons.length;
      event.preventDefault();
      buttons[next].focus();
    }
  });
  document.addEventListener("focusout", (event) => {
    const picker = event.target.closest?.(".reactions > .react-picker");
    if (!picker || picker.contains(event.relatedTarget)) return;
    // Leaving the picker by Tab closes it (the "Add a reaction" link toggles it itself).
    if (event.relatedTarget && !event.relatedTarget.closest(".react-add")) closePicker(picker.parentElement, false);
  });

  reactForm.addEventListener("submit", async (event) => {
    const button = event.submitter;
    const group = button && button.closest(".reactions");
    if (reactForm.dataset.plain || !group || button.name !== "r") return;
    event.preventDefault();
    const data = new FormData(reactForm);
    data.set(button.name, button.value);
    button.disabled = true;
    try {
      const response = await fetch(reactForm.action, {
        method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const reactions = (await response.json()).reactions || [];
      const value = button.value;
      closePicker(group, false);
      updateReactions(group, value.split(" ")[0], reactions);
      button.disabled = false;
      // Focus stays on the reaction chosen, or on "Add a reaction" when it was taken back to none.
      (chipsOf(group).find((b) => b.value === value) || group.querySelector(".react-add"))?.focus();
    } catch {
      button.disabled = false;
      reactForm.dataset.plain = "1";
      reactForm.requestSubmit(button); // fall back to the plain form: the server's answer explains any refusal
    }
  });
}
