from django.apps import AppConfig


class CategoriesConfig(AppConfig):
    name = "forum.categories"
    label = "categories"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_init, post_save

        from . import permissions, signals
        from .models import Category

        for signal in (post_save, post_delete):
            signal.connect(permissions.categories_changed, sender=Category,
                           dispatch_uid=f"categories-changed-{signal}")
        for through in (Category.moderators.through, Category.allowed_organisations.through):
            m2m_changed.connect(permissions.categories_changed, sender=through,
                                dispatch_uid=f"categories-changed-{through.__name__}")
            m2m_changed.connect(signals.category_relation_changed, sender=through,
                                dispatch_uid=f"categories-access-{through.__name__}")
        # Open sockets check their reader's access again when a category may have closed to them.
        post_init.connect(signals.remember_access, sender=Category, dispatch_uid="categories-access-init")
        post_save.connect(signals.category_saved, sender=Category, dispatch_uid="categories-access-saved")
        post_delete.connect(signals.category_deleted, sender=Category, dispatch_uid="categories-access-deleted")
