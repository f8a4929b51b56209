from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CategoriesConfig(AppConfig):
    name = "forum.categories"
    label = "categories"
    verbose_name = _("Categories")

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import permissions
        from .models import Category

        for signal in (post_save, post_delete):
            signal.connect(permissions.categories_changed, sender=Category,
                           dispatch_uid=f"categories-changed-{signal}")
        for through in (Category.moderators.through, Category.allowed_organisations.through):
            m2m_changed.connect(permissions.categories_changed, sender=through,
                                dispatch_uid=f"categories-changed-{through.__name__}")
        # Open sockets are told when a category may have closed to someone by the services
        # (`services.py`), which every write goes through, the admin's included.
