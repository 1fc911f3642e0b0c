"""/wards/: the public ward pages (maps.ward_pages), in the URL namespace `wards`."""

from django.urls import path

from . import ward_pages

app_name = "wards"

urlpatterns = [
    path("", ward_pages.ward_list, name="list"),
    path("<str:code>/", ward_pages.ward_detail, name="detail"),
]
