"""The site's name as readers see it: "Madaniya" in French and English, "مدنية" in Arabic.

Pages take it from the `site` context processor; e-mails call `site_name()` under the recipient's
language (they are rendered outside any request), and every subject starts with
`email_subject_prefix()`, so an Arabic e-mail says "في مدنية" and "[مدنية]" throughout.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def site_name() -> str:
    """The site's name in the active language."""
    return _("Madaniya")


def email_subject_prefix() -> str:
    """"[Madaniya] " (or "[مدنية] "), before every e-mail subject, in the active language."""
    return f"[{site_name()}] "


__all__ = ["email_subject_prefix", "site_name"]
