from django.contrib import admin
from django.urls import include, path

from chonaikai.start.views import start

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("chonaikai.accounts.urls")),
    path("start/", start, name="start"),  # 「あなたのやること」, after login
    path("", include("chonaikai.associations.urls")),
    path("wards/", include("maps.ward_urls")),
    path("maps/", include("maps.urls")),
    path("plan/", include("chonaikai.plan.urls")),
    path("subsidies/", include("chonaikai.subsidies.urls")),
]
