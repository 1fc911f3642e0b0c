"""Journey 3, the city: the ward office reviews a leader's application and forwards it (進達); the
city administrator approves 中央区's counts for the round and the application (交付決定), then
opens the map, switches metric and survey date, saves the map as PNG and opens the target
dashboard. axe-core checks every page on the way."""

import re

import pytest

from chonaikai.associations import services as association_services
from chonaikai.associations.models import HouseholdCount, WardProgress
from chonaikai.subsidies.models import Application
from chonaikai.subsidies.workflow import Status
from tests.subsidies.helpers import make_application

from .conftest import SURVEY
from .harness import BROWSER_TEST, log_in, log_out

pytestmark = BROWSER_TEST

PREVIOUS = SURVEY.replace(year=SURVEY.year - 1)


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def chuo_submitted(survey_round, ward_staff_chuo):
    """中央区's counts for the round entered (last year's figures) and submitted by its staff."""
    counts = HouseholdCount.objects.filter(survey_date=PREVIOUS, association__ward__code="01101")
    changes = [
        association_services.CountChange(
            association_id=c.association_id, households=c.households, member_households=c.member_households
        )
        for c in counts
    ]
    association_services.counts_grid_save(
        actor=ward_staff_chuo, ward_code="01101", survey_date=SURVEY, changes=changes
    )
    association_services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    return len(changes)


@pytest.fixture
def submitted_application(association_a, leader_a, digital_programme):
    """leader_a's digital application, submitted: 30,000 (services) + 60,000 (goods) → 70,000円."""
    return make_application(association_a, programme=digital_programme, status=Status.SUBMITTED)


def test_the_city_approves_the_ward_and_the_application_then_reads_the_maps(
    new_journey, chuo_submitted, submitted_application, city_admin
):
    app = submitted_application
    journey = new_journey("city_admin")
    page = journey.page

    # The ward office: review, then forward to the city.
    log_in(journey, "ward_staff_chuo", next_path="/subsidies/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("申請")
    journey.step("ward-queue")
    page.get_by_role("link", name=app.number).click()
    expect(page.locator(".status-panel")).to_contain_text("提出済み")
    journey.step("ward-application")
    page.get_by_role("button", name="審査を始める").click()
    expect(page.locator(".flash-messages")).to_contain_text("審査を始めました。")
    journey.step("ward-review-started")
    page.get_by_role("button", name="市へ進達する").click()
    expect(page.locator(".flash-messages")).to_contain_text("市へ進達しました。")
    expect(page.locator(".status-panel")).to_contain_text("市で審査中")
    journey.step("ward-forwarded")
    log_out(journey)
    journey.step("logged-out")

    # The city: approve 中央区 for the round.
    log_in(journey, "city_admin")
    # The city's start page: 中央区 waits for approval, the application for a decision.
    expect(page.get_by_role("heading", level=1)).to_have_text("あなたのやること")
    expect(page.get_by_role("link", name="中央区 の提出を確認する")).to_be_visible()
    journey.step("start")
    page.get_by_role("link", name="世帯数の入力・提出").click()
    journey.step("rounds")
    page.get_by_role("link", name="提出状況").first.click()
    chuo = page.locator("#ward-01101")
    expect(chuo).to_contain_text("提出済み")
    journey.step("round-overview")
    chuo.get_by_role("link", name=re.compile(r"^確認して承認・差し戻し\s*（中央区）$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("中央区の提出内容の確認")
    journey.step("ward-review")
    page.get_by_role("button", name="承認する").click()
    expect(page.locator(".flash-messages")).to_contain_text("中央区を「承認済み」にしました（承認）")
    expect(page.locator("#ward-01101")).to_contain_text("承認済み")
    journey.step("ward-approved")

    # The city: the application's grant (交付決定), with the computed amount offered.
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="補助金").click()
    journey.step("city-queue")
    page.get_by_role("link", name=app.number).click()
    expect(page.locator(".status-panel")).to_contain_text("市で審査中")
    amount = page.get_by_label(re.compile("交付決定額"))
    expect(amount).to_have_value("70000")
    journey.step("city-application")
    page.get_by_role("button", name="交付決定する", exact=True).click()
    expect(page.locator(".flash-messages")).to_contain_text("交付決定しました。")
    expect(page.locator(".status-panel")).to_contain_text("交付決定")
    journey.step("application-approved")

    # The map: the latest published survey first (the 2026 round is approved for 中央区 only, so its
    # figures are not the city's yet); then another metric and survey date.
    page.get_by_role("link", name="地図", exact=True).click()
    wait_for_map(page)
    expect(page.get_by_label("調査基準日", exact=True)).to_have_value(PREVIOUS.isoformat())
    journey.step("map")
    page.get_by_label("調査基準日", exact=True).select_option("2024-01-01")
    page.get_by_label("表示する指標", exact=True).select_option(label="加入世帯数（世帯）")
    page.get_by_role("button", name="地図を表示").click()
    wait_for_map(page)
    expect(page.locator("#ward-map-heading")).to_have_text("加入世帯数（世帯）（令和6年1月1日）")
    journey.step("map-members-2024")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="地図を画像（PNG）で保存").click()
    download = download_info.value
    assert download.suggested_filename == "ward-map-2024-01-01-members.png"
    png = download.path().read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000

    page.get_by_role("link", name="目標の進捗").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    journey.step("target-dashboard")

    journey.finish()
    progress = WardProgress.objects.get(survey_round__survey_date=SURVEY, ward__code="01101")
    assert progress.status == WardProgress.Status.APPROVED
    app = Application.objects.get(pk=app.pk)
    assert app.status == Status.APPROVED and app.approved_amount == 70_000


def wait_for_map(page) -> None:
    """Leaflet has drawn the ten ward polygons (the page's script runs from a file, under the CSP)."""
    expect(page.locator(".leaflet-overlay-pane path.leaflet-interactive")).to_have_count(10, timeout=15_000)
