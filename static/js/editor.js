// The Markdown editor (templates/core/_editor.html). Without this file the form still works: the
// "Preview" submit button re-renders the page with the preview and the upload link opens the upload
// page. The toolbar and the link form are built here (they do nothing without the script), with
// their words from the scripts' catalogue (static/js/i18n.js; English until it has loaded).
import { gettext, loadCatalogue } from "./i18n.js";

const SHORTCUTS = { b: "bold", i: "italic", k: "link" };

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// [action, name, title, shortcut, the glyph's tag, the glyph]: the glyph is decoration (aria-hidden);
// the button is named by its aria-label, the title adds the shortcut.
function tools(root) {
  return [
    ["bold", gettext("Bold"), gettext("Bold (Ctrl+B)"), "Control+B", "b", "B"],
    ["italic", gettext("Italic"), gettext("Italic (Ctrl+I)"), "Control+I", "i", "I"],
    ["heading", gettext("Heading"), gettext("Heading"), "", "span", "H"],
    ["link", gettext("Link"), gettext("Link (Ctrl+K)"), "Control+K", "span", gettext("Link")],
    ["quote", gettext("Quote"), gettext("Quote"), "", "span", "❝"],
    ["list", gettext("Bulleted list"), gettext("Bulleted list"), "", "span", "•"],
    ["code", gettext("Code"), gettext("Code"), "", "span", "</>"],
    ...(root.dataset.uploadUrl ? [["image", gettext("Add an image"), gettext("Add an image (PNG, JPEG, WebP)"), "",
      "span", gettext("Image")]] : []),
  ];
}

function buildToolbar(root, textarea) {
  const toolbar = element("div", {
    class: "editor-toolbar", role: "toolbar", "aria-label": gettext("Formatting"), "aria-controls": textarea.id,
  });
  for (const [action, name, title, shortcut, tag, glyph] of tools(root)) {
    const button = element("button", { type: "button", class: "editor-button", "data-action": action,
      "aria-label": name, title }, element(tag, { "aria-hidden": "true" }, glyph));
    if (shortcut) button.setAttribute("aria-keyshortcuts", shortcut);
    toolbar.append(button);
  }
  if (root.dataset.previewUrl) {
    toolbar.append(element("button", { type: "button", class: "editor-button editor-preview-toggle",
      "data-action": "preview", "aria-pressed": "false" }, gettext("Preview")));
  }
  // One tab stop: the first button; the arrows move along the toolbar.
  [...toolbar.children].forEach((button, i) => { button.tabIndex = i === 0 ? 0 : -1; });
  textarea.before(toolbar);
  return toolbar;
}

function buildLinkForm(textarea) {
  const id = `${textarea.id}-link`;
  const form = element("div", { class: "editor-link-form", role: "group", "aria-label": gettext("Link"),
    "data-editor-link-form": "" },
  element("label", { for: id }, gettext("Link address (https://…)")),
  element("input", { type: "text", id, dir: "ltr", inputmode: "url", spellcheck: "false", autocomplete: "off",
    "aria-describedby": `${id}-error` }),
  " ",
  element("button", { type: "button", class: "button-secondary", "data-editor-link-add": "" }, gettext("Add the link")),
  " ",
  element("button", { type: "button", class: "button-secondary", "data-editor-link-cancel": "" }, gettext("Cancel")),
  " ",
  element("span", { class: "form-error", id: `${id}-error`, role: "alert", "data-editor-link-error": "" }));
  form.hidden = true;
  textarea.after(form);
  return form;
}

function csrfToken(root) {
  const input = root.closest("form")?.querySelector("input[name=csrfmiddlewaretoken]")
    || document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) return input.value;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// Replace the selection with `text`, then select [selectStart, selectEnd) relative to its start.
function replaceSelection(textarea, text, selectStart = text.length, selectEnd = selectStart) {
  const start = textarea.selectionStart;
  textarea.setRangeText(text, start, textarea.selectionEnd, "end");
  textarea.setSelectionRange(start + selectStart, start + selectEnd);
  textarea.dispatchEvent(new Event("input", { bubbles: true }));
  textarea.focus();
}

