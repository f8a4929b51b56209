from tests.discussions.factories import (  # noqa: F401
    _generous_post_rate,
    give_mfa,
    make_category,
    make_post,
    make_thread,
    root_of,
)
