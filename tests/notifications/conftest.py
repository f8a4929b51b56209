from tests.notifications.factories import listen, make_category, make_reply, make_thread, opening_post  # noqa: F401
