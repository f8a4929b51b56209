"""`manage.py restore ARCHIVE`: a whole site back from a `manage.py backup` archive.

Everything is checked before anything changes (the archive opens with the key, every checksum
matches, the database and media folder are empty unless --force); the database is restored in one
transaction and its row counts compared with the archive's. docs/operations.md has the drill.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forum.core import backup


class Command(BaseCommand):
    help = "Restore the database and the media folder from a backup archive."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--key-file", help="file holding the archive's key (or FORUM_BACKUP_KEY)")
        parser.add_argument("--force", action="store_true",
                            help="replace a database or media folder that is not empty")
        parser.add_argument("--media-root", help="restore the media here instead of MEDIA_ROOT")
        parser.add_argument("--database", default="default")

    def handle(self, *args, archive, key_file, force, media_root, database, **options):
        try:
            key = backup.read_key(key_file=key_file)
            done = backup.restore(archive=Path(archive), key=key, force=force, using=database,
                                  media_root=Path(media_root) if media_root else None)
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"Restored {len(done.counts)} tables, {sum(done.counts.values())} rows, "
                          f"from the archive of {done.manifest['created']}; row counts match.")
