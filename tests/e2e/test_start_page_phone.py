"""The leader's start page (「あなたのやること」) on a 390 × 844 phone: logging in from the top page
lands on it, with no "you must log in" notice; the password can be shown with the keyboard; the page
lists what is asked of the leader, their draft and their applications' status, nothing scrolls
sideways, and each item leads to the screen where it is done."""

import pytest

from chonaikai.subsidies.models import Programme
from chonaikai.subsidies.workflow import Status

from .harness import BROWSER_TEST, PASSWORD, tab_to
from .test_leader_phone_journey import HEIGHT, WIDTH, expect, screen, within_the_screen

pytestmark = BROWSER_TEST


@pytest.fixture
def leaders_applications(leader_a, association_a, digital_programme):
    from tests.subsidies.helpers import make_application

    Programme.objects.filter(pk=digital_programme.pk).update(one_application_per_year=False)
    digital_programme.refresh_from_db()
    return {
        status: make_application(association_a, programme=digital_programme, status=status)
        for status in (Status.DRAFT, Status.RETURNED, Status.APPROVED, Status.SUBMITTED)
    }


def test_a_leader_logs_in_on_a_phone_and_finds_what_to_do(new_journey, leaders_applications):
    submitted = leaders_applications[Status.SUBMITTED].number  # read before the browser runs
    journey = new_journey("leader_start_phone", width=WIDTH, height=HEIGHT)
    page = journey.page

    # From the top page's 「ログイン」: no "you must log in" notice, the password shown by keyboard.
    journey.goto("/")
    screen(journey, "top")
    page.get_by_role("link", name="ログイン", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")
    expect(page.get_by_text("このページを見るにはログインしてください")).to_have_count(0)
    page.get_by_label("ユーザー名").press_sequentially("leader_a")
    page.get_by_label("パスワード", exact=True).press_sequentially(PASSWORD)
    box = page.get_by_role("checkbox", name="パスワードを表示する")
    expect(box).to_be_visible()
    tab_to(page, lambda f: f.get("id") == "id_show_password")
    page.keyboard.press("Space")
    expect(page.locator("#id_password")).to_have_attribute("type", "text")
    page.keyboard.press("Space")
    expect(page.locator("#id_password")).to_have_attribute("type", "password")
    screen(journey, "login")
    with page.expect_navigation():
        page.get_by_role("button", name="ログインする").click()

    # The start page.
    expect(page.get_by_role("heading", level=1)).to_have_text("あなたのやること")
    assert page.url.endswith("/start/")
    expect(page.locator(".account-menu__user")).to_contain_text("中央テストA町内会")
    expect(page.locator(".account-menu__user")).not_to_contain_text("leader_a")
    screen(journey, "start")
    report = page.get_by_role("link", name="実績報告をする")
    fix = page.get_by_role("link", name="申請を直して、もう一度提出する")
    resume = page.get_by_role("link", name="続きを入力する")
    for link in (report, fix, resume):
        expect(link).to_be_visible()
        within_the_screen(link)
    expect(page.get_by_role("link", name=submitted)).to_be_visible()
    expect(page.get_by_text("状況: 提出済み")).to_be_visible()

    # Each item leads to its screen.
    report.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("実績報告")
    screen(journey, "report")
    page.go_back()
    resume.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("事業の内容（手順2）")
    screen(journey, "draft")
    journey.finish()
