"""Backups and restore (forum/core/backup.py, `manage.py backup` / `restore`).

The encryption and archive checks run anywhere. The restore drill runs the real thing on
PostgreSQL, in processes of its own as an operator would: a site with demo content and an uploaded
image is backed up, every named refusal changes nothing, then the archive is restored into a fresh
database and media folder, every table's row count is compared and the restored copy serves a thread
page, the image and the audit log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from forum.core import backup
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]


# --- encryption ----------------------------------------------------------------------------------

@pytest.fixture
def key():
    return backup.parse_key(backup.generate_key())


def _plain(tmp_path, size):
    path = tmp_path / "plain.bin"
    path.write_bytes(os.urandom(size))
    return path


@pytest.mark.parametrize("size", [0, 10, backup.CHUNK, backup.CHUNK * 2 + 17])
def test_an_encrypted_file_decrypts_to_the_same_bytes(tmp_path, key, size):
    plain = _plain(tmp_path, size)
    backup.encrypt_file(plain, tmp_path / "sealed", key)
    assert backup.is_encrypted(tmp_path / "sealed")
    assert plain.read_bytes() not in (tmp_path / "sealed").read_bytes() or size == 0
    backup.decrypt_file(tmp_path / "sealed", tmp_path / "opened", key)
    assert (tmp_path / "opened").read_bytes() == plain.read_bytes()


def test_a_wrong_key_is_named(tmp_path, key):
    backup.encrypt_file(_plain(tmp_path, 100), tmp_path / "sealed", key)
    with pytest.raises(backup.BackupError, match="wrong key"):
        backup.decrypt_file(tmp_path / "sealed", tmp_path / "opened", backup.parse_key(backup.generate_key()))


def test_a_truncated_archive_is_named_even_on_a_chunk_boundary(tmp_path, key):
    backup.encrypt_file(_plain(tmp_path, backup.CHUNK * 2 + 5), tmp_path / "sealed", key)
    data = (tmp_path / "sealed").read_bytes()
    first_chunk_end = len(backup.ENC_MAGIC) + 23 + 4 + backup.CHUNK + 16
    for cut in (first_chunk_end, len(data) - 3):
        (tmp_path / "cut").write_bytes(data[:cut])
        with pytest.raises(backup.BackupError, match="truncated"):
            backup.decrypt_file(tmp_path / "cut", tmp_path / "opened", key)


def test_a_flipped_byte_is_named(tmp_path, key):
    backup.encrypt_file(_plain(tmp_path, 5000), tmp_path / "sealed", key)
    data = bytearray((tmp_path / "sealed").read_bytes())
    data[len(backup.ENC_MAGIC) + 23 + 4 + 100] ^= 1
    (tmp_path / "bad").write_bytes(bytes(data))
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.decrypt_file(tmp_path / "bad", tmp_path / "opened", key)


@pytest.mark.parametrize("text", ["", "short", "!!!not base64!!!", backup.generate_key()[:-4]])
def test_a_malformed_key_is_refused(text):
    with pytest.raises(backup.BackupError, match="32 bytes"):
        backup.parse_key(text)


def test_retention_removes_only_our_archives_older_than_the_limit(tmp_path):
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    names = {}
    for days in (0, 29, 31, 60):
        made = now - timedelta(days=days)
        names[days] = tmp_path / f"madaniya-{made:%Y%m%dT%H%M%SZ}.tar.enc"
        names[days].write_bytes(b"x")
    stranger = tmp_path / "madaniya-notes.tar"
    stranger.write_bytes(b"x")
    removed = backup.prune(output_dir=tmp_path, keep_days=30, now=now)
    assert sorted(removed) == sorted([names[31], names[60]])
    assert names[0].exists() and names[29].exists() and stranger.exists()
    assert backup.prune(output_dir=tmp_path, keep_days=0, now=now + timedelta(days=365)) == []


# --- archives on the test database (SQLite or PostgreSQL alike) ----------------------------------

@pytest.mark.django_db(transaction=True)
def test_an_archive_holds_the_counts_and_checksums_and_refuses_tampering(tmp_path, key, make_user):
    make_user(role="member")
    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "a.png").write_bytes(b"png bytes")
    made = backup.create(output_dir=tmp_path / "out", key=key, media_root=media)
    assert made.path.name.startswith("madaniya-") and made.path.name.endswith(".tar.enc")
    assert made.manifest["tables"]["accounts_user"] >= 1
    opened = backup.open_archive(made.path, tmp_path / "open", key)
    assert opened.manifest == made.manifest
    # Without the key it does not open, and says why.
    with pytest.raises(backup.BackupError, match="encrypted"):
        backup.open_archive(made.path, tmp_path / "open2", None)
    # A member that does not match its checksum (plain archive, rewritten) is refused.
    plain = backup.create(output_dir=tmp_path / "plain", media_root=media)
    import tarfile

    (tmp_path / "x").mkdir()
    with tarfile.open(plain.path) as t:
        t.extractall(tmp_path / "x", filter="data")
    (tmp_path / "x" / "media.tar").write_bytes(b"not the media")
    forged = tmp_path / "forged.tar"
    with tarfile.open(forged, "w") as t:
        for name in ("manifest.json", next(iter(plain.manifest["files"])), "media.tar"):
            t.add(tmp_path / "x" / name, arcname=name)
    with pytest.raises(backup.BackupError, match="checksum"):
        backup.open_archive(forged, tmp_path / "open3", None)
    # Not an archive at all.
    (tmp_path / "junk.tar").write_bytes(b"junk" * 100)
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.open_archive(tmp_path / "junk.tar", tmp_path / "open4", None)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(tmp_path, make_user):
    make_user(role="member")
    made = backup.create(output_dir=tmp_path / "out", media_root=tmp_path / "none")
    from forum.accounts.models import User

    before = User.objects.count()
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(archive=made.path, media_root=tmp_path / "media")
    assert User.objects.count() == before
    assert not (tmp_path / "media").exists()


def test_the_nightly_job_does_nothing_without_a_folder(settings):
    from forum.core import jobs

    settings.FORUM_BACKUP_DIR = ""
    assert jobs.nightly_backup() == 0


# --- the restore drill, on real PostgreSQL --------------------------------------------------------

UPLOAD = """
from io import BytesIO
from PIL import Image
from django.core.files.uploadedfile import SimpleUploadedFile
from forum.discussions import attachments
from forum.discussions.models import Post
buf = BytesIO(); Image.new("RGB", (8, 8), "red").save(buf, "PNG")
post = Post.objects.filter(deleted_at__isnull=True).order_by("id").first()
a = attachments.attachment_upload(uploader=post.author, file=SimpleUploadedFile("red.png", buf.getvalue(), content_type="image/png"))
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from forum.accounts.models import User
from forum.discussions import services
admin = User.objects.filter(role=User.Role.ADMIN).order_by("id").first()
TOTP.activate(admin, generate_totp_secret())
services.thread_lock(actor=admin, thread=post.thread, locked=True, reason="restore drill")
print(a.pk)
"""

VERIFY = """
import json
from django.test import Client
from forum.accounts.models import User
from forum.audit.models import AuditEntry
from forum.discussions.models import Attachment, Thread
result = {}
attachment = Attachment.objects.get(pk=ATTACHMENT_ID)
thread = Thread.objects.filter(deleted_at__isnull=True).order_by("id").first()
reader = Client(); reader.force_login(attachment.uploader)
page = reader.get(thread.get_absolute_url())
result["thread"] = [page.status_code, thread.title in page.content.decode()]
from django.urls import reverse
image = reader.get(reverse("discussions:attachment", args=[attachment.pk]))
result["image"] = [image.status_code, b"".join(image.streaming_content).startswith(bytes.fromhex("89504e47"))]
admin = User.objects.filter(role=User.Role.ADMIN).order_by("id").first()
staff = Client(); staff.force_login(admin)
log = staff.get(reverse("audit:log"))
result["audit"] = [log.status_code, AuditEntry.objects.count()]
print("RESULT" + json.dumps(result))
"""


def _pg_url(name: str) -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def _admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def _manage(*args, env, expect_ok=True):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    if expect_ok:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def _counts(name: str) -> dict:
    import psycopg

    with psycopg.connect(_pg_url(name)) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.fixture
def drill_databases():
    require_service(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "PostgreSQL")
    suffix = uuid.uuid4().hex[:8]
    names = (f"drill_src_{suffix}", f"drill_dst_{suffix}")
    for name in names:
        _admin_sql(f'CREATE DATABASE "{name}"')
    yield names
    for name in names:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.services
def test_restore_drill_on_postgresql(tmp_path, drill_databases):
    src, dst = drill_databases
    base = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "SQLITE_PATH"}}
    base.update(DEBUG="1", FORUM_EMAIL_WORKER="off", ALLOWED_HOSTS="testserver,localhost", FORUM_BACKUP_KEY="")
    src_env = {**base, "DATABASE_URL": _pg_url(src), "MEDIA_ROOT": str(tmp_path / "media-src")}
    dst_env = {**base, "DATABASE_URL": _pg_url(dst), "MEDIA_ROOT": str(tmp_path / "media-dst")}
    key_file = tmp_path / "backup.key"
    key_file.write_text(_manage("backup", "--generate-key", env=base).stdout.strip())

    _manage("migrate", "--noinput", env=src_env)
    _manage("seed_demo", env=src_env)
    attachment_id = int(_manage("shell", "-c", UPLOAD, env=src_env).stdout.strip().splitlines()[-1])
    out = _manage("backup", "--output-dir", str(tmp_path / "archives"), "--key-file", str(key_file), env=src_env)
    archive = next((tmp_path / "archives").glob("madaniya-*.tar.enc"))
    assert str(archive) in out.stdout
    source_counts = _counts(src)
    assert source_counts["discussions_post"] > 0 and source_counts["discussions_attachment"] == 1
    assert source_counts["audit_auditentry"] > 0

    # Named refusals, each changing nothing.
    refused = _manage("restore", str(archive), "--key-file", str(key_file), env=src_env, expect_ok=False)
    assert refused.returncode != 0 and "not empty" in refused.stderr
    wrong_key = tmp_path / "wrong.key"
    wrong_key.write_text(backup.generate_key())
    refused = _manage("restore", str(archive), "--key-file", str(wrong_key), env=dst_env, expect_ok=False)
    assert refused.returncode != 0 and "wrong key" in refused.stderr
    truncated = tmp_path / "truncated.tar.enc"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    refused = _manage("restore", str(truncated), "--key-file", str(key_file), env=dst_env, expect_ok=False)
    assert refused.returncode != 0 and "truncated" in refused.stderr
    corrupt = tmp_path / "corrupt.tar.enc"
    data = bytearray(archive.read_bytes())
    data[len(data) // 3] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    refused = _manage("restore", str(corrupt), "--key-file", str(key_file), env=dst_env, expect_ok=False)
    assert refused.returncode != 0 and "damaged" in refused.stderr
    assert _counts(dst) == {} and not (tmp_path / "media-dst").exists()
    assert _counts(src) == source_counts

    # The restore itself, into a fresh database and media folder.
    done = _manage("restore", str(archive), "--key-file", str(key_file), env=dst_env)
    assert "row counts match" in done.stdout
    assert _counts(dst) == source_counts
    source_files = sorted(p.relative_to(tmp_path / "media-src") for p in (tmp_path / "media-src").rglob("*") if p.is_file())
    restored_files = sorted(p.relative_to(tmp_path / "media-dst") for p in (tmp_path / "media-dst").rglob("*") if p.is_file())
    assert source_files and restored_files == source_files

    verified = _manage("shell", "-c", VERIFY.replace("ATTACHMENT_ID", str(attachment_id)), env=dst_env)
    result = json.loads(verified.stdout.split("RESULT", 1)[1])
    assert result["thread"] == [200, True]
    assert result["image"] == [200, True]
    assert result["audit"][0] == 200 and result["audit"][1] == source_counts["audit_auditentry"]
