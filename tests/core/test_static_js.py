"""The page scripts share one socket module (static/js/socket.js) and take socket addresses from the
page."""

from pathlib import Path

from django.conf import settings

JS = Path(settings.BASE_DIR) / "static" / "js"


def test_only_the_socket_module_opens_sockets_and_no_script_hard_codes_an_address():
    scripts = {path.name: path.read_text(encoding="utf-8") for path in JS.glob("*.js")}
    opening = sorted(name for name, text in scripts.items() if "new WebSocket(" in text)
    assert opening == ["socket.js"]
    assert [name for name, text in scripts.items() if "/ws/" in text] == []
    for name in ("live-thread.js", "live-lists.js", "notifications.js"):
        assert 'import { openLiveSocket } from "./socket.js";' in scripts[name]
        assert "dataset.socketUrl" in scripts[name]

