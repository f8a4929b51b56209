"""allauth MFA adapter: a privileged user cannot remove their last second factor."""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from . import permissions


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        user = authenticator.user
        if not permissions.needs_mfa(user):
            return True
        others = (Authenticator.objects.filter(user_id=user.pk, type__in=permissions.MFA_FACTOR_TYPES)
                  .exclude(pk=authenticator.pk))
        return others.exists()
