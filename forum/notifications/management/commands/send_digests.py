from django.core.management.base import BaseCommand

from forum.notifications import emails


class Command(BaseCommand):
    help = "Send the daily notification digest to every member who chose it and is due one (run hourly or daily)."

    def handle(self, *args, **options):
        sent = emails.send_digests()
        self.stdout.write(f"{sent} digest(s) sent")
