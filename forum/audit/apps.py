from django.apps import AppConfig


class AuditConfig(AppConfig):
    verbose_name = "Audit log"
    name = "forum.audit"
    label = "audit"
