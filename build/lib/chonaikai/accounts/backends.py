"""Django permissions from roles, for the admin site.

The admin asks `user.has_perm("app.change_model")`; this backend answers yes for city
administrators (their role is "everything") and defers to nothing else. Wire it up with
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend",
"chonaikai.accounts.backends.RolePermissionBackend"].
"""

from django.contrib.auth.backends import BaseBackend

from .policy import is_city_admin


class RolePermissionBackend(BaseBackend):
    def authenticate(self, request, **credentials):
        return None  # permissions only; ModelBackend logs people in

    def has_perm(self, user_obj, perm, obj=None):
        return is_city_admin(user_obj)

    def has_module_perms(self, user_obj, app_label):
        return is_city_admin(user_obj)
