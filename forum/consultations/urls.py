from django.urls import path

from . import views

app_name = "consultations"
urlpatterns = [
    path("", views.consultation_list, name="index"),
    path("new/", views.consultation_create, name="create"),
    path("<int:consultation_id>/", views.consultation_detail, name="detail"),
    path("<int:consultation_id>/position/", views.position_edit, name="position"),
    path("<int:consultation_id>/positions/<int:position_id>/history/", views.position_history, name="history"),
    path("<int:consultation_id>/synthesis/", views.synthesis_edit, name="synthesis"),
    path("<int:consultation_id>/export.md", views.export_markdown, name="export_markdown"),
    path("<int:consultation_id>/export.csv", views.export_csv, name="export_csv"),
]
