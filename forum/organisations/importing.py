"""Importing members from a CSV file: organisations and invitations, all or nothing, idempotent.

Format (UTF-8, with or without BOM; header row required, columns in any order; commas, or semicolons
or tabs as the header row shows):

    email,name,organisation,role
    rana@example.org,رنا الحلبي,شبكة الياسمين,representative

Each line is checked first; if any line is bad, nothing is imported and every bad line is listed by
its number. Running the same file again creates nothing new: organisations are found by their
slug, and people who already have an account or an open invitation are skipped.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from forum.accounts.names import FORBIDDEN, clean_display_name
from forum.audit.services import record

from . import permissions, services
from .models import Invitation, Organisation

COLUMNS = ("email", "name", "organisation", "role")
ROLES = (Invitation.Role.MEMBER.value, Invitation.Role.REPRESENTATIVE.value)
# Path segments of organisations/urls.py that an organisation's slug must not take.
RESERVED_SLUGS = frozenset({"join", "invitation"})


def slug_for(name: str) -> str:
    """The organisation slug of a name: Unicode letters kept (Arabic too), at most 80 characters."""
    slug = slugify(unicodedata.normalize("NFKC", name), allow_unicode=True)[:80].strip("-")
    if not slug:
        slug = "organisation"
    if slug in RESERVED_SLUGS:
        slug = f"{slug}-organisation"
    return slug


# The model's limits: a longer value would be refused (or cut) only when saving, after the check.
EMAIL_MAX = Invitation._meta.get_field("email").max_length
ORGANISATION_NAME_MAX = Organisation._meta.get_field("name").max_length


def _organisation_name_problem(name: str) -> str:
    """Why an organisation name from the file cannot be used, or "" when it can."""
    if any(ch in FORBIDDEN for ch in name):
        return _("the organisation name contains invisible or text-direction characters")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in name):
        return _("the organisation name contains control characters")
    if len(name) > ORGANISATION_NAME_MAX:
        return (_("the organisation name is too long (%(count)d characters, at most %(limit)d)")
                % {"count": len(name), "limit": ORGANISATION_NAME_MAX})
    return ""


def _has_arabic(text: str) -> bool:
    return any("ARABIC" in unicodedata.name(ch, "") for ch in text)


@dataclass
class Row:
    line: int
    email: str
    name: str
    organisation: str
    role: str


@dataclass
class ImportReport:
    rows: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    organisations_created: list[str] = field(default_factory=list)
    invitations_created: list[str] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _delimiter(text: str) -> str:
    """Comma, or what the header row uses instead: spreadsheets set to French (and other) locales
    save "CSV" with semicolons, and some exports use tabs."""
    header = text.split("\n", 1)[0]
    if "," not in header:
        for candidate in (";", "\t"):
            if candidate in header:
                return candidate
    return ","


def parse(data: bytes) -> ImportReport:
    """Read and check every line; collect all errors (line number, translated message)."""
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.errors.append((1, _("The file is not UTF-8 text (byte %(pos)d).") % {"pos": exc.start}))
        return report
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        report.errors.append((1, _("The file is empty; it needs a header row: %(columns)s.")
                              % {"columns": ",".join(COLUMNS)}))
        return report
    header = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        report.errors.append((1, _("Missing column(s) in the header: %(missing)s. Expected: %(columns)s.")
                              % {"missing": ", ".join(missing), "columns": ",".join(COLUMNS)}))
        return report
    index = {c: header.index(c) for c in COLUMNS}
    seen: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            report.errors.append((line, _("Expected %(expected)d columns, found %(found)d.")
                                  % {"expected": len(header), "found": len(values)}))
            continue
        email, name, organisation, role = (values[index[c]].strip() for c in COLUMNS)
        problems = []
        if not email:
            problems.append(_("the email is missing"))
        elif len(email) > EMAIL_MAX:
            problems.append(_("the email address is too long (%(count)d characters, at most %(limit)d)")
                            % {"count": len(email), "limit": EMAIL_MAX})
        else:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(_("“%(email)s” is not a valid email address") % {"email": email})
        if name:
            try:
                name, _key = clean_display_name(name)
            except ValidationError as exc:
                problems.append(_("the name is not usable: %(reason)s") % {"reason": " ".join(exc.messages)})
        if not organisation:
            problems.append(_("the organisation is missing"))
        else:
            problem = _organisation_name_problem(organisation)
            if problem:
                problems.append(problem)
        role = role.lower()
        if role not in ROLES:
            problems.append(_("unknown role “%(role)s” (use member or representative)") % {"role": role})
        email_key = email.lower()
        if email and email_key in seen:
            problems.append(_("duplicate of line %(line)d (same email)") % {"line": seen[email_key]})
        elif email:
            seen[email_key] = line
        if problems:
            report.errors.append((line, "; ".join(problems)))
            continue
        report.rows.append(Row(line=line, email=email_key, name=name, organisation=organisation, role=role))
    return report


def _check_seats(report: ImportReport, invite_rows: list[Row]) -> None:
    by_slug: dict[str, list[Row]] = {}
    for row in invite_rows:
        by_slug.setdefault(slug_for(row.organisation), []).append(row)
    for slug, rows in by_slug.items():
        organisation = Organisation.objects.filter(slug=slug).first()
        limit = organisation.seat_limit if organisation else Organisation._meta.get_field("seat_limit").default
        taken = permissions.seats_taken(organisation) if organisation else 0
        if taken + len(rows) > limit:
            report.errors.append((rows[0].line, _("%(organisation)s would have %(count)d seats taken, more than "
                                                  "its limit of %(limit)d.")
                                  % {"organisation": rows[0].organisation, "count": taken + len(rows),
                                     "limit": limit}))


def run(data: bytes, *, dry_run: bool = False, send_mail: bool = True) -> ImportReport:
    """Check the file, then (unless `dry_run` or there are errors) create what is missing.

    Runs as the system (whoever runs manage.py already has full access): the permission checks of
    `invitation_create` are replaced by this file's checks, and every invitation is audited as
    `invitation.import` with no actor.
    """
    report = parse(data)
    if not report.ok:
        return report
    User = get_user_model()
    emails = [row.email for row in report.rows]
    existing_users = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    existing_users = {e.lower() for e in existing_users}
    invited = {e.lower() for e in permissions.open_invitations().filter(email__in=emails)
               .values_list("email", flat=True)}
    invite_rows = []
    for row in report.rows:
        if row.email in existing_users:
            report.skipped.append((row.line, _("%(email)s already has an account") % {"email": row.email}))
        elif row.email in invited:
            report.skipped.append((row.line, _("%(email)s already has an open invitation") % {"email": row.email}))
        else:
            invite_rows.append(row)
    _check_seats(report, invite_rows)
    if not report.ok:
        return report
    with transaction.atomic():
        organisations: dict[str, Organisation] = {}
        for row in report.rows:
            slug = slug_for(row.organisation)
            if slug in organisations:
                continue
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                organisation = Organisation(name=row.organisation, slug=slug,
                                            name_ar=row.organisation if _has_arabic(row.organisation) else "")
                report.organisations_created.append(row.organisation)
                if not dry_run:
                    organisation.full_clean()
                    organisation.save()
                    record(actor=None, verb="organisation.import", target=organisation)
            organisations[slug] = organisation
        for row in invite_rows:
            report.invitations_created.append(row.email)
            if dry_run:
                continue
            invitation = services._invitation_save(
                inviter=None, email=row.email, organisation=organisations[slug_for(row.organisation)],
                role=row.role, access_ends_at=None, language="", name=row.name, send_mail=send_mail)
            record(actor=None, verb="invitation.import", target=invitation,
                   data={"line": row.line, "role": row.role})
    return report
