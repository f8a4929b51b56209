"""Backups of a whole site (database + uploaded media) and their restore.

An archive is one file, `madaniya-<UTC time>.tar` (`.tar.enc` when encrypted), holding:

- `manifest.json`: format, creation time, database vendor, the row count of every table taken in the
  same snapshot as the dump, and the SHA-256 of the other members;
- `database.dump` (PostgreSQL, `pg_dump --format=custom` of one exported snapshot, so the counts and
  the dump agree even while the site is writing) or `database.sqlite3` (the embedded default);
- `media.tar`: the media folder.

Encryption (optional, a 32-byte key the operator keeps, base64): AES-256-GCM in 1 MiB chunks; each
chunk's nonce carries its number and whether it is the last, so a truncated or reordered archive is
refused, and a key check value in the header tells a wrong key from a damaged file.

Restore checks everything before it changes anything: the archive opens, every checksum matches,
every media path stays inside the media folder, and the target database and media folder are empty
(or `force` is given). The database is restored in one transaction; then the row counts are compared
with the manifest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connections

FORMAT = 1
PREFIX = "madaniya-"
ENC_MAGIC = b"MADANIYA-BACKUP-AESGCM-1\n"
CHUNK = 1 << 20
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


# --- keys and encryption --------------------------------------------------------------------------


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (ValueError, TypeError):
        key = b""
    if len(key) != 32:
        raise BackupError("The backup key must be 32 bytes in URL-safe base64 (make one with `backup --generate-key`).")
    return key


def _key_check(key: bytes) -> bytes:
    return hmac.new(key, b"madaniya backup key check", hashlib.sha256).digest()[:16]


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def encrypt_file(src: Path, dst: Path, key: bytes) -> None:
    aes = AESGCM(key)
    prefix = os.urandom(7)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        fout.write(ENC_MAGIC + _key_check(key) + prefix)
        counter, chunk = 0, fin.read(CHUNK)
        while True:
            following = fin.read(CHUNK)
            last = not following
            sealed = aes.encrypt(_nonce(prefix, counter, last), chunk, ENC_MAGIC)
            fout.write(len(sealed).to_bytes(4, "big") + sealed)
            if last:
                return
            counter, chunk = counter + 1, following


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(ENC_MAGIC)) == ENC_MAGIC


def decrypt_file(src: Path, dst: Path, key: bytes) -> None:
    aes = AESGCM(key)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        header = fin.read(len(ENC_MAGIC) + 16 + 7)
        if len(header) < len(ENC_MAGIC) + 23 or not header.startswith(ENC_MAGIC):
            raise BackupError("The archive is damaged: its header is not a Madaniya backup header.")
        if not hmac.compare_digest(header[len(ENC_MAGIC):len(ENC_MAGIC) + 16], _key_check(key)):
            raise BackupError("This key does not open the archive (wrong key).")
        prefix = header[-7:]
        counter = 0
        size = fin.read(4)
        while True:
            if len(size) != 4:
                raise BackupError("The archive is truncated: it ends before its last part.")
            sealed = fin.read(int.from_bytes(size, "big"))
            following = fin.read(4)
            last = not following
            try:
                fout.write(aes.decrypt(_nonce(prefix, counter, last), sealed, ENC_MAGIC))
            except InvalidTag:
                if last:
                    raise BackupError("The archive is truncated or damaged (its last part does not check).") from None
                raise BackupError("The archive is damaged (a part does not check).") from None
            if last:
                return
            counter, size = counter + 1, following


# --- the database ---------------------------------------------------------------------------------


def _pg_args(settings_dict: dict) -> tuple[list[str], dict]:
    args = []
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _quote(name: str) -> str:
    """A table name from the database's own catalogue, as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client).")
    return path


