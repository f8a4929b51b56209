"""manage.py seed_demo_consultations: the demo consultation (`forum.consultations.demo`), for
`seed_demo`, which calls it by name after the accounts and threads exist. Idempotent."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from forum.organisations import demo as accounts_demo

from ... import demo


class Command(BaseCommand):
    help = "Create the demo consultation with two organisations' positions (needs seed_demo's accounts)."

    def handle(self, *args, **options):
        users = {spec.key: user for spec in accounts_demo.USERS
                 for user in get_user_model().objects.filter(email=f"{spec.key}@{accounts_demo.DEMO_DOMAIN}")}
        consultation = demo.seed_consultation(users)
        if consultation is None:
            self.stdout.write("No accounts or categories yet: run seed_demo first.")
            return
        self.stdout.write(f"Consultation: {consultation.get_absolute_url()}")
