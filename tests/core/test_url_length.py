"""Over-long addresses get 414 (the review: URLs over ~16 KB got no answer at all).

In-process: the middleware's translated page from 8 KB. With a real daphne process
(`python -m forum.core.server`, what the Makefile and the Dockerfile run): 414 above 16 KB from the
server itself, and the translated page for addresses between 8 and 16 KB even with long headers.
"""

from __future__ import annotations

import socket

import pytest
from django.test import Client

from tests.core.real_server import real_server


# --- In-process: the middleware ------------------------------------------------------------------
@pytest.mark.parametrize("language, heading", [("en", "Address too long"), ("fr", "Adresse trop longue"),
                                               ("ar", "العنوان طويل جدًا")])
def test_an_address_over_the_limit_gets_414_with_the_translated_page(db, language, heading):
    response = Client().get("/?q=" + "x" * 9000, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 414
    html = response.content.decode()
    assert heading in html and f'lang="{language}"' in html


def test_the_limit_is_a_setting_and_shorter_addresses_pass(db, settings):
    settings.FORUM_MAX_URL_CHARS = 100
    assert Client().get("/healthz?" + "a" * 80).status_code == 200
    assert Client().get("/healthz?" + "a" * 120).status_code == 414


# --- A real daphne process ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def daphne_port(tmp_path_factory):
    with real_server("config.asgi:application", tmp_path_factory.mktemp("daphne")) as (port, _process):
        yield port


def _exchange(port: int, request: bytes) -> bytes:
    """Send a raw request; everything the server answers before closing (b"" for no answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        try:
            conn.sendall(request)
        except OSError:
            pass  # the server may answer and close before reading all of a huge request
        chunks = []
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
    return b"".join(chunks)


def _get(path: str, *, headers: str = "") -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: fr\r\n{headers}"
            "Connection: close\r\n\r\n").encode()


def test_the_server_answers_a_normal_request(daphne_port):
    assert _exchange(daphne_port, _get("/healthz")).startswith(b"HTTP/1.1 200")


def test_an_address_over_16_kb_gets_414_from_the_server_in_every_language(daphne_port):
    answer = _exchange(daphne_port, _get("/?q=" + "x" * 20000))
    assert answer.startswith(b"HTTP/1.1 414 URI Too Long")
    text = answer.decode()
    assert 'lang="ar" dir="rtl"' in text and 'lang="fr"' in text and 'lang="en"' in text


def test_an_address_between_8_and_16_kb_gets_the_sites_translated_page_even_with_long_headers(daphne_port):
    cookies = "".join(f"X-Padding-{i}: {'p' * 1000}\r\n" for i in range(6))
    answer = _exchange(daphne_port, _get("/?q=" + "x" * 12000, headers=cookies))
    assert answer.startswith(b"HTTP/1.1 414")
    assert "Adresse trop longue" in answer.decode()


def test_a_header_line_over_16_kb_gets_431(daphne_port):
    answer = _exchange(daphne_port, _get("/", headers=f"X-Big: {'b' * 20000}\r\n"))
    assert answer.startswith(b"HTTP/1.1 431")


def test_server_prints_the_demo_banner_once_it_listens(tmp_path, monkeypatch, capsys):
    """`make run` hands the demo logins to the server, which prints them after its start-up lines."""
    from forum.core.server import Server

    banner = tmp_path / "logins.txt"
    banner.write_text("Madaniya is at http://127.0.0.1:8123/\n", encoding="utf-8")
    monkeypatch.setenv("DEMO_BANNER_FILE", str(banner))

    class Port:
        def getHost(self):
            return type("Host", (), {"host": "127.0.0.1", "port": 8123})()

    server = Server(application=None, endpoints=["tcp:port=8123:interface=127.0.0.1"])
    server.listen_success(Port())
    server.listen_success(Port())  # a second endpoint (IPv6): printed once only
    assert capsys.readouterr().out.count("Madaniya is at http://127.0.0.1:8123/") == 1
