"""Language selection: Japanese unless the user chose another language in the menu."""

from django.conf import settings
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin


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
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        response.headers.setdefault("Vary", "Cookie")
        return response
