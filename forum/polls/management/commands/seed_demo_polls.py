"""manage.py seed_demo_polls: the demo poll (forum/polls/demo.py), once the demo accounts and
threads exist; `seed_demo` runs it. Idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from forum.accounts.models import User
from forum.organisations import demo as organisation_demo

from ... import demo


class Command(BaseCommand):
    help = "Add the demo poll to the demo thread about Article 1 (after seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this looks like a real site.")
        users = {spec.key: User.objects.filter(email=spec.email).first() for spec in organisation_demo.USERS}
        poll = demo.seed_poll({key: user for key, user in users.items() if user is not None})
        if poll is not None:
            self.stdout.write(f"Demo poll: {poll.get_absolute_url()}")
