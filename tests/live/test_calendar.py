"""The session's iCalendar file (RFC 5545): escaped text, UTC times, folded lines; it parses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from forum.live import calendar


def parse_ics(data: bytes) -> dict:
    """A strict little RFC 5545 reader: CRLF line ends, lines of at most 75 octets, unfolding,
    balanced BEGIN/END, `NAME[;params]:value` lines, TEXT values unescaped. Returns
    {"VCALENDAR": [props], "VEVENT": [props]}."""
    assert data.endswith(b"\r\n"), "content lines end with CRLF"
    raw_lines = data[:-2].split(b"\r\n")
    for line in raw_lines:
        assert b"\n" not in line and b"\r" not in line, "bare line breaks are not allowed"
        assert len(line) <= 75, f"a line of {len(line)} octets: {line!r}"
    unfolded: list[str] = []
    for line in raw_lines:
        text = line.decode("utf-8")  # folds never split a UTF-8 character
        if text.startswith((" ", "\t")):
            unfolded[-1] += text[1:]
        else:
            unfolded.append(text)
    stack, out = [], {}
    for line in unfolded:
        name_part, sep, value = line.partition(":")
        assert sep, f"not a content line: {line!r}"
        name = name_part.split(";")[0].upper()
        if name == "BEGIN":
            stack.append(value)
            out.setdefault(value, []).append({})
        elif name == "END":
            assert stack and stack.pop() == value, "unbalanced BEGIN/END"
        else:
            assert stack, "a property outside a component"
            out[stack[-1]][-1][name] = _unescape(value)
    assert not stack
    return out


def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            nxt = value[i + 1]
            assert nxt in "\\;,nN", f"bad escape \\{nxt}"
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


class FakeSession:
    pk = 7
    title = "Justice; truth, and — العدالة الانتقالية\\ now"
    description = "Line one\nسطر ثانٍ، with, commas; and a very long line " + "كلمة " * 40
    starts_at = datetime(2026, 12, 5, 17, 30, tzinfo=UTC)
    ends_at = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)
    state = "scheduled"
    display_title = title
    display_description = description


def test_the_file_parses_and_says_what_the_session_says():
    ics = calendar.session_ics(FakeSession(), url="https://forum.example/live/7/", host="forum.example")
    parsed = parse_ics(ics.encode("utf-8"))
    (cal,) = parsed["VCALENDAR"]
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    (event,) = parsed["VEVENT"]
    assert event["SUMMARY"] == FakeSession.title
    assert event["DTSTART"] == "20261205T173000Z" and event["DTEND"] == "20261205T190000Z"
    assert event["DESCRIPTION"].startswith("Line one\nسطر ثانٍ، with, commas; and")
    assert event["UID"] == "live-session-7@forum.example"
    assert event["URL"] == "https://forum.example/live/7/"
    assert event["DTSTAMP"].endswith("Z")


@pytest.mark.parametrize("text", ["a;b", "a,b", "a\\b", "a\nb", "a\r\nb"])
def test_text_is_escaped(text):
    escaped = calendar.escape_text(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert _unescape(escaped) == text.replace("\r\n", "\n")


def test_control_characters_are_dropped():
    assert calendar.escape_text("a\x00b\x1bc\td") == "abc\td"


def test_folding_never_splits_a_character_and_keeps_lines_short():
    line = "SUMMARY:" + "ع" * 100
    folded = calendar.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line

