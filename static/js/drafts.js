// Drafts: the reply and new-thread forms keep unsent text in this browser (localStorage), one draft
// per member and place (`<form data-draft="reply:12">` or `thread:3`), and offer it back after a
// crash or a closed tab ("Restore draft" / "Discard"). Nothing is sent to the server.
// - A submitted draft is marked "sent"; the next page drops it unless it shows that form again with
//   the text in it (the server refused the post and gave the form back).
// - Privacy on shared devices: signing out (a form with `data-clears-drafts`) clears every draft,
//   and any page seen signed out, or signed in as someone else, clears the drafts of others.
// Without JavaScript, or with storage disabled, the forms work as before. Documented in docs/threads.md.
import { gettext, interpolate, loadCatalogue } from "./i18n.js";

const PREFIX = "madaniya.draft.";
const SAVE_DELAY = 400;

function storage() {
  try {
    const store = window.localStorage;
    const probe = `${PREFIX}probe`;
    store.setItem(probe, "1");
    store.removeItem(probe);
    return store;
  } catch {
    return null;
  }
}

const store = storage();
const user = document.body.dataset.draftUser || "";

function draftKeys() {
  const keys = [];
  for (let i = 0; i < store.length; i += 1) {
    const key = store.key(i);
    if (key && key.startsWith(PREFIX)) keys.push(key);
  }
  return keys;
}

export function clearAllDrafts() {
  if (!store) return;
  for (const key of draftKeys()) store.removeItem(key);
}

function read(key) {
  try {
    const value = JSON.parse(store.getItem(key) || "null");
    return value && typeof value.text === "string" ? value : null;
  } catch {
    return null;
  }
}

function fieldsOf(form) {
  return { text: form.querySelector("textarea[name=source]"), title: form.querySelector("input[name=title]") };
}

function formatTime(ms) {
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      { dateStyle: "medium", timeStyle: "short" }).format(new Date(ms));
  } catch {
    return new Date(ms).toLocaleString();
  }
}

function offer(form, draft, onDone) {
  const { text, title } = fieldsOf(form);
  const box = document.createElement("div");
  box.className = "draft-offer";
  box.setAttribute("role", "group");
  const message = document.createElement("p");
  message.id = `${text.id}-draft-message`;
  message.setAttribute("role", "status");
  message.textContent = interpolate(gettext("An unsent draft from %(time)s is kept in this browser."),
    { time: formatTime(draft.saved) });
  box.setAttribute("aria-labelledby", message.id);
  const restore = document.createElement("button");
  restore.type = "button";
  restore.dataset.draftRestore = "";
  restore.textContent = gettext("Restore draft");
  const discard = document.createElement("button");
  discard.type = "button";
  discard.className = "button-secondary";
  discard.dataset.draftDiscard = "";
  discard.textContent = gettext("Discard");
  box.append(message, restore, " ", discard);
  restore.addEventListener("click", () => {
    text.value = draft.text;
    if (title && draft.title) title.value = draft.title;
    box.remove();
    onDone(true);
    text.dispatchEvent(new Event("input", { bubbles: true }));
    text.focus();
  });
  discard.addEventListener("click", () => {
    box.remove();
    onDone(false);
    text.focus();
  });
  const editor = text.closest("[data-editor]") || text;
  editor.before(box);
}

function bind(form) {
  const { text, title } = fieldsOf(form);
  if (!text) return;
  const key = `${PREFIX}${user}.${form.dataset.draft}`;
  let timer = null;
  let offering = false;

  const save = () => {
    timer = null;
    if (offering) return;
    const value = { text: text.value, title: title ? title.value : "", saved: Date.now(), sent: false };
    if (!value.text.trim() && !value.title.trim()) store.removeItem(key);
    else store.setItem(key, JSON.stringify(value));
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY);
  };
  text.addEventListener("input", later);
  title?.addEventListener("input", later);
  form.addEventListener("submit", (event) => {
    // The no-JavaScript "Preview" button posts the form too: that is not a send.
    if (event.submitter && event.submitter.name === "preview") return;
    if (timer) clearTimeout(timer);
    if (offering) return;
    save();
    const draft = read(key);
    if (draft) store.setItem(key, JSON.stringify({ ...draft, sent: true }));
  });

  const draft = read(key);
  if (!draft) return;
  const shown = text.value.trim() || (title && title.value.trim());
  if (shown) {
    // The page came back with the text (a refused post, or the browser restored the form): keep it.
    save();
    return;
  }
  if (draft.sent) {
    store.removeItem(key);
    return;
  }
  if (draft.text === text.value) return;
  offering = true;
  offer(form, draft, (restored) => {
    offering = false;
    if (restored) save();
    else store.removeItem(key);
  });
}

if (store) {
  // Drafts of someone else (signed out, or another member on this device) are not shown: drop them.
  for (const key of draftKeys()) {
    if (!user || !key.startsWith(`${PREFIX}${user}.`)) store.removeItem(key);
  }
  for (const form of document.querySelectorAll("form[data-clears-drafts]")) {
    form.addEventListener("submit", clearAllDrafts);
  }
  const forms = [...document.querySelectorAll("form[data-draft]")];
  // Sent drafts of places this page does not show are done with.
  const here = new Set(forms.map((form) => `${PREFIX}${user}.${form.dataset.draft}`));
  for (const key of draftKeys()) {
    if (!here.has(key) && read(key)?.sent) store.removeItem(key);
  }
  if (user && forms.length) loadCatalogue().then(() => forms.forEach(bind));
}
