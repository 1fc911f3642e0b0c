"""Language selection: Japanese unless the user chose another language in the menu."""

from django.conf import settings
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin

# The name of the header's language buttons when they send the page's own form (base.html,
# `language_form`): the form is saved and the page shown again in that language.
SWITCH_LANGUAGE_FIELD = "switch_language"


class ChosenLanguageMiddleware(MiddlewareMixin):
    """Activate the language saved by the language menu (Django's set_language cookie), else Japanese.

    Unlike LocaleMiddleware this ignores the browser's Accept-Language header: staff on shared
    municipal PCs (often set up in English) must see the Japanese screens the city documents, and
    English is there for whoever asks for it in the menu.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        switched = self._switched_to(request)
        if switched in supported:
            language = request.switched_language = switched
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    @staticmethod
    def _switched_to(request) -> str | None:
        """The language of a language button that sent a page's own form (SWITCH_LANGUAGE_FIELD).

        A form with typed input (a step of the subsidy application) has the header's language
        buttons send *it* to its own view, which saves it as 「下書き保存」 would, in the chosen
        language; the cookie is set on the way out. Only url-encoded forms: reading a multipart
        body here would fix the upload handlers before the view could choose them.
        """
        if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded":
            return None
        return request.POST.get(SWITCH_LANGUAGE_FIELD)

    def process_response(self, request, response):
        switched = getattr(request, "switched_language", None)
        if switched:  # as django.views.i18n.set_language sets it
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                switched,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        response.headers.setdefault("Content-Language", translation.get_language())
        response.headers.setdefault("Vary", "Cookie")
        return response


class DatabaseBusyMiddleware:
    """SQLite's "database is locked" (a write that waited the whole busy timeout) answers 409, not 500.

    Settings make SQLite writers queue for the lock (WAL, IMMEDIATE transactions, a busy timeout), so
    this is the net for a wait that ran out: nothing was written, and the same request sent again
    will do. The API answers in its own shape; pages with a short Japanese page that says so (the
    entry grid keeps what was typed in the browser, so going back loses nothing).
    """

    LOCKED = ("database is locked", "database table is locked")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import OperationalError

        if not isinstance(exception, OperationalError) or not any(
            text in str(exception) for text in self.LOCKED
        ):
            return None
        from django.http import JsonResponse
        from django.shortcuts import render
        from django.utils.translation import gettext as _

        message = _(
            "ほかの保存と重なったため、保存できませんでした。何も保存されていません。もう一度保存してください。"
        )
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"message": message, "extra": {}}, status=409, json_dumps_params={"ensure_ascii": False}
            )
        else:
            response = render(request, "database_busy.html", {"message": message}, status=409)
        response["Retry-After"] = "1"
        return response
