"""`manage.py backup`: one archive of the database and the media folder (forum/core/backup.py).

    manage.py backup --output-dir /backups [--key-file /run/secrets/backup-key] [--keep-days 30]
    manage.py backup --generate-key > backup.key

FORUM_BACKUP_DIR, FORUM_BACKUP_KEY and FORUM_BACKUP_KEEP_DAYS are the defaults (the nightly
`core.backup` job uses them).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forum.core import backup, conf


class Command(BaseCommand):
    help = "Write a dated archive of the database and the media folder, optionally encrypted."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", default=conf.FORUM_BACKUP_DIR or None)
        parser.add_argument("--key-file", help="file holding the 32-byte key (URL-safe base64)")
        parser.add_argument("--keep-days", type=int, default=conf.FORUM_BACKUP_KEEP_DAYS,
                            help="remove archives older than this many days (0 keeps all)")
        parser.add_argument("--generate-key", action="store_true", help="print a new key and stop")
        parser.add_argument("--database", default="default")

    def handle(self, *args, output_dir, key_file, keep_days, generate_key, database, **options):
        if generate_key:
            self.stdout.write(backup.generate_key())
            return
        if not output_dir:
            raise CommandError("Say where archives go: --output-dir or FORUM_BACKUP_DIR.")
        try:
            key = backup.read_key(key_file=key_file)
            made = backup.create(output_dir=Path(output_dir), key=key, keep_days=keep_days, using=database)
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        rows = sum(made.manifest["tables"].values())
        self.stdout.write(f"{made.path} ({made.path.stat().st_size} bytes, {len(made.manifest['tables'])} tables, "
                          f"{rows} rows{', encrypted' if key else ''})")
        for path in made.removed:
            self.stdout.write(f"removed {path} (older than {keep_days} days)")