def table_counts(connection) -> dict[str, int]:
    """Rows in every table of the database (in the caller's transaction, if any)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 (catalogue name, quoted)
            counts[table] = cursor.fetchone()[0]
    return counts


def _dump_postgresql(connection, target: Path) -> dict[str, int]:
    """pg_dump of one exported snapshot, with the row counts read in that same snapshot."""
    args, env = _pg_args(connection.settings_dict)
    connection.ensure_connection()
    raw = connection.connection
    saved_autocommit = raw.autocommit
    raw.autocommit = False
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
            tables = [row[0] for row in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 (catalogue name, quoted)
                counts[table] = cursor.fetchone()[0]
            result = subprocess.run(  # noqa: S603 (arguments from the settings, no shell)
                [_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 f"--file={target}", connection.settings_dict["NAME"]],
                env=env, capture_output=True, text=True)
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        raw.rollback()
    finally:
        raw.autocommit = saved_autocommit
    return counts


def _dump_sqlite(connection, target: Path) -> dict[str, int]:
    connection.ensure_connection()
    dest = sqlite3.connect(target)
    try:
        connection.connection.backup(dest)
    finally:
        dest.close()
    check = sqlite3.connect(target)
    try:
        names = [r[0] for r in check.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: check.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0]  # noqa: S608 (catalogue name)
                for name in names}
    finally:
        check.close()


# --- archives -------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Created:
    path: Path
    manifest: dict
    removed: list[Path]


def create(*, output_dir: Path, key: bytes | None = None, keep_days: int = 30, using: str = "default",
           media_root: Path | None = None, now: datetime | None = None) -> Created:
    """Write one archive of the database and the media folder into `output_dir`, then remove the
    archives there older than `keep_days` (0 keeps all). The archive appears whole or not at all."""
    connection = connections[using]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    now = now or datetime.now(UTC)
    output_dir.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{now:%Y%m%dT%H%M%SZ}.tar" + (".enc" if key else "")
    final = output_dir / name
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".partial-") as work:
        work = Path(work)
        vendor = connection.vendor
        if vendor == "postgresql":
            db_member = "database.dump"
            counts = _dump_postgresql(connection, work / db_member)
        elif vendor == "sqlite":
            db_member = "database.sqlite3"
            counts = _dump_sqlite(connection, work / db_member)
        else:
            raise BackupError(f"Backups of a {vendor} database are not supported.")
        with tarfile.open(work / "media.tar", "w") as media:
            if media_root.is_dir():
                for child in sorted(media_root.iterdir()):
                    media.add(child, arcname=child.name)
        manifest = {
            "format": FORMAT,
            "created": now.isoformat(),
            "vendor": vendor,
            "tables": counts,
            "files": {member: _sha256(work / member) for member in (db_member, "media.tar")},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        plain = work / "archive.tar"
        with tarfile.open(plain, "w") as archive:
            for member in (MANIFEST, db_member, "media.tar"):
                archive.add(work / member, arcname=member)
        if key:
            encrypt_file(plain, work / "archive.enc", key)
            plain = work / "archive.enc"
        os.replace(plain, final)
    removed = prune(output_dir=output_dir, keep_days=keep_days, now=now, keep=final)
    return Created(path=final, manifest=manifest, removed=removed)


def prune(*, output_dir: Path, keep_days: int, now: datetime, keep: Path | None = None) -> list[Path]:
    if keep_days <= 0:
        return []
    limit = now - timedelta(days=keep_days)
    removed = []
    for path in sorted(output_dir.glob(f"{PREFIX}*.tar*")):
        stamp = path.name[len(PREFIX):].split(".", 1)[0]
        try:
            made = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            continue  # not ours
        if made < limit and path != keep:
            path.unlink()
            removed.append(path)
    return removed


@dataclass(frozen=True)
class Opened:
    folder: Path
    manifest: dict
    db_member: Path


def open_archive(path: Path, folder: Path, key: bytes | None) -> Opened:
    """Decrypt (if needed) and unpack into `folder`, checking every checksum and path."""
    if not path.is_file():
        raise BackupError(f"No archive at {path}.")
    folder.mkdir(parents=True, exist_ok=True)
    plain = path
    if is_encrypted(path):
        if key is None:
            raise BackupError("The archive is encrypted: give its key (--key-file or FORUM_BACKUP_KEY).")
        plain = folder / "archive.tar"
        decrypt_file(path, plain, key)
    try:
        with tarfile.open(plain, "r:") as archive:
            names = archive.getnames()
            if MANIFEST not in names:
                raise BackupError("The archive is damaged: it has no manifest.")
            archive.extractall(folder / "unpacked", filter="data")
    except (tarfile.TarError, EOFError, OSError) as e:
        raise BackupError(f"The archive is damaged or truncated ({e}).") from None
    unpacked = folder / "unpacked"
    try:
        manifest = json.loads((unpacked / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError("The archive is damaged: its manifest does not read.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"This archive has format {manifest.get('format')!r}; this version reads {FORMAT}.")
    for member, digest in manifest.get("files", {}).items():
        member_path = unpacked / member
        if not member_path.is_file() or _sha256(member_path) != digest:
            raise BackupError(f"The archive is damaged: {member} does not match its checksum.")
    db_member = unpacked / ("database.dump" if manifest["vendor"] == "postgresql" else "database.sqlite3")
    try:
        with tarfile.open(unpacked / "media.tar", "r:") as media:
            for info in media.getmembers():
                tarfile.data_filter(info, str(unpacked / "media"))
    except tarfile.FilterError as e:
        raise BackupError(f"The archive's media holds an unsafe path ({e}).") from None
    return Opened(folder=unpacked, manifest=manifest, db_member=db_member)


def _database_empty(connection) -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _media_empty(media_root: Path) -> bool:
    return not media_root.exists() or not any(media_root.iterdir())


@dataclass(frozen=True)
class Restored:
    manifest: dict
    counts: dict[str, int]


def restore(*, archive: Path, key: bytes | None = None, force: bool = False, using: str = "default",
            media_root: Path | None = None) -> Restored:
    """Restore a whole site from `archive` into the database `using` and `media_root`."""
    connection = connections[using]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="madaniya-restore-") as work:
        opened = open_archive(archive, Path(work), key)
        manifest = opened.manifest
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"The archive holds a {manifest['vendor']} database; the target is {connection.vendor}.")
        if not force and not _database_empty(connection):
            raise BackupError("The target database is not empty; restoring would overwrite it. "
                              "Give --force to replace its contents.")
        if not force and not _media_empty(media_root):
            raise BackupError(f"The media folder {media_root} is not empty. Give --force to replace it.")
        if connection.vendor == "postgresql":
            _restore_postgresql(connection, opened.db_member)
        else:
            _restore_sqlite(connection, opened.db_member)
        _restore_media(opened.folder / "media.tar", media_root)
        counts = table_counts(connection)
        expected = manifest["tables"]
        wrong = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
        if wrong:
            raise BackupError(f"Restored, but row counts differ from the archive's: {wrong}")
        return Restored(manifest=manifest, counts=counts)


def _restore_postgresql(connection, dump: Path) -> None:
    args, env = _pg_args(connection.settings_dict)
    connection.close()
    result = subprocess.run(  # noqa: S603 (arguments from the settings, no shell)
        [_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", f"--dbname={connection.settings_dict['NAME']}", str(dump)],
        env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing was changed: {result.stderr.strip()}")


def _restore_sqlite(connection, db_file: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(db_file)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_media(media_tar: Path, media_root: Path) -> None:
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=media_root.parent, prefix=".media-restore-"))
    try:
        with tarfile.open(media_tar, "r:") as media:
            media.extractall(staging, filter="data")
        if media_root.exists():
            old = media_root.with_name(media_root.name + ".replaced")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(media_root, old)
            os.replace(staging, media_root)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def read_key(*, key_file: str | None) -> bytes | None:
    if key_file:
        try:
            return parse_key(Path(key_file).read_text())
        except OSError as e:
            raise BackupError(f"The key file cannot be read ({e.strerror}).") from None
    from forum.core import conf

    text = conf.FORUM_BACKUP_KEY
    return parse_key(text) if text else None


__all__ = ["BackupError", "create", "restore", "generate_key", "read_key", "prune", "table_counts"]
