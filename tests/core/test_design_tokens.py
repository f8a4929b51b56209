"""The design tokens of static/css/site.css: text keeps 4.5:1 contrast (WCAG AA) on every surface it
is used on, computed from the stylesheet itself; the fonts are the self-hosted ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

SITE_CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"
FONTS = Path(settings.BASE_DIR) / "static" / "fonts"


def _tokens() -> dict[str, str]:
    css = SITE_CSS.read_text()
    root = css[css.index(":root {"):]
    root = root[: root.index("\n}")]
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\s*;", root))


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
    ("accent", "accent-soft"), ("danger", "danger-soft"), ("muted", "accent-soft"),
    # white text on filled buttons, badges and the header
    ("accent-ink", "accent"), ("accent-ink", "danger"), ("accent-ink", "observer"), ("accent-ink", "muted"),
]


@pytest.mark.parametrize(("text", "surface"), TEXT_ON, ids=[f"{t}-on-{s}" for t, s in TEXT_ON])
def test_text_tokens_reach_4_5_to_1_on_their_surfaces(text, surface):
    tokens = _tokens()
    assert contrast(tokens[text], tokens[surface]) >= 4.5, (text, tokens[text], surface, tokens[surface])


def test_controls_borders_and_focus_ring_reach_3_to_1():
    tokens = _tokens()
    for surface in ("paper", "card"):
        assert contrast(tokens["line-strong"], tokens[surface]) >= 3  # input borders (WCAG 1.4.11)
        assert contrast(tokens["focus"], tokens[surface]) >= 3


def test_every_avatar_colour_carries_white_initials_at_4_5_to_1():
    hues = _hues()
    assert len(hues) == 13  # twelve colours and the neutral one of former members
    for name, colour in hues.items():
        assert contrast("#ffffff", colour) >= 4.5, (name, colour)


def test_the_stylesheet_names_only_self_hosted_faces_swapped_in():
    css = SITE_CSS.read_text()
    faces = re.findall(r"@font-face \{(.*?)\}", css, flags=re.S)
    assert len(faces) == 4  # two families, two weights each
    for face in faces:
        assert "font-display: swap" in face
        [url] = re.findall(r'url\("([^"]+)"\)', face)
        assert url.startswith("../fonts/") and url.endswith(".woff2")
        assert (FONTS / url.removeprefix("../fonts/")).read_bytes()[:4] == b"wOF2"
        assert "unicode-range" in face
    assert (FONTS / "OFL.txt").read_text().count("SIL Open Font License") >= 1


def test_the_fonts_stay_within_their_budget():
    """Four faces, 47 KB when built; a page loads only the faces its text needs (unicode-range)."""
    total = sum(p.stat().st_size for p in FONTS.glob("*.woff2"))
    assert len(list(FONTS.glob("*.woff2"))) == 4
    assert total <= 60 * 1024, total


def test_content_security_policy_allows_fonts_from_this_site_only(client):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["font-src"] == "'self'"
    assert "http" not in directives.get("style-src", "") and "'unsafe-inline'" not in directives.get("style-src", "")
