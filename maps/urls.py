from django.urls import path

from . import views

app_name = "maps"

urlpatterns = [
    path("", views.ward_map, name="ward_map"),
    path("export.html", views.ward_map_html, name="ward_map_html"),
    path("export.png", views.ward_map_png, name="ward_map_png"),
    path("series/", views.ward_map_series, name="ward_map_series"),
    path("series.csv", views.ward_map_series_csv, name="ward_map_series_csv"),
    path("target/", views.target, name="target"),
    path("halls.json", views.hall_layer, name="hall_layer"),
]
