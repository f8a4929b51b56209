// Mention suggestions in the editor (templates/core/_editor.html with data-mention-url): typing "@"
// and a letter or more asks GET <url>?q=… (forum/discussions/views_mentions.py) for members who may
// read the place and shows them in a listbox at the caret: under the line being typed, its start
// edge at the "@" (the left edge in left-to-right text, the right edge in right-to-left text, found
// with a hidden copy of the textarea laid out the same way), kept inside the editor. The textarea keeps the focus and
// points at the active option (aria-activedescendant): ↓/↑ move, Enter or Tab inserts
// "@[Full Name] ", Escape closes. Without this file members type @[Full Name] themselves (the help says so).
import { gettext, interpolate, loadCatalogue, ngettext } from "./i18n.js";

// "@" at the start or after a space or an opening bracket, then a name being typed (one space allowed
// after "@[" so "@[Karim Ha" still suggests).
const TRIGGER = /(?:^|[\s(])@(\[[^\]\n@]{0,60}|[^\s@[\]]{1,60})$/u;
const DELAY = 200;
// The textarea's properties that decide where its text wraps (copied onto the measuring mirror).
const MIRRORED = ["boxSizing", "inlineSize", "width", "paddingTop", "paddingRight", "paddingBottom", "paddingLeft",
  "borderTopWidth", "borderRightWidth", "borderBottomWidth", "borderLeftWidth", "borderStyle", "fontFamily",
  "fontSize", "fontWeight", "fontStyle", "fontVariant", "letterSpacing", "wordSpacing", "lineHeight", "textIndent",
  "textTransform", "tabSize", "direction", "textAlign", "unicodeBidi"];
let counter = 0;

// Where the character at `index` of the textarea's text is drawn: {left, right, top, bottom} in pixels
// from the textarea's border box, after its own scrolling. A hidden div with the same box, font and
// wrapping holds the text before it and a marker for the "@" and what follows on the line.
function characterBox(textarea, index) {
  const style = getComputedStyle(textarea);
  const mirror = document.createElement("div");
  MIRRORED.forEach((property) => { mirror.style[property] = style[property]; });
  mirror.style.position = "absolute";
  mirror.style.visibility = "hidden";
  mirror.style.insetBlockStart = "0";
  mirror.style.insetInlineStart = "0";
  mirror.style.whiteSpace = "pre-wrap";
  mirror.style.overflowWrap = "break-word";
  mirror.style.overflow = "hidden";
  mirror.style.blockSize = "auto";
  mirror.textContent = textarea.value.slice(0, index);
  const marker = document.createElement("span");
  marker.textContent = textarea.value.slice(index).split("\n")[0].split(/\s/u)[0] || "@";
  mirror.append(marker);
  textarea.parentElement.append(mirror);
  const base = mirror.getBoundingClientRect();
  const rects = [...marker.getClientRects()];
  const first = rects[0] || marker.getBoundingClientRect();
  const box = {
    left: first.left - base.left - textarea.scrollLeft,
    right: first.right - base.left - textarea.scrollLeft,
    top: first.top - base.top - textarea.scrollTop,
    bottom: first.bottom - base.top - textarea.scrollTop,
    rtl: style.direction === "rtl", // the textarea's own (dir="auto": its text's first strong letter)
  };
  mirror.remove();
  return box;
}

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
  editor.classList.add("editor-with-mentions");
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
    place();
    highlight(0);
    status.textContent = interpolate(ngettext("%(count)s member found: use the arrow keys and Enter.",
      "%(count)s members found: use the arrow keys and Enter.", names.length), { count: names.length });
  }

  // The list at the caret: its top under the line of the "@", its start edge at the "@" (left in
  // left-to-right text, right in right-to-left text), moved back inside the editor when it would
  // overflow it. Positions are set as logical insets of the editor (the page's direction).
  function place() {
    const box = characterBox(textarea, start);
    const frame = editor.getBoundingClientRect();
    const field = textarea.getBoundingClientRect();
    const width = list.offsetWidth;
    const top = field.top - frame.top + Math.min(Math.max(box.bottom, 0), textarea.clientHeight) + 2;
    // The "@" in the editor's frame, and where the list's left edge goes.
    const at = box.rtl ? field.left - frame.left + box.right - width : field.left - frame.left + box.left;
    const left = Math.min(Math.max(at, 0), Math.max(frame.width - width, 0));
    const pageRtl = getComputedStyle(editor).direction === "rtl";
    list.style.insetBlockStart = `${Math.round(top)}px`;
    list.style.insetInlineStart = `${Math.round(pageRtl ? frame.width - width - left : left)}px`;
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
