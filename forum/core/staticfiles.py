"""Static files storage for production: whitenoise's compressed, hashed files, with the relative
imports between our JavaScript modules (`import { openLiveSocket } from "./socket.js";`) rewritten
to the hashed names too. Without that, a page's hashed module (cached for a year) would import the
unhashed `socket.js` (cached for a minute), and a deploy could pair an old module with a new one."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
