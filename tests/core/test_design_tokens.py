"""The design tokens of static/css/site.css: text keeps 4.5:1 contrast (WCAG AA) on every surface it
is used on, computed from the stylesheet itself; the fonts are the self-hosted ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

SITE_CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"
FONTS = Path(settings.BASE_DIR) / "static" / "fonts"


DARK_BLOCK = "@media (prefers-color-scheme: dark) {"
SCHEMES = ("light", "dark")


def _light_tokens() -> dict[str, str]:
    css = SITE_CSS.read_text()
    root = css[css.index(":root {"):]
    root = root[: root.index("\n}")]
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\s*;", root))


def _dark_overrides() -> dict[str, str]:
    css = SITE_CSS.read_text()
    block = css[css.index(DARK_BLOCK):]
    block = block[: block.index("\n}")]
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


def _tokens(scheme: str = "light") -> dict[str, str]:
    """The colour tokens as a reader of that scheme gets them (dark: the light ones it overrides)."""
    tokens = _light_tokens()
    if scheme == "dark":
        tokens.update(_dark_overrides())
    return tokens


def _hues() -> dict[str, str]:
    return dict(re.findall(r"\.(avatar-hue-[a-z0-9]+) \{ background: (#[0-9a-fA-F]{6}); \}", SITE_CSS.read_text()))


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-too-light grey


TEXT_ON = [  # (text token, surface token): every pairing the components use
    *[(text, surface) for text in ("ink", "muted", "accent", "danger", "warning-ink", "success-ink", "observer")
      for surface in ("paper", "card", "surface-muted")],
    ("ink", "accent-soft"), ("ink", "danger-soft"), ("ink", "warning-soft"), ("ink", "info-soft"),
    ("ink", "success-soft"), ("ink", "highlight"),  # diff lines, search hits
    ("accent", "accent-soft"), ("danger", "danger-soft"), ("muted", "accent-soft"),
    ("muted", "info-soft"), ("accent", "info-soft"),  # unread notifications, a post reached by its link
    ("muted", "warning-soft"), ("accent", "warning-soft"),  # pinned questions, notices
    # text on filled buttons, badges and the header (white in light mode, dark in dark mode)
    ("accent-ink", "accent"), ("accent-ink", "danger"), ("accent-ink", "observer"), ("accent-ink", "muted"),
    ("accent-ink", "warning-ink"),  # the "pinned" badge
    ("header-ink", "header-bg"),  # the site's header band and its phone menu
]
CASES = [(scheme, text, surface) for scheme in SCHEMES for text, surface in TEXT_ON]


@pytest.mark.parametrize(("scheme", "text", "surface"), CASES, ids=[f"{c}-{t}-on-{s}" for c, t, s in CASES])
def test_text_tokens_reach_4_5_to_1_on_their_surfaces(scheme, text, surface):
    tokens = _tokens(scheme)
    assert contrast(tokens[text], tokens[surface]) >= 4.5, (scheme, text, tokens[text], surface, tokens[surface])


# Graphics that carry meaning: control borders, the focus ring, the room's connection dot, chart bars.
GRAPHICS = ("line-strong", "focus", "status-idle", "status-live", "status-wait",
            *[f"series-{n}" for n in range(7)])


@pytest.mark.parametrize("scheme", SCHEMES)
def test_controls_borders_focus_ring_and_graphics_reach_3_to_1(scheme):
    tokens = _tokens(scheme)
    for surface in ("paper", "card"):
        for graphic in GRAPHICS:
            assert contrast(tokens[graphic], tokens[surface]) >= 3, (scheme, graphic, surface)  # WCAG 1.4.11
    # On the header band, the focus ring is drawn in the header's ink.
    assert contrast(tokens["header-ink"], tokens["header-bg"]) >= 3


def test_the_dark_scheme_gives_every_colour_token_a_dark_value():
    """A token without a dark value would keep its light colour on a dark page (light text on light,
    or a white card): each one has its own, except the QR code's light quiet zone."""
    light, dark = _light_tokens(), _dark_overrides()
    assert set(light) - set(dark) == {"qr-light", "avatar-ink"}
    assert luminance(dark["paper"]) < 0.05 and luminance(dark["ink"]) > 0.6
    assert "color-scheme: light dark" in SITE_CSS.read_text()  # form controls and scrollbars follow


