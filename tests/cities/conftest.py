from tests.cities.city_row import city_row  # noqa: F401
