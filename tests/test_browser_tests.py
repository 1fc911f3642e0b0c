"""The scheduler's idea of a browser test (by file: it sees no markers) is the `browser` marker's."""

from tests.conftest import _is_browser_test


def test_the_browser_tests_by_file_are_the_tests_marked_browser(request):
    items = request.session.items
    assert items  # this very test at least
    mismatched = [
        item.nodeid
        for item in items
        if bool(item.get_closest_marker("browser")) != _is_browser_test(item.nodeid)
    ]
    assert not mismatched, "mark these `browser` or move them:\n" + "\n".join(mismatched)
