"""A page whose action needs the task queue answers 503 with the reason when Redis is down, not 500."""

from django.shortcuts import render

from chonaikai.queue import QueueUnavailable


class QueueUnavailableMiddleware:
    """Turns a QueueUnavailable that a view let through into a 503 page with its Japanese message.

    Views that can do better (keep the form, show the table) catch it themselves; this is the net
    under the others. The API answers its own 503 in JSON (api.errors).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, QueueUnavailable):
            return None
        response = render(request, "queue_unavailable.html", {"message": exception.message}, status=503)
        response["Retry-After"] = "60"
        return response
