from tests.discussions.factories import give_mfa, make_category  # noqa: F401
from tests.live.factories import (  # noqa: F401
    _generous_live_rates,
    ask,
    broadcasts,
    make_session,
    say,
    session_moderator,
)
