from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Signup is by invitation only (see organisations.invitations)."""

    def is_open_for_signup(self, request):
        return False
