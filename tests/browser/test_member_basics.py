"""A member signs in, switches to Arabic (the page turns right to left), opens their profile, and
the live socket answers — in a real Chromium against daphne."""

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_member_signs_in_switches_to_arabic_and_the_socket_answers(live_server, new_page, make_user):
    member = make_user(role="member", email="salma@example.org", display_name="سلمى")
    page = new_page()
    login(page, email=member.email)
    assert page.locator("html").get_attribute("dir") == "ltr"

    page.select_option("#language-select", "ar")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.documentElement.lang === 'ar'")
    assert page.locator("html").get_attribute("dir") == "rtl"
    nav = page.locator(".site-nav").bounding_box()
    brand = page.locator(".brand").bounding_box()
    # Mirrored layout: the brand sits at the right-hand edge in Arabic.
    assert brand["x"] + brand["width"] > nav["x"] + nav["width"] / 2

    member.refresh_from_db()
    assert member.preferred_language == "ar"

    page.goto(f"/me/members/{member.pk}/")
    assert page.locator("h1").inner_text().strip() == "سلمى"
    assert page.locator("html").get_attribute("dir") == "rtl"

    answer = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const socket = new WebSocket(`ws://${location.host}/ws/ping/`);
            socket.onopen = () => socket.send(JSON.stringify({type: "ping", data: "مرحبا"}));
            socket.onmessage = (event) => { resolve(JSON.parse(event.data)); socket.close(); };
            socket.onerror = () => reject(new Error("socket error"));
            setTimeout(() => reject(new Error("timeout")), 5000);
        })"""
    )
    assert answer == {"type": "pong", "data": "مرحبا"}
    assert page.outside_requests == []


def test_switcher_works_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url, locale="en-GB")
    try:
        page = context.new_page()
        page.goto("/")
        assert page.locator("html").get_attribute("dir") == "ltr"
        page.select_option("#language-select", "fr")
        page.click(".language-switcher button")
        assert page.locator("html").get_attribute("lang") == "fr"
    finally:
        context.close()
