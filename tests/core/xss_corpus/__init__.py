"""The XSS corpus (see README.md beside this file) and an independent checker of rendered HTML.

The checker does not reuse forum.core.richtext's own URL logic: it re-implements what a browser does
with an attribute value (drop tabs/newlines, strip leading controls and spaces, read the scheme) so a
bug in the policy cannot hide itself.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from bleach._vendor import html5lib

HERE = Path(__file__).parent

# Every element a sanitised post may contain; anything else is a failure.
ALLOWED_ELEMENTS = {
    "p", "br", "hr", "strong", "em", "b", "i", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
}
# Named in the brief; listed separately so a failure message says which dangerous one it was.
FORBIDDEN_ELEMENTS = {
    "script", "iframe", "object", "embed", "svg", "math", "style", "form", "base", "meta", "link",
    "frame", "frameset", "applet", "input", "button", "textarea", "select", "video", "audio", "source",
    "template", "noscript", "xmp", "title", "isindex", "param", "portal", "image",
}
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "background", "data", "xlink:href",
                  "lowsrc", "dynsrc", "cite", "longdesc", "ping", "code", "codebase"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def _load(name: str):
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def html_payloads() -> list[tuple[str, str]]:
    """(id, payload) for every HTML-position payload, with the templated ones expanded."""
    out: list[tuple[str, str]] = []
    for index, payload in enumerate(_load("dompurify.json")):
        out.append((f"dompurify-{index}", payload))
    owasp = _load("owasp.json")
    for index, payload in enumerate(owasp["payloads"]):
        out.append((f"owasp-{index}", payload))
    for name in owasp["event_handlers"]:
        out.append((f"owasp-event-img-{name}", f"<img src=x {name}=alert(1)>"))
        out.append((f"owasp-event-body-{name}", f"<body {name}=alert(1)>"))
    for index, lt in enumerate(owasp["less_than_forms"]):
        out.append((f"owasp-lt-script-{index}", f"{lt}script>alert(1){lt}/script>"))
        out.append((f"owasp-lt-img-{index}", f"{lt}img src=x onerror=alert(1)>"))
    bleach_data = _load("bleach.json")
    for index, payload in enumerate(bleach_data["payloads"]):
        out.append((f"bleach-{index}", payload))
    for raw in bleach_data["raw_tags"]:
        out.append((f"bleach-noscript-{raw}", bleach_data["noscript_raw_templates"].format(raw=raw)))
    for ns in bleach_data["namespaces"]:
        for rc in bleach_data["rcdata_tags"]:
            out.append((f"bleach-ns-{ns}-{rc}", bleach_data["namespace_rcdata_template"].format(ns=ns, rc=rc)))
            for end in bleach_data["end_tags"]:
                out.append((f"bleach-eject-{ns}-{end}-{rc}",
                            bleach_data["namespace_eject_template"].format(ns=ns, end=end, eject=rc)))
    return out


def url_payloads() -> list[tuple[str, str]]:
    """(id, payload) for URL-position payloads."""
    return [(f"url-{index}", url) for index, url in enumerate(_load("bleach.json")["urls"])]


def markdown_contexts(payload: str) -> dict[str, str]:
    """The payload raw and inside each Markdown construct a member can write."""
    one_line = payload.replace("\n", " ")
    return {
        "raw": payload,
        "link_text": f"[{one_line}](/t/1/)",
        "link_url": f"[x]({one_line})",
        "link_url_angle": f"[x](<{one_line}>)",
        "image_url": f"![x]({one_line})",
        "image_alt": f"![{one_line}](/t/attachments/1/)",
        "reference": f"[x][r]\n\n[r]: {one_line}",
        "autolink": f"<{one_line}>",
        "inline_code": f"`{one_line}`",
        "fenced_code": f"```\n{payload}\n```",
        "quote": f"> {one_line}",
        "list": f"- {one_line}\n- item",
        "heading": f"# {one_line}",
        "table": f"| a |\n|---|\n| {one_line} |",
        "emphasis": f"**{one_line}**",
    }


def _browser_scheme(value: str) -> str | None:
    """The scheme a browser would read from an attribute value, or None for a relative URL."""
    value = re.sub(r"[\t\n\r]", "", value)
    value = value.lstrip("".join(chr(c) for c in range(0x21)))
    match = _SCHEME.match(value)
    return match.group(1).lower() if match else None


def _site_path(value: str) -> bool:
    value = re.sub(r"[\t\n\r]", "", value).strip()
    return value.startswith("/") and not value.startswith(("//", "/\\")) and _browser_scheme(value) is None


def problems_in(html: str) -> list[str]:
    """Everything executable, styled or outside-loading in `html`, as readable strings (empty: safe)."""
    found: list[str] = []

    def check_element(tag: str, attrs: list[tuple[str, str]]) -> None:
        tag = tag.lower()
        if tag in FORBIDDEN_ELEMENTS:
            found.append(f"forbidden element <{tag}>")
        elif tag not in ALLOWED_ELEMENTS:
            found.append(f"unexpected element <{tag}>")
        for name, value in attrs:
            name = (name or "").lower()
            value = value or ""
            if name.startswith("on"):
                found.append(f"event handler {name} on <{tag}>")
            if name == "style":
                found.append(f"style attribute on <{tag}>")
            if name in URL_ATTRIBUTES:
                scheme = _browser_scheme(value)
                if name in ("src", "srcset"):
                    if not _site_path(value):
                        found.append(f"{name}={value!r} on <{tag}> loads from outside the site")
                elif name == "href":
                    if scheme is not None and scheme not in ("http", "https", "mailto"):
                        found.append(f"href with scheme {scheme!r}: {value!r}")
                else:
                    found.append(f"URL attribute {name} on <{tag}>")

    # html5lib: the parse a browser would make of the fragment.
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    for element in fragment.iter():
        if element is fragment:
            continue
        if not isinstance(element.tag, str) or element.tag == "<!--COMMENT-->":
            found.append("HTML comment survived")
            continue
        check_element(element.tag.split("}")[-1], list(element.attrib.items()))

    # html.parser: a second, stricter-minded tokenizer.
    class _Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            check_element(tag, attrs)

        def handle_startendtag(self, tag, attrs):
            check_element(tag, attrs)

        def handle_comment(self, data):
            found.append("HTML comment survived")

        def handle_decl(self, decl):
            found.append(f"declaration <!{decl}> survived")

        def handle_pi(self, data):
            found.append(f"processing instruction <?{data}> survived")

    collector = _Collector(convert_charrefs=True)
    collector.feed(html)
    collector.close()
    return sorted(set(found))
