from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from forum.core import catalogue
from forum.core import views as core_views
from forum.core.metrics import metrics_view
from forum.discussions import views_preview, views_style

handler500 = "forum.core.views.server_error"

admin.site.site_header = _("Madaniya")
admin.site.site_title = _("Madaniya")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    # Words for scripts (locale/*/LC_MESSAGES/djangojs.po); static/js/i18n.js. Pages name the cacheable
    # one of their language (forum/core/catalogue.py); /jsi18n/ answers in the reader's language.
    path("jsi18n/<str:language>/<str:version>.js", catalogue.catalogue, name="javascript_catalogue"),
    path("jsi18n/", catalogue.CompactCatalog.as_view(), name="javascript_catalog"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("preview/", views_preview.preview, name="preview"),
    path("style/", views_style.style_guide, name="style_guide"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("me/", include("forum.accounts.urls")),
    path("organisations/", include("forum.organisations.urls")),
    path("notifications/", include("forum.notifications.urls")),
    path("c/", include("forum.discussions.urls_categories")),
    path("t/", include("forum.discussions.urls")),
    path("search/", include("forum.search.urls")),
    path("live/", include("forum.live.urls")),
    path("polls/", include("forum.polls.urls")),
    path("consultations/", include("forum.consultations.urls")),
    path("moderation/audit/", include("forum.audit.urls")),
    path("moderation/", include("forum.moderation.urls")),
]
