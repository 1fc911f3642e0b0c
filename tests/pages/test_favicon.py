"""Every page names its icon, served from the project's static files (browsers otherwise ask for
/favicon.ico and log a 404 on every page)."""

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_pages_link_an_icon_that_the_static_files_hold(client):
    page = client.get("/").content.decode()

    assert 'rel="icon"' in page
    assert finders.find("img/favicon.svg")
