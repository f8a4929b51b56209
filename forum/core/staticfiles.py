"""Static files storage for production: whitenoise's compressed, hashed files, with the relative
imports between our JavaScript modules (`import { openLiveSocket } from "./socket.js";`) rewritten
to the hashed names too. Without that, a page's hashed module (cached for a year) would import the
unhashed `socket.js` (cached for a minute), and a deploy could pair an old module with a new one.

Our own stylesheets and scripts (STATICFILES_DIRS) are minified first, so the hash names the
minified text and the .gz/.br files are of it. Third-party static (the admin's) is copied as it is:
its scripts are minified already where it matters, only staff load them, and we do not test them
through a minifier."""

import os

import rcssmin
import rjsmin
from django.conf import settings
from django.core.files.base import ContentFile
from whitenoise.storage import CompressedManifestStaticFilesStorage


def minify(name: str, text: str) -> str:
    """The text production serves for the static file `name`; also measured by bench/page_weight.py.

    Both minifiers only drop comments and whitespace (strings, regular expressions, template
    strings and `url(...)` stay as they are), so Django's rewriting of `url(...)` and of module
    imports to hashed names works on their output. `/*! ... */` comments (licences) are kept."""
    if name.endswith(".css"):
        return rcssmin.cssmin(text, keep_bang_comments=True)
    if name.endswith(".js"):
        return rjsmin.jsmin(text, keep_bang_comments=True)
    return text


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

    def post_process(self, paths, dry_run=False, **options):
        if not dry_run:
            paths = self._minify_own(paths)
        yield from super().post_process(paths, dry_run=dry_run, **options)

    def _minify_own(self, paths):
        """Write the minified text of our .css/.js over their unhashed copies in STATIC_ROOT and
        point the hashing at those copies (it reads `paths`: name -> (source storage, path))."""
        own = {os.path.abspath(root[1] if isinstance(root, (list, tuple)) else root)
               for root in settings.STATICFILES_DIRS}
        paths = dict(paths)
        for name, (storage, path) in paths.items():
            if name.endswith((".css", ".js")) and getattr(storage, "location", None) in own:
                with storage.open(path) as source:
                    text = source.read().decode("utf-8")
                # Delete first: _save never overwrites (it would pick another name), and with
                # `collectstatic --link` the copy is a symlink to the source, which must stay as it is.
                self.delete(name)
                self._save(name, ContentFile(minify(name, text).encode("utf-8")))
                paths[name] = (self, name)
        return paths
