from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .page import start_page


@login_required
def start(request):
    """「あなたのやること」: where every role lands after logging in (LOGIN_REDIRECT_URL)."""
    return render(request, "accounts/start.html", {"page": start_page(request.user)})
