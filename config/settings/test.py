"""Test settings: the embedded defaults (or the services given by the environment), faster hashing."""

import os

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: E402,F403
from .base import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
FORUM_EMAIL_WORKER = "sync"  # deterministic: emails and live events leave in the request's thread
# Most tests write as members with no history: the new-member hold is tested where it is asked for.
FORUM_MODERATION_NEW_MEMBER_POSTS = 0
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["OPTIONS"] = {}
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_PATH") or None}
