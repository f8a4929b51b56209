"""The page scripts share one socket module (static/js/socket.js) and take socket addresses from the
page; in production the imports between modules point at the hashed files."""

import re
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

JS = Path(settings.BASE_DIR) / "static" / "js"


def test_only_the_socket_module_opens_sockets_and_no_script_hard_codes_an_address():
    scripts = {path.name: path.read_text(encoding="utf-8") for path in JS.glob("*.js")}
    opening = sorted(name for name, text in scripts.items() if "new WebSocket(" in text)
    assert opening == ["socket.js"]
    assert [name for name, text in scripts.items() if "/ws/" in text] == []
    for name in ("live-thread.js", "live-lists.js", "notifications.js"):
        assert 'import { openLiveSocket } from "./socket.js";' in scripts[name]
        assert "dataset.socketUrl" in scripts[name]


def test_collectstatic_points_module_imports_at_the_hashed_socket_module(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "forum.core.staticfiles.StaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    hashed_socket = [path.name for path in (tmp_path / "js").glob("socket.*.js")]
    assert len(hashed_socket) == 1 and re.fullmatch(r"socket\.[0-9a-f]{12}\.js", hashed_socket[0])
    for name in ("live-thread", "live-lists", "notifications"):
        [page_script] = list((tmp_path / "js").glob(f"{name}.*.js"))
        assert f'from "./{hashed_socket[0]}";' in page_script.read_text(encoding="utf-8")
