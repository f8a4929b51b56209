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
// "<post> <reaction>". Without this file, or if the request fails, the form posts and the page reloads.
function updateReactions(group, postId, reactions) {
  for (const reaction of reactions) {
    const value = `${postId} ${reaction.emoji}`;
    const button = Array.from(group.querySelectorAll("button[name='r']")).find((b) => b.value === value);
    if (!button) continue;
    button.setAttribute("aria-pressed", reaction.mine ? "true" : "false");
    let count = button.querySelector(".count");
    if (!count && reaction.count) {
      count = document.createElement("span");
      count.className = "count";
      button.append(count);
    }
    if (count) count.textContent = reaction.count ? String(reaction.count) : "";
    if (reaction.who) button.title = reaction.who;
    else button.removeAttribute("title");
  }
}

const reactForm = document.getElementById("react");
if (reactForm) {
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
      updateReactions(group, button.value.split(" ")[0], (await response.json()).reactions || []);
      button.disabled = false;
      button.focus();
    } catch {
      button.disabled = false;
      reactForm.dataset.plain = "1";
      reactForm.requestSubmit(button); // fall back to the plain form: the server's answer explains any refusal
    }
  });
}
