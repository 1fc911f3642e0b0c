from django.urls import path

from . import views

app_name = "plan"

urlpatterns = [
    path("", views.progress, name="progress"),
    path("record/", views.record, name="record"),
    path("indicators.xlsx", views.export_xlsx, name="export_xlsx"),
]
