"""Production serves our stylesheets and scripts minified (issue #11 §4): collectstatic minifies them
before hashing and compressing, and the rewriting of `url(...)` and module imports to hashed names
still works on the minified text."""

import gzip
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

from forum.core.staticfiles import minify
from tests.conftest import require_service

SOURCE = Path(settings.BASE_DIR) / "static"
HASH = r"[0-9a-f]{12}"


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """One production collectstatic for the module (it takes a second or two)."""
    root = tmp_path_factory.mktemp("static_root")
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "forum.core.staticfiles.StaticFilesStorage"}}
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def hashed(root: Path, name: str) -> Path:
    """The hashed copy of `name` (e.g. "js/socket.js" -> js/socket.<hash>.js)."""
    source = root / name
    pattern = rf"{re.escape(source.stem)}\.{HASH}{re.escape(source.suffix)}"
    [path] = [p for p in source.parent.iterdir() if re.fullmatch(pattern, p.name)]
    return path


def test_minify_keeps_what_changes_meaning():
    css = ('/*! Licence: OFL-1.1 */\n/* a note */\n.icon {\n  width: calc(1px + 2px);\n'
           '  background: url("data:image/svg+xml,%3Csvg xmlns=\'http://www.w3.org/2000/svg\'/%3E");\n}\n'
           '.list > li  :hover { content: "a  /* not a comment */  b"; }\n')
    assert minify("x.css", css) == (
        "/*! Licence: OFL-1.1 */.icon{width:calc(1px + 2px);"
        "background:url(\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E\")}"
        '.list>li :hover{content:"a  /* not a comment */  b"}'
    )
    js = ('/*! licence */\n// a note\nconst slashes = /\\/\\/x/g; // two slashes\n'
          'const address = "https://example.org//a"; /* a note */\n'
          'const quoted = `> ${line} // kept`;\nlet a = 1\nlet b = a\n++b\n')
    assert minify("x.js", js) == (
        '/*! licence */const slashes=/\\/\\/x/g;const address="https://example.org//a";'
        "const quoted=`> ${line} // kept`;let a=1\nlet b=a\n++b"  # the newlines ASI needs stay
    )
    assert minify("x.svg", css) == css


def test_site_css_is_minified_and_its_fonts_point_at_hashed_files(collected):
    source = (SOURCE / "css" / "site.css").read_text(encoding="utf-8")
    path = hashed(collected, "css/site.css")
    text = path.read_text(encoding="utf-8")
    assert len(text) < 0.8 * len(source)
    comments = re.findall(r"/\*[^!].*?\*/", source, re.DOTALL)
    assert len(comments) > 10 and [c for c in comments if c in text] == [] and "\n" not in text
    fonts = re.findall(r'url\("(\.\./fonts/[^"]+)"\)', source)
    assert fonts == ["../fonts/noto-sans-arabic-400.woff2"]
    for font in fonts:
        [url] = re.findall(rf'url\("(\.\./fonts/{re.escape(Path(font).stem)}\.{HASH}\.woff2)"\)', text)
        assert (path.parent / url).is_file()


def test_hashes_name_the_minified_text_and_the_gzip_is_of_it(collected):
    source = (SOURCE / "js" / "socket.js").read_text(encoding="utf-8")  # imports nothing: kept as minified
    path = hashed(collected, "js/socket.js")
    data = minify("js/socket.js", source).encode()
    assert path.read_bytes() == data == (collected / "js" / "socket.js").read_bytes()
    assert path.name == f"socket.{hashlib.md5(data, usedforsecurity=False).hexdigest()[:12]}.js"
    for name in ("js/socket.js", "js/live-thread.js", "css/site.css"):
        path = hashed(collected, name)
        assert gzip.decompress(Path(f"{path}.gz").read_bytes()) == path.read_bytes()


def test_module_imports_point_at_the_hashed_modules_in_minified_scripts(collected):
    source = (SOURCE / "js" / "live-thread.js").read_text(encoding="utf-8")
    assert 'from "./i18n.js";' in source and 'from "./socket.js";' in source
    text = hashed(collected, "js/live-thread.js").read_text(encoding="utf-8")
    for module in ("i18n", "socket"):
        assert f'from "./{hashed(collected, f"js/{module}.js").name}";' in text
    comments = [line.strip() for line in source.splitlines() if line.strip().startswith(("//", "/*", "*"))]
    assert len(comments) > 3
    assert [c for c in comments if c in text] == []
    assert len(text) < 0.7 * len(source)
    # Dynamic imports (the editor, loaded when the reply form is near) too.
    text = hashed(collected, "js/discussions.js").read_text(encoding="utf-8")
    for module in ("editor", "mentions"):
        assert f'import("./{hashed(collected, f"js/{module}.js").name}")' in text


def test_strings_regular_expressions_and_template_strings_survive(collected):
    editor = hashed(collected, "js/editor.js").read_text(encoding="utf-8")
    assert 'input.value="https://";' in editor
    assert r"/^(https?:\/\/[^\s/]+\.[^\s]+|\/[^\s]*|mailto:[^\s]+@[^\s]+)$/i.test(url)" in editor
    discussions = hashed(collected, "js/discussions.js").read_text(encoding="utf-8")
    assert r"passage.split(/\r?\n/).map((line)=>(line?`> ${line}`:" in discussions


def test_third_party_static_is_copied_as_it_is(collected):
    for name in ("admin/js/core.js", "admin/css/base.css"):
        assert (collected / name).read_bytes() == Path(finders.find(name)).read_bytes()


# Node's own JavaScript parser (acorn, inside node): the program each module parses to, positions
# and the raw text of literals left out.
AST = """
const acorn = require("internal/deps/acorn/acorn/dist/acorn");
const drop = new Set(["start", "end", "raw"]);
const plain = (n) => Array.isArray(n) ? n.map(plain) : n && typeof n === "object"
  ? Object.fromEntries(Object.entries(n).filter(([k]) => !drop.has(k)).map(([k, v]) => [k, plain(v)])) : n;
const texts = JSON.parse(require("fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(texts.map((t) => plain(acorn.parse(t, {ecmaVersion: "latest", sourceType: "module"})))));
"""


def test_every_minified_module_parses_to_the_same_program():
    # .ci/run installs node; with REQUIRE_SERVICES=1 a missing parser fails instead of skipping.
    require_service(bool(shutil.which("node")), "node (its JavaScript parser checks the minified modules)")
    sources = [path.read_text(encoding="utf-8") for path in sorted((SOURCE / "js").glob("*.js"))]
    assert len(sources) > 10
    texts = sources + [minify("x.js", text) for text in sources]
    run = subprocess.run(["node", "--expose-internals", "-e", AST], input=json.dumps(texts),
                         capture_output=True, text=True, timeout=60)
    require_service("Cannot find module" not in run.stderr, "acorn inside node (node --expose-internals)")
    assert run.returncode == 0, run.stderr
    programs = json.loads(run.stdout)
    assert programs[: len(sources)] == programs[len(sources):]
