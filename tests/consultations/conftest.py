import pytest

from tests.consultations.factories import (  # noqa: F401
    make_consultation,
    make_representative,
    organiser,
    submit,
)
from tests.discussions.factories import (  # noqa: F401
    _generous_post_rate,
    give_mfa,
    make_category,
    make_post,
    make_thread,
)
from tests.live.factories import broadcasts  # noqa: F401


@pytest.fixture(autouse=True)
def _email_worker_in_the_callback(settings):
    settings.FORUM_EMAIL_WORKER = "sync"
