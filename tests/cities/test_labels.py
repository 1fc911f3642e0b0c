"""A city without wards (旭川市: one area, the whole city, labelled 市 / 市役所, no districts, 市民委員会):
the pages a ward clerk, a leader, the city and the public see name its levels with its words, not
Sapporo's (区役所, まちづくりセンター, 市民自治推進室).

The suite's data are Sapporo's wards (中央区 …); their names, like every name in the data, are data,
not labels, and are taken out of a page's visible text before it is read.
"""

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.cache import cache

from chonaikai.associations import services
from chonaikai.associations.models import Association, Federation
from tests.factories import FederationFactory, HouseholdCountFactory, ward
from tests.rounds.helpers import DEADLINE, PREVIOUS, SURVEY, change, save
from wards.models import District, Ward

pytestmark = pytest.mark.django_db

SAPPORO_WORDS = ("区役所", "まちづくりセンター", "市民自治推進室", "連合町内会")
DAY = SURVEY.isoformat()


@pytest.fixture
def asahikawa(db):
    """The loaded city becomes one without wards (the City row, as load_city cities/asahikawa writes it)."""
    from chonaikai.cities import current
    from chonaikai.cities.models import City

    City.objects.update(
        name="旭川市",  # i18n: data
        area_label="市",  # i18n: data
        area_office_label="市役所",  # i18n: data
        district_label="",
        federation_label="市民委員会",  # i18n: data
        department_short_name="地域活動推進課",  # i18n: data
    )
    current.forget()
    cache.clear()  # the map page's cached figures were rendered with the other city's words
    yield
    current.forget()
    cache.clear()


@pytest.fixture
def city_data(asahikawa, association_a, association_b, association_kita):
    """Two associations of one area (one in a 市民委員会) with last survey's counts, and this year's round."""
    federation = FederationFactory(ward=ward("01101"), name="テスト市民委員会")  # i18n: data
    Association.objects.filter(pk=association_a.pk).update(federation=federation)
    for association, households, members in (
        (association_a, 100, 70),
        (association_b, 200, 150),
        (association_kita, 50, 40),
    ):
        HouseholdCountFactory(
            association=association, survey_date=PREVIOUS, households=households, member_households=members
        )
    services.round_open(actor=None, survey_date=SURVEY, deadline=DEADLINE)
    return association_a


class _Visible(HTMLParser):
    """The text a reader sees or hears: text outside script/style, and the attributes read aloud."""

    READ_ALOUD = ("aria-label", "title", "alt", "placeholder")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts.extend(value for name, value in attrs if name in self.READ_ALOUD and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def _data_names() -> list[str]:
    names = [
        *Ward.objects.values_list("name", flat=True),
        *Ward.objects.values_list("office_name", flat=True),
    ]
    for model in (District, Federation, Association):
        names += model.objects.values_list("name", flat=True)
    return sorted({n for n in names if n}, key=len, reverse=True)  # 厚別区 before 区-less parts


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    text = " ".join(parser.parts)
    for name in _data_names():
        text = text.replace(name, "〓")
    return re.sub(r"\s+", " ", text)


def assert_city_words(text: str, *expected: str) -> None:
    for word in SAPPORO_WORDS:
        assert word not in text, f"{word!r} in: …{_around(text, word)}…"
    for word in expected:
        assert word in text, word


def _around(text: str, word: str) -> str:
    at = text.index(word)
    return text[max(at - 40, 0) : at + 40]


def ward_words(text: str) -> list[str]:
    """Where the page still says 区 for a level (区域 and 区切り are other words; 地区 is a district)."""
    rest = re.sub(r"区域|区切|地区|区別します", "", text)
    return [rest[max(m.start() - 15, 0) : m.end() + 15] for m in re.finditer("区", rest)]


def get(client, user, path) -> str:
    if user is not None:
        client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return visible_text(response.content.decode())


# ---------------------------------------------------------------------------------------------
# The public
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", ("市一覧", "市別の加入状況")),
        ("/associations/", ("市一覧", "市民委員会")),
        ("/wards/", ("市別の加入状況", "市ごとの世帯数と加入率")),
        ("/wards/01101/", ("市民委員会別の加入状況",)),
        ("/maps/", ("市別の地図", "市別の加入状況")),
        ("/maps/series/", ("市別の地図の移り変わり",)),
        ("/maps/target/", ("市一覧",)),
        ("/accounts/login/", ("市一覧",)),
    ],
)
def test_public_pages_name_the_city_s_levels(client, city_data, path, expected):
    text = get(client, None, path)
    assert_city_words(text, *expected)
    assert ward_words(text) == []


def test_the_association_page_names_the_area_and_the_federation_and_no_district(client, city_data):
    text = get(client, None, f"/associations/{city_data.code}/")
    assert_city_words(text, "市民委員会")
    assert "?district=" not in client.get(f"/associations/{city_data.code}/").content.decode()
    assert ward_words(text) == []


