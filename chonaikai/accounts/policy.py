"""The one policy module: may this user do this to that object.

Deny by default. Pages, API views, commands and tasks ask these functions rather than checking
user flags themselves. Roles scoped to a ward or an association arrive with the accounts issue;
until then only Django staff users hold privileges beyond the public ones.
"""

from __future__ import annotations


def can_view_personal_data(user, association=None) -> bool:
    """Representatives' names and contacts: never for anonymous visitors."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)
