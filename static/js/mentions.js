// Mention suggestions in the editor (templates/core/_editor.html with data-mention-url): typing "@"
// and a letter or more asks GET <url>?q=… (forum/discussions/views_mentions.py) for members who may
// read the place and shows them in a listbox under the text. The textarea keeps the focus and
// points at the active option (aria-activedescendant): ↓/↑ move, Enter or Tab inserts
// "@[Full Name] ", Escape closes. Without this file members type @[Full Name] themselves (the help says so).
import { gettext, interpolate, loadCatalogue, ngettext } from "./i18n.js";

// "@" at the start or after a space or an opening bracket, then a name being typed (one space allowed
// after "@[" so "@[Karim Ha" still suggests).
const TRIGGER = /(?:^|[\s(])@(\[[^\]\n@]{0,60}|[^\s@[\]]{1,60})$/u;
const DELAY = 200;
let counter = 0;

function attach(editor) {
  const textarea = editor.querySelector("textarea[data-editor-input]");
  const url = editor.dataset.mentionUrl;
  if (!textarea || !url) return;
  counter += 1;
  const listId = `mention-list-${counter}`;
  const list = document.createElement("ul");
  list.id = listId;
  list.className = "mention-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", gettext("Members you can mention"));
  list.hidden = true;
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  textarea.after(list, status);
  // A textarea keeps its textbox role (it may not be a combobox, nor carry aria-expanded): it names
  // the list it controls and its active option; the status line says when suggestions appear.
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", listId);

  let names = [];
  let active = -1;
  let start = -1; // where the "@" is
  let timer = null;
  let asked = 0;

  function close() {
    names = [];
    active = -1;
    list.hidden = true;
    list.replaceChildren();
    textarea.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) textarea.setAttribute("aria-activedescendant", `${listId}-${index}`);
    else textarea.removeAttribute("aria-activedescendant");
  }

  function show(found) {
    names = found;
    list.replaceChildren();
    if (!names.length) {
      close();
      status.textContent = gettext("No member found.");
      return;
    }
    names.forEach((name, i) => {
      const item = document.createElement("li");
      item.id = `${listId}-${i}`;
      item.setAttribute("role", "option");
      // The name keeps its own direction inside the page's (an Arabic name in a French page).
      const bdi = document.createElement("bdi");
      bdi.textContent = name;
      item.append(bdi);
      // mousedown, not click: the textarea keeps the focus and its caret.
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        insert(i);
      });
      list.append(item);
    });
    list.hidden = false;
    highlight(0);
    status.textContent = interpolate(ngettext("%(count)s member found: use the arrow keys and Enter.",
      "%(count)s members found: use the arrow keys and Enter.", names.length), { count: names.length });
  }

  function insert(index) {
    const name = names[index];
    if (name === undefined || start < 0) return;
    const mention = `@[${name}] `;
    textarea.setRangeText(mention, start, textarea.selectionStart, "end");
    close();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
  }

  async function ask(query) {
    const ticket = ++asked;
    try {
      const response = await fetch(`${url}?q=${encodeURIComponent(query)}`, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      const body = await response.json();
      if (ticket !== asked) return; // a later keystroke asked again
      if (!response.ok) {
        close();
        status.textContent = body.error || "";
        return;
      }
      show(Array.isArray(body.names) ? body.names : []);
    } catch {
      if (ticket === asked) close();
    }
  }

  textarea.addEventListener("input", () => {
    if (timer) clearTimeout(timer);
    const caret = textarea.selectionStart;
    if (caret !== textarea.selectionEnd) return close();
    const match = TRIGGER.exec(textarea.value.slice(0, caret));
    const query = match ? match[1].replace(/^\[/, "") : "";
    if (!match || !query.trim()) {
      asked += 1;
      return close();
    }
    start = caret - match[1].length - 1;
    timer = setTimeout(() => ask(query), DELAY);
  });

  textarea.addEventListener("keydown", (event) => {
    if (list.hidden || !names.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + names.length) % names.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      if (active < 0) return;
      event.preventDefault();
      insert(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      asked += 1;
      close();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(close, 150));
}

const editors = document.querySelectorAll("[data-editor][data-mention-url]");
if (editors.length) loadCatalogue().then(() => editors.forEach(attach));
