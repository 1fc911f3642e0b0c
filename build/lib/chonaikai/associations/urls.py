from django.urls import path

from . import views

app_name = "associations"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("associations/", views.association_list, name="list"),
    path("associations/<str:code>/", views.association_detail, name="detail"),
]
