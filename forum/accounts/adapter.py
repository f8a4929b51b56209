"""allauth MFA adapter: second-factor secrets encrypted at rest, and a privileged user cannot remove
their last second factor. Enabled by `MFA_ADAPTER = "forum.accounts.adapter.MFAAdapter"`."""

from __future__ import annotations

import base64

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

from . import permissions

ENCRYPTED_PREFIX = "enc1:"


def _cipher() -> MultiFernet:
    """A key per secret key (current first, then SECRET_KEY_FALLBACKS), so a key rotation that keeps
    the old key as a fallback still opens existing secrets."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([
        Fernet(base64.urlsafe_b64encode(
            salted_hmac("forum.accounts.mfa", "secret-at-rest", secret=key, algorithm="sha256").digest()))
        for key in keys
    ])


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        """TOTP seeds and recovery-code seeds are stored encrypted: a leaked database dump does not
        hand out anyone's second factor."""
        return ENCRYPTED_PREFIX + _cipher().encrypt(text.encode()).decode("ascii")

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(ENCRYPTED_PREFIX):
            return encrypted_text  # stored before encryption was turned on
        return _cipher().decrypt(encrypted_text[len(ENCRYPTED_PREFIX):].encode("ascii")).decode()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        user = authenticator.user
        if not permissions.needs_mfa(user):
            return True
        others = (Authenticator.objects.filter(user_id=user.pk, type__in=permissions.MFA_FACTOR_TYPES)
                  .exclude(pk=authenticator.pk))
        return others.exists()
