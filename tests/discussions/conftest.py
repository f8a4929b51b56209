import pytest

from tests.discussions.factories import (  # noqa: F401
    _generous_post_rate,
    give_mfa,
    make_category,
    make_post,
    make_thread,
    root_of,
)


@pytest.fixture(autouse=True)
def _email_worker_in_the_callback(settings):
    """Notification emails go out in the on-commit callback itself (no background thread), so
    tests stay deterministic; tests/notifications/test_outbox.py covers the real worker."""
    settings.FORUM_EMAIL_WORKER = "sync"