def test_the_list_filters_by_area_and_federation_and_not_by_district(client, city_data):
    response = client.get("/associations/")
    html = response.content.decode()
    assert 'name="district"' not in html
    assert "すべての市民委員会" in visible_text(html)
    assert "すべての市" in visible_text(html)


def test_a_ward_page_of_a_city_without_districts_has_no_district_table(client, city_data):
    html = client.get("/wards/01101/").content.decode()
    assert 'id="district-table"' not in html and 'id="federation-table"' in html


# ---------------------------------------------------------------------------------------------
# A clerk of the area's office, a leader, the city
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/registry/", ("市の業務",)),
        ("/counts/", ("世帯数調査（市役所の入力と提出）",)),
        (f"/counts/01101/{DAY}/", ("市民委員会",)),
        ("/counts/help/", ("市役所が提出する", "地域活動推進課", "自分の市の入力画面")),
        ("/import/", ("市の調査票",)),
        ("/export/", ("市の調査票",)),
        ("/registry/01101/merge/", ("同じ市の活動中の町内会",)),
        ("/registry/01101/new/", ()),
    ],
)
def test_the_area_office_s_pages_name_its_office_and_area(client, city_data, ward_staff_chuo, path, expected):
    text = get(client, ward_staff_chuo, path)
    assert_city_words(text, "市役所の業務", *expected)
    assert ward_words(text) == []


def test_the_association_edit_page_names_the_area(client, city_data, ward_staff_chuo):
    text = get(client, ward_staff_chuo, f"/associations/{city_data.code}/edit/")
    assert_city_words(text, "市民委員会")
    assert ward_words(text) == []


def test_the_submission_and_the_city_s_review_name_the_area(client, city_data, ward_staff_chuo, city_admin):
    save(ward_staff_chuo, "01101", change(city_data, 150, 70, note="大型マンション完成"))
    text = get(client, ward_staff_chuo, f"/counts/rounds/{DAY}/01101/submission/")
    assert_city_words(text, "市役所の業務")
    assert ward_words(text) == []
    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="Bは集計中"
    )
    for path, expected in {
        f"/counts/rounds/{DAY}/": ("市ごとの入力・提出状況", "地域活動推進課 さん"),
        f"/counts/rounds/{DAY}/01101/review/": ("市役所のコメント",),
    }.items():
        text = get(client, city_admin, path)
        assert_city_words(text, *expected)
        assert ward_words(text) == []


def test_the_city_s_start_page_names_the_areas_waiting(client, city_data, ward_staff_chuo, city_admin):
    save(ward_staff_chuo, "01101", change(city_data, 100, 70))
    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="Bは集計中"
    )
    text = get(client, city_admin, "/start/")
    assert "承認を待っている市の世帯数" in text
    assert_city_words(text, "地域活動推進課")


def test_the_area_office_s_start_page_names_its_office(client, city_data, ward_staff_chuo):
    text = get(client, ward_staff_chuo, "/start/")
    assert "市役所の確認を待っている補助金の申請" in text
    assert_city_words(text, "市役所職員")


@pytest.mark.parametrize("persona", ["ward_staff_chuo", "city_admin"])
def test_the_start_page_names_the_role_with_the_city_s_words(client, city_data, persona, request):
    assert_city_words(get(client, request.getfixturevalue(persona), "/start/"))


def test_a_leader_s_pages_name_the_city_s_levels(client, city_data, leader_a):
    assert_city_words(get(client, leader_a, "/start/"), "市一覧")
    assert_city_words(get(client, leader_a, f"/associations/{city_data.code}/"), "市民委員会")


def test_the_password_pages_and_e_mails_name_the_city_s_department(client, city_data, ward_staff_chuo):
    assert_city_words(
        get(client, None, "/accounts/password_reset/done/"), "市役所の担当者または地域活動推進課"
    )
    from chonaikai.accounts.emails import send_password_setup_email

    ward_staff_chuo.email = "clerk@example.jp"
    send_password_setup_email(user=ward_staff_chuo, site_url="https://example.jp")
    (message,) = mail.outbox
    body = visible_text(message.body)
    assert_city_words(body, "役割: 市役所職員", "地域活動推進課までご連絡ください", "旭川市 地域活動推進課")


def test_the_city_with_wards_keeps_its_words(client, city_data):
    """Sapporo (the suite's city) after the change back: the placeholders give 区 and まちづくりセンター again."""
    from chonaikai.cities import current
    from chonaikai.cities.models import City

    City.objects.update(
        area_label="区",  # i18n: data
        area_office_label="区役所",  # i18n: data
        district_label="まちづくりセンター",  # i18n: data
        federation_label="連合町内会",  # i18n: data
    )
    current.forget()
    text = get(client, None, "/wards/01101/")
    assert "区一覧" in text and "まちづくりセンター地区別の加入状況" in text and "連合町内会別" in text