function wrap(textarea, before, after, sample) {
  const selected = textarea.value.slice(textarea.selectionStart, textarea.selectionEnd);
  const inner = selected || sample;
  replaceSelection(textarea, before + inner + after, before.length, before.length + inner.length);
}

// Prefix every line the selection touches (the whole current line when nothing is selected). On an
// empty line the sample text is inserted after the prefix and only the sample is selected, so
// typing replaces it and keeps the prefix ("- item", not "item").
function prefixLines(textarea, prefix, sample) {
  const value = textarea.value;
  let start = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
  let end = textarea.selectionEnd;
  const nextBreak = value.indexOf("\n", end);
  end = nextBreak === -1 ? value.length : nextBreak;
  textarea.setSelectionRange(start, end);
  const existing = value.slice(start, end);
  if (!existing.trim()) {
    const text = prefix + sample;
    return replaceSelection(textarea, text, prefix.length, text.length);
  }
  const text = existing.split("\n").map((line) => prefix + line).join("\n");
  return replaceSelection(textarea, text, text.length, text.length);
}

// The direction of the first strong letter (as forum.core.richtext.html_direction on the server):
// the preview's own `dir="auto"` would skip its blocks, which carry their own `dir`.
const RTL_LETTER = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/u;
function textDirection(text) {
  const letter = text.match(/\p{L}/u);
  if (!letter) return "auto";
  return RTL_LETTER.test(letter[0]) ? "rtl" : "ltr";
}

function insertBlock(textarea, text) {
  const before = textarea.value.slice(0, textarea.selectionStart);
  const lead = before === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
  replaceSelection(textarea, `${lead}${text}\n`);
}

