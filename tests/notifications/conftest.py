import pytest

from tests.notifications.factories import listen, make_category, make_reply, make_thread, opening_post  # noqa: F401


@pytest.fixture(autouse=True)
def _email_worker_in_the_callback(settings):
    """Immediate emails go out in the on-commit callback itself, so tests stay deterministic;
    tests/notifications/test_outbox.py runs the real background thread and the command."""
    settings.FORUM_EMAIL_WORKER = "sync"
