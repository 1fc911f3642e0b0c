from django.urls import path

from . import views
from .counts.views import grid, rounds
from .imports import views as views_import
from .registry import views as views_registry

app_name = "associations"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("associations/", views.association_list, name="list"),
    path("associations/<str:code>/", views.association_detail, name="detail"),
]

# Ward offices' register work: counts import and workbook downloads, associations' lifecycle.
urlpatterns += [
    path("import/", views_import.import_upload, name="import"),
    path("import/<str:token>/", views_import.import_preview, name="import_preview"),
    path("import/<str:token>/result/", views_import.import_result, name="import_result"),
    path("import/<str:token>/progress/", views_import.import_progress, name="import_progress"),
    path("export/", views_import.export_page, name="export"),
    path("export/template/", views_import.export_ward_template, name="export_ward_template"),
    path("export/city/", views_import.export_city, name="export_city"),
    path("registry/", views_registry.registry_home, name="registry"),
    path("registry/<str:ward_code>/new/", views_registry.association_create, name="create"),
    path("registry/<str:ward_code>/merge/", views_registry.association_merge, name="merge"),
    path("associations/<str:code>/edit/", views_registry.association_edit, name="edit"),
    path("associations/<str:code>/dissolve/", views_registry.association_dissolve, name="dissolve"),
]

# Survey rounds and the counts entry grid (staff only). The rounds/ routes come first: "rounds"
# would otherwise be taken for a ward code by the grid's route.
urlpatterns += [
    path("counts/", rounds.round_list, name="count_rounds"),
    path("counts/help/", rounds.count_help, name="count_help"),
    path("counts/rounds/open/", rounds.round_open, name="count_round_open"),
    path("counts/rounds/<str:survey_date>/", rounds.round_overview, name="count_round"),
    # Before the actions' route, which would take "submission" and "review" for actions.
    path(
        "counts/rounds/<str:survey_date>/<str:ward_code>/submission/",
        rounds.submission_summary,
        name="count_submission",
    ),
    path(
        "counts/rounds/<str:survey_date>/<str:ward_code>/review/",
        rounds.submission_review,
        name="count_review",
    ),
    path(
        "counts/rounds/<str:survey_date>/<str:ward_code>/<str:action>/",
        rounds.progress_action,
        name="count_progress_action",
    ),
    path("counts/<str:ward_code>/<str:survey_date>/", grid.count_entry, name="count_entry"),
]