RAW_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(|:\s*(white|black)\b")


def test_stylesheets_other_than_the_tokens_name_no_raw_colour():
    """Dark mode works by changing tokens; a raw colour elsewhere would stay light (issue #10)."""
    offenders = []
    for sheet in sorted(SITE_CSS.parent.glob("*.css")):
        if sheet == SITE_CSS:
            continue
        for number, line in enumerate(sheet.read_text().splitlines(), 1):
            if RAW_COLOUR.search(line):
                offenders.append(f"{sheet.name}:{number}: {line.strip()}")
    assert offenders == []


def test_every_avatar_colour_carries_white_initials_at_4_5_to_1():
    assert _tokens("light")["avatar-ink"] == _tokens("dark")["avatar-ink"] == "#ffffff"
    hues = _hues()
    assert len(hues) == 13  # twelve colours and the neutral one of former members
    for name, colour in hues.items():
        assert contrast("#ffffff", colour) >= 4.5, (name, colour)


def test_the_stylesheet_names_only_self_hosted_faces_swapped_in():
    css = SITE_CSS.read_text()
    faces = re.findall(r"@font-face \{(.*?)\}", css, flags=re.S)
    assert len(faces) == 1  # Noto Sans Arabic, regular: see the next test
    for face in faces:
        assert "font-display: swap" in face
        [url] = re.findall(r'url\("([^"]+)"\)', face)
        assert url.startswith("../fonts/") and url.endswith(".woff2")
        assert (FONTS / url.removeprefix("../fonts/")).read_bytes()[:4] == b"wOF2"
        assert "unicode-range" in face
    assert (FONTS / "OFL.txt").read_text().count("SIL Open Font License") >= 1


def test_the_fonts_stay_within_their_budget():
    """One face, 11.5 KB when built: with the thread page's HTML, stylesheets and scripts (23.7 KB
    gzipped) it keeps the page under its 40 KB (issue #11 §4, bench/page_weight.py). The Noto Sans
    pair and the bold Arabic weight it had (47.5 KB in all) did not fit."""
    total = sum(p.stat().st_size for p in FONTS.glob("*.woff2"))
    assert [p.name for p in FONTS.glob("*.woff2")] == ["noto-sans-arabic-400.woff2"]
    assert total <= 14 * 1024, total


def test_latin_text_falls_through_to_the_system_font_and_arabic_takes_the_face():
    """The Arabic face comes first in the one font stack and holds only Arabic (its unicode-range),
    so every script finds its font without a rule per language."""
    css = SITE_CSS.read_text()
    [stack] = re.findall(r"--font-sans: ([^;]+);", css)
    assert stack.split(", ")[:2] == ['"Noto Sans Arabic"', "system-ui"]
    [face_range] = re.findall(r"unicode-range: ([^;]+);", css)
    assert "U+0000" not in face_range and "U+0041" not in face_range and face_range.startswith("U+060C")


def test_content_security_policy_allows_fonts_from_this_site_only(client):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["font-src"] == "'self'"
    assert "http" not in directives.get("style-src", "") and "'unsafe-inline'" not in directives.get("style-src", "")


def test_the_style_page_paints_a_swatch_for_tokens_that_exist():
    from forum.discussions.views_style import SWATCHES

    guide = (SITE_CSS.parent / "style-guide.css").read_text()
    tokens = _light_tokens()
    for name in SWATCHES:
        assert name in tokens, name
        assert f".swatch-{name} {{ background: var(--{name}); }}" in guide, name
