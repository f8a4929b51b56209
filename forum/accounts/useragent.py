"""Readable names for a browser's User-Agent header, for the sessions page ("Firefox on Android").

A small table of the browsers and systems members use, read at display time from what allauth's
`UserSession.user_agent` already stores (nothing more is kept). Order matters: Chromium-based
browsers also name Chrome and Safari, and Chrome on iOS names Safari, so the specific ones come first.
Unknown agents read as "Unknown browser" / "Unknown device"; the raw header stays available as a tooltip.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# (pattern, name): the first match names the browser. Names of products are not translated.
_BROWSERS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), n) for p, n in (
    (r"\bEdg(?:e|A|iOS)?/", "Edge"),
    (r"\bOPR/|\bOpera\b", "Opera"),
    (r"\bSamsungBrowser/", "Samsung Internet"),
    (r"\bYaBrowser/", "Yandex Browser"),
    (r"\bVivaldi/", "Vivaldi"),
    (r"\bBrave\b", "Brave"),
    (r"\bFirefox/|\bFxiOS/", "Firefox"),
    (r"\bCriOS/|\bChrome/|\bChromium/|HeadlessChrome/", "Chrome"),
    (r"\bVersion/[\d.]+.*\bSafari/|\bSafari/[\d.]+$", "Safari"),
    (r"\bMSIE |\bTrident/", "Internet Explorer"),
))
# (pattern, system, kind): kind is "phone", "tablet" or "computer".
_SYSTEMS: tuple[tuple[re.Pattern, str, str], ...] = tuple((re.compile(p), s, k) for p, s, k in (
    (r"\biPad\b", "iPadOS", "tablet"),
    (r"\biPhone\b|\biPod\b", "iOS", "phone"),
    (r"\bAndroid\b.*\bMobile\b", "Android", "phone"),
    (r"\bAndroid\b", "Android", "tablet"),
    (r"\bCrOS\b", "ChromeOS", "computer"),
    (r"\bWindows\b", "Windows", "computer"),
    (r"\bMacintosh\b|\bMac OS X\b", "macOS", "computer"),
    (r"\bLinux\b|\bX11\b", "Linux", "computer"),
))
KINDS = {"phone": gettext_noop("Phone"), "tablet": gettext_noop("Tablet"), "computer": gettext_noop("Computer")}
MAX_CHARS = 512  # read no further: a hostile header cannot make the patterns work long


class Agent(NamedTuple):
    browser: str  # "Firefox", or the translated "Unknown browser"
    device: str  # "Phone (Android)", or the translated "Unknown device"


def describe(user_agent: str | None) -> Agent:
    """The browser and device a User-Agent names, in the active language."""
    text = (user_agent or "")[:MAX_CHARS]
    browser = next((name for pattern, name in _BROWSERS if pattern.search(text)), None)
    system = next(((name, kind) for pattern, name, kind in _SYSTEMS if pattern.search(text)), None)
    if system is None:
        device = _("Unknown device")
    else:
        device = _("%(kind)s (%(system)s)") % {"kind": _(KINDS[system[1]]), "system": system[0]}
    return Agent(browser=browser or _("Unknown browser"), device=device)
