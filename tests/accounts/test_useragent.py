"""Readable device and browser names from User-Agent headers (forum/accounts/useragent.py)."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from forum.accounts.useragent import describe

AGENTS = [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36", "Chrome", "Computer (Windows)"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36 Edg/120.0.2210.91", "Edge", "Computer (Windows)"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox", "Computer (Linux)"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
     "Safari/605.1.15", "Safari", "Computer (macOS)"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.2 Mobile/15E148 Safari/604.1", "Safari", "Phone (iOS)"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1", "Chrome", "Phone (iOS)"),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet", "Phone (Android)"),
    ("Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0", "Firefox", "Phone (Android)"),
    ("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36", "Chrome", "Tablet (Android)"),
    ("Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
     "Mobile/15E148 Safari/604.1", "Safari", "Tablet (iPadOS)"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36", "Chrome", "Computer (ChromeOS)"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36 OPR/106.0.0.0", "Opera", "Computer (Windows)"),
]


@pytest.mark.parametrize("agent,browser,device", AGENTS)
def test_common_agents_read_as_browser_and_device(agent, browser, device):
    with translation.override("en"):
        assert describe(agent) == (browser, device)


def test_unknown_and_empty_agents_say_so_in_the_language():
    with translation.override("en"):
        assert describe("") == ("Unknown browser", "Unknown device")
        assert describe(None) == ("Unknown browser", "Unknown device")
        assert describe("curl/8.0") == ("Unknown browser", "Unknown device")
    with translation.override("fr"):
        assert describe(AGENTS[2][0]).device == "Ordinateur (Linux)"
        assert describe("").browser == "Navigateur inconnu"
    with translation.override("ar"):
        assert describe(AGENTS[7][0]) == ("Firefox", "هاتف (Android)")


@given(st.text(max_size=2000))
def test_any_header_gives_two_non_empty_names(agent):
    result = describe(agent)
    assert result.browser and result.device