class Editor {
  constructor(root) {
    this.root = root;
    this.textarea = root.querySelector("[data-editor-input]");
    this.status = root.querySelector("[data-editor-status]");
    this.preview = root.querySelector("[data-editor-preview]");
    this.previewBody = root.querySelector("[data-editor-preview-body]");
    if (!this.textarea || root.querySelector(".editor-toolbar")) return;
    this.toolbar = buildToolbar(root, this.textarea);
    this.buttons = [...this.toolbar.querySelectorAll("button")];
    this.toolbar.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (button) this.run(button.dataset.action, button);
    });
    this.toolbar.addEventListener("keydown", (event) => this.moveFocus(event));
    this.textarea.addEventListener("keydown", (event) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const action = SHORTCUTS[event.key.toLowerCase()];
      if (action) {
        event.preventDefault();
        this.run(action);
      }
    });
  }

  // A toolbar is one tab stop; arrow keys move between its buttons (in the reading direction).
  moveFocus(event) {
    const index = this.buttons.indexOf(document.activeElement);
    if (index === -1) return;
    const rtl = getComputedStyle(this.toolbar).direction === "rtl";
    const keys = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1, Home: -Infinity, End: Infinity };
    if (!(event.key in keys)) return;
    event.preventDefault();
    const step = keys[event.key];
    let next = Number.isFinite(step) ? (index + step + this.buttons.length) % this.buttons.length
      : step < 0 ? 0 : this.buttons.length - 1;
    this.buttons.forEach((button, i) => { button.tabIndex = i === next ? 0 : -1; });
    this.buttons[next].focus();
  }

  say(message) {
    if (this.status) this.status.textContent = message || "";
  }

  run(action, button) {
    const t = this.textarea;
    switch (action) {
      case "bold": return wrap(t, "**", "**", gettext("bold text"));
      case "italic": return wrap(t, "_", "_", gettext("italic text"));
      case "heading": return prefixLines(t, "## ", gettext("Heading"));
      case "quote": return prefixLines(t, "> ", gettext("quoted text"));
      case "list": return prefixLines(t, "- ", gettext("list item"));
      case "code": {
        const selected = t.value.slice(t.selectionStart, t.selectionEnd);
        if (selected.includes("\n")) return insertBlock(t, "```\n" + selected + "\n```");
        return wrap(t, "`", "`", gettext("code"));
      }
      case "link": return this.openLinkForm();
      case "image": return this.pickImage();
      case "preview": return this.togglePreview(button);
      default: return undefined;
    }
  }

  // An inline form for the link's address (not window.prompt): labelled, Enter adds the link,
  // Escape or "Cancel" closes it; either way the focus and the selection return to the text.
  openLinkForm() {
    const form = this.root.querySelector("[data-editor-link-form]") || buildLinkForm(this.textarea);
    const t = this.textarea;
    this.linkRange = [t.selectionStart, t.selectionEnd];
    const input = form.querySelector("input");
    const error = form.querySelector("[data-editor-link-error]");
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    input.value = "https://";
    form.hidden = false;
    input.focus();
    input.select();
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    const close = () => {
      form.hidden = true;
      t.focus();
      t.setSelectionRange(...this.linkRange);
    };
    const add = () => {
      // Spaces and brackets would end the Markdown link: encoded (as before, "a b" -> "a%20b").
      const url = input.value.trim().replace(/[()\s]/g, encodeURIComponent);
      if (!/^(https?:\/\/[^\s/]+\.[^\s]+|\/[^\s]*|mailto:[^\s]+@[^\s]+)$/i.test(url)) {
        error.textContent = gettext(
          "Enter an address that starts with https:// (or http://, or / for a page of this site).");
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      form.hidden = true;
      t.focus();
      t.setSelectionRange(...this.linkRange);
      const selected = t.value.slice(t.selectionStart, t.selectionEnd) || gettext("link text");
      const text = `[${selected}](${url})`;
      replaceSelection(t, text, 1, 1 + selected.length);
    };
    // Enter in the address would submit the whole post form: it adds the link instead.
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); add(); }
      if (event.key === "Escape") { event.preventDefault(); close(); }
    });
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); close(); }
    });
    form.querySelector("[data-editor-link-add]").addEventListener("click", add);
    form.querySelector("[data-editor-link-cancel]").addEventListener("click", close);
  }

  pickImage() {
    const input = document.createElement("input");
    input.type = "file";
    input.accept = "image/png,image/jpeg,image/webp";
    input.addEventListener("change", () => { if (input.files[0]) this.upload(input.files[0]); });
    input.click();
  }

  async upload(file) {
    const body = new FormData();
    body.append("file", file);
    body.append("csrfmiddlewaretoken", csrfToken(this.root));
    this.say(gettext("Uploading the image…"));
    try {
      const response = await fetch(this.root.dataset.uploadUrl, {
        method: "POST", body, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken(this.root) },
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok || !data.markdown) throw new Error(data.error || gettext("The image could not be uploaded."));
      insertBlock(this.textarea, data.markdown);
      this.say(gettext("Image added."));
    } catch (error) {
      this.say(error.message || gettext("The image could not be uploaded."));
    }
  }

  async togglePreview(button) {
    const showing = button.getAttribute("aria-pressed") === "true";
    if (showing) {
      button.setAttribute("aria-pressed", "false");
      this.preview.hidden = true;
      this.textarea.focus();
      return;
    }
    this.say(gettext("Loading the preview…"));
    const body = new URLSearchParams({ source: this.textarea.value });
    try {
      const response = await fetch(this.root.dataset.previewUrl, {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(this.root), Accept: "text/html" },
      });
      const html = await response.text();
      // 400 (bad text), 403 (may not post) and 429 (too fast) carry a translated reason to show.
      if (!response.ok && ![400, 403, 429].includes(response.status)) {
        throw new Error(gettext("The preview could not be loaded; your text is unchanged."));
      }
      // Sanitised on the server by the same policy as stored posts; CSP forbids inline script anyway.
      this.previewBody.innerHTML = html;
      this.previewBody.dir = textDirection(this.previewBody.textContent);
      this.preview.hidden = false;
      button.setAttribute("aria-pressed", "true");
      this.say("");
    } catch (error) {
      this.say(gettext("The preview could not be loaded; your text is unchanged."));
    }
  }
}

const roots = document.querySelectorAll(".editor[data-editor]");
if (roots.length) {
  loadCatalogue().then(() => {
    for (const root of roots) {
      const nojsPreview = root.querySelector(".editor-nojs-preview");
      new Editor(root);
      if (nojsPreview && root.dataset.previewUrl) nojsPreview.hidden = true;
    }
  });
}
