"""The subsidy pages, mounted at /subsidies/ (namespace "subsidies")."""

from django.urls import path

from . import views

app_name = "subsidies"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.application_new, name="new"),
    path("paper/new/", views.paper_new, name="paper_new"),
    path("applications/", views.queue, name="queue"),
    path("applications/<int:pk>/", views.application_detail, name="detail"),
    path("applications/<int:pk>/edit/", views.edit_programme, name="edit_programme"),
    path("applications/<int:pk>/edit/purpose/", views.edit_purpose, name="edit_purpose"),
    path("applications/<int:pk>/edit/lines/", views.edit_lines, name="edit_lines"),
    path("applications/<int:pk>/edit/attachments/", views.edit_attachments, name="edit_attachments"),
    path("applications/<int:pk>/breakdown/", views.breakdown_json, name="breakdown"),
    path("applications/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("applications/<int:pk>/print/", views.application_print, name="print"),
    path("applications/<int:pk>/claim/", views.claim, name="claim"),
    path("applications/<int:pk>/documents/<str:document>/", views.application_document, name="document"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<int:pk>/report/", views.report_completion, name="report"),
    path("applications/<int:pk>/verify/", views.verify, name="verify"),
    path("applications/<int:pk>/hall/confirm/", views.hall_confirm, name="hall_confirm"),
    path("applications/<int:pk>/actions/<str:action>/", views.application_action, name="action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("programmes/", views.programme_list, name="programmes"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("programmes/<int:pk>/guide/", views.programme_guide, name="guide"),
    path("programmes/<int:pk>/rules/<int:rule_pk>/confirm/", views.rule_confirm, name="rule_confirm"),
    path("programmes/<int:pk>/compute/", views.grant_compute, name="grant_compute"),
    path("programmes/<int:pk>/payments.xlsx", views.payment_list_download, name="payment_list"),
    path("exports/", views.exports_page, name="exports"),
    path("exports/accounting.xlsx", views.accounting_download, name="accounting"),
]
