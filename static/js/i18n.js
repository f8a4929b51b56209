// Translations for scripts: Django's JavaScript catalogue (`/jsi18n/`, django.views.i18n.
// JavaScriptCatalog, domain "djangojs", strings in locale/<lang>/LC_MESSAGES/djangojs.po).
// The catalogue is a classic script defining `window.django`; a page may include it with a
// <script> tag, otherwise `loadCatalogue()` adds that tag once. Until it is loaded (or if it cannot
// be), every string reads in English: the page stays usable.
// Call `gettext("literal")` with literal strings only, so `makemessages -d djangojs` finds them.

let loading = null;

// The page names the catalogue of its language at an address browsers keep (<body data-catalogue>,
// forum/core/catalogue.py); /jsi18n/ answers in the reader's language but is fetched every time.
export function loadCatalogue(url = document.body?.dataset.catalogue || "/jsi18n/") {
  if (window.django && window.django.catalog) return Promise.resolve();
  if (loading) return loading;
  loading = new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = url;
    script.addEventListener("load", () => resolve());
    script.addEventListener("error", () => resolve());
    document.head.append(script);
  });
  return loading;
}

export function gettext(text) {
  return window.django && window.django.gettext ? window.django.gettext(text) : text;
}

export function ngettext(singular, plural, count) {
  if (window.django && window.django.ngettext) return window.django.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

// "%(name)s" placeholders filled from `values` (always named: translators may reorder them).
export function interpolate(format, values) {
  return format.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
}

// User text (a name, a reason) inside a translated sentence set as textContent: between the Unicode
// isolates U+2068/U+2069, so an Arabic name in a French sentence (or the reverse) keeps its own
// direction without pulling the sentence's words and punctuation along (as forum.core.bidi.isolate).
export function isolate(text) {
  return `\u2068${String(text).replace(/[\u202a-\u202e\u2066-\u2069]/gu, "")}\u2069`;
}
