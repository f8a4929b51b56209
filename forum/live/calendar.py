"""One session as an iCalendar file (RFC 5545), for "Add to calendar".

Text values are escaped (backslash, semicolon, comma, line breaks: §3.3.11), times are UTC
(`YYYYMMDDTHHMMSSZ`, §3.3.5), lines end in CRLF and are folded at 75 octets without splitting a
UTF-8 character (§3.1). Nothing of the file is fetched from elsewhere.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

PRODUCT = "-//Madaniya//Live sessions//EN"


def escape_text(value: str) -> str:
    """A TEXT value (§3.3.11): backslash, semicolon and comma escaped, line breaks as `\\n`."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    # Other control characters are not allowed in TEXT (§3.3.11, TSAFE-CHAR): dropped.
    return "".join(ch for ch in value if ch == "\t" or ord(ch) >= 0x20 and ord(ch) != 0x7F)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """A content line folded to lines of at most 75 octets (continuations start with a space)."""
    out, current, size = [], "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = 75 if not out else 74  # a continuation's leading space counts
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += ch
        size += width
    out.append(current)
    return "\r\n ".join(out)


def session_ics(session, *, url: str, host: str) -> str:
    """The VCALENDAR with one VEVENT for `session`; `url` is the room's absolute address."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:live-session-{session.pk}@{escape_text(host)}",
        f"DTSTAMP:{utc(timezone.now())}",
        f"DTSTART:{utc(session.starts_at)}",
        f"DTEND:{utc(session.ends_at)}",
        f"SUMMARY:{escape_text(session.display_title)}",
    ]
    # Title and description in the language of whoever adds it to their calendar (the default else).
    description = "\n\n".join(filter(None, [session.display_description, url]))
    lines.append(f"DESCRIPTION:{escape_text(description)}")
    lines.append(f"URL:{url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
