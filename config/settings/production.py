"""Production: everything comes from the environment; DEBUG is off, so the secrets must be set."""

import os

os.environ["DEBUG"] = "0"

from .base import *  # noqa: E402,F403
