"""Template context shared by every page."""

from chonaikai.accounts import policy


def navigation(request):
    """Which staff menus to show. Asked of the policy module once per request (the role is cached)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_counts": False, "nav_city_admin": False, "nav_subsidies": False}
    return {
        "nav_counts": policy.wards_editable_by(user).exists(),
        "nav_city_admin": policy.is_city_admin(user),
        # 「補助金」: every role has a subsidy page (leaders apply, staff review, viewers see figures).
        "nav_subsidies": policy.is_city_admin(user) or policy.role_of(user) is not None,
    }


def city(request):
    """The loaded municipality and the words for its levels (chonaikai.cities.current)."""
    from chonaikai.cities import current

    return {"city": current.city(), "labels": current.labels()}
