"""Journey 2 on a phone (390 × 844): an association's leader with no registered hall applies for the
meeting-hall grant, registering the hall on the first step, and another leader applies for the
digital subsidy with the keyboard only — both from the programme's page to submission and the print
view. On every screen: nothing scrolls sideways (documentElement.scrollWidth ≤ innerWidth) and no
code word of the programmes (new_build, meeting_hall, digital) is visible."""

import pytest

from chonaikai.subsidies.models import MEETING_HALL, Application, Hall, Programme
from chonaikai.subsidies.workflow import Status

from .harness import BROWSER_TEST, by_id, by_text, choose_file_with_space, focused, log_in, tab_to
from .test_leader_journey import PDF, next_step, type_line

pytestmark = BROWSER_TEST

WIDTH, HEIGHT = 390, 844
CODE_WORDS = ("new_build", "meeting_hall", "digital")


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def estimate_pdf(tmp_path):
    path = tmp_path / "見積書.pdf"
    path.write_bytes(PDF)
    return path


@pytest.fixture
def meeting_hall_programme(db):
    return Programme.objects.get(code=MEETING_HALL, fiscal_year=2026)


def screen(journey, name: str) -> None:
    """A step of the journey, checked for sideways scrolling and code words as a phone user sees it."""
    journey.step(name)
    page = journey.page
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right))})"
    )
    assert widths["scroll"] <= widths["inner"], f"{name}: scrolls sideways {widths}"
    text = page.evaluate("() => document.body.innerText")
    shown = [word for word in CODE_WORDS if word in text]
    assert not shown, f"{name}: code words visible: {shown}"


def within_the_screen(locator) -> None:
    """The element is laid out inside the phone's width (not cut off inside a scrolling table)."""
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box


def test_a_leader_without_a_hall_applies_for_the_hall_grant_on_a_phone(
    new_journey, leader_a, meeting_hall_programme, estimate_pdf
):
    journey = new_journey("leader_phone_hall", width=WIDTH, height=HEIGHT)
    page = journey.page
    assert not Hall.objects.filter(association__role_assignments__user=leader_a).exists()

    log_in(journey, "leader_a", next_path="/subsidies/")
    expect(page.get_by_role("heading", level=1)).to_have_text("補助金の申請")
    screen(journey, "subsidies-home")

    # The programme's page, then step 1: the category and the hall, registered here.
    page.get_by_role("link", name="市民集会施設建築費補助金を申請する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("市民集会施設建築費補助金")
    screen(journey, "programme-guide")
    page.get_by_role("link", name="この補助金を申請する").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申請する補助金（手順1）")
    screen(journey, "step1")
    page.get_by_label("区分").select_option(label="増築・改築")
    # Without a hall the first step says so (not the last).
    page.get_by_role("button", name="保存して次へ →").click()
    expect(page.locator("#error-summary")).to_contain_text("対象の会館が必要です")
    screen(journey, "step1-needs-hall")
    page.get_by_label("会館名").fill("中央テスト会館")
    page.get_by_label("所在地").fill("札幌市中央区南1条西1丁目1番")
    page.get_by_label("延床面積（m²）").fill("１２０．５")
    page.get_by_label("建築年（西暦）").fill("1985")
    page.get_by_role("button", name="保存して次へ →").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("事業の内容（手順2）")
    expect(page.locator(".flash-messages")).to_contain_text("区役所が審査のときに登録内容を確認します")
    page.get_by_label("事業の目的・内容").fill("会館の屋根と外壁を改築する")
    page.get_by_label("事業開始予定日").fill("2027-01-10")
    page.get_by_label("事業完了予定日").fill("2027-03-20")
    screen(journey, "step2-purpose")
    page.get_by_role("button", name="保存して次へ →").click()

    # The application list on the phone: 「続きを入力する」 is in view and leads back.
    expect(page.get_by_role("heading", level=1)).to_have_text("経費（手順3）")
    journey.goto("/subsidies/")
    screen(journey, "home-with-draft")
    resume = page.get_by_role("link", name="続きを入力する")
    expect(resume).to_be_visible()
    within_the_screen(resume)
    resume.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("事業の内容（手順2）")
    page.get_by_role("button", name="保存して次へ →").click()

    # 3. Lines as cards; 「300万円」 is an amount.
    expect(page.get_by_role("heading", level=1)).to_have_text("経費（手順3）")
    page.get_by_label("1行目 内容").fill("屋根の改築工事")
    page.get_by_label("1行目 経費の種類").select_option(label="工事費・購入費等（補助対象経費）")
    page.get_by_label("1行目 金額（円）").fill("300万円")
    expect(page.locator("#breakdown-live")).to_contain_text("1,000,000円", timeout=20_000)
    for field in ("1行目 内容", "1行目 経費の種類", "1行目 金額（円）"):
        within_the_screen(page.get_by_label(field))
    screen(journey, "step3-lines")
    page.get_by_role("button", name="保存して次へ →").click()

    # 4. The estimate, 5. confirmation and submission.
    expect(page.get_by_role("heading", level=1)).to_have_text("添付書類（手順4）")
    page.get_by_label("書類の種類").select_option(label="見積書")
    page.get_by_label("ファイル", exact=True).set_input_files(str(estimate_pdf))
    page.get_by_role("button", name="このファイルを添付する").click()
    expect(page.locator(".flash-messages")).to_contain_text("「見積書.pdf」を添付しました。")
    screen(journey, "step4-attached")
    page.get_by_role("button", name="保存して次へ →").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("確認して提出（手順5）")
    expect(page.locator(".submit-form__amount")).to_contain_text("1,000,000円")  # 「300万円」 × 1/3
    line = page.locator(".sheet__lines tbody tr").first
    within_the_screen(line.get_by_text("3,000,000円"))
    within_the_screen(line.get_by_text("屋根の改築工事"))
    screen(journey, "step5-confirm")
    page.get_by_role("button", name="この内容で提出する").click()
    expect(page.locator(".flash-messages")).to_contain_text("提出しました")
    screen(journey, "submitted")
    page.get_by_role("link", name="印刷用の画面").click()
    expect(page.locator(".sheet")).to_contain_text("1,000,000円")
    screen(journey, "print-view")

    journey.finish()
    app = Application.objects.get(
        programme=meeting_hall_programme, association__role_assignments__user=leader_a
    )
    assert app.status == Status.SUBMITTED and app.computed_amount == 1_000_000
    assert app.hall.name == "中央テスト会館" and app.hall.awaiting_check


def test_a_leader_applies_for_the_digital_subsidy_on_a_phone_with_the_keyboard_only(
    new_journey, leader_b, digital_programme, estimate_pdf
):
    journey = new_journey("leader_phone_keyboard", width=WIDTH, height=HEIGHT)
    page = journey.page
    keyboard = page.keyboard

    journey.goto("/accounts/login/?next=/subsidies/", "login")
    assert focused(page)["id"] == "id_username"
    keyboard.type("leader_b")
    keyboard.press("Tab")
    keyboard.type("correct horse battery")
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("補助金の申請")
    screen(journey, "subsidies-home")

    tab_to(page, by_text("町内会デジタル活用促進補助金を申請する"), limit=120)
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("町内会デジタル活用促進補助金")
    screen(journey, "programme-guide")
    tab_to(page, by_text("この補助金を申請する"), limit=120)
    with page.expect_navigation():
        keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("申請する補助金（手順1）")
    expect(page.locator("#id_hall_name")).to_have_count(0)  # no hall for the digital subsidy
    screen(journey, "step1")
    next_step(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("事業の内容（手順2）")
    tab_to(page, by_id("id_purpose"))
    keyboard.type("回覧板をアプリで配る")
    screen(journey, "step2-purpose")
    next_step(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("経費（手順3）")
    live = page.locator("#breakdown-live")
    type_line(page, 0, "回覧板アプリの利用料", "報償費・役務費・委託費", "１２，０００")
    expect(live).to_contain_text("12,000円", timeout=10_000)
    type_line(page, 1, "タブレット", "物品・備品購入費・工事費", "3万円")
    expect(live).to_contain_text("32,000円", timeout=10_000)  # 12,000 + 30,000 × 2/3
    screen(journey, "step3-lines")
    next_step(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("添付書類（手順4）")
    tab_to(page, by_id("id_kind"))
    keyboard.press("Tab")
    assert focused(page)["id"] == "id_file"
    choose_file_with_space(page, estimate_pdf)
    tab_to(page, by_text("このファイルを添付する"))
    with page.expect_navigation():
        keyboard.press("Enter")
    screen(journey, "step4-attached")
    next_step(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("確認して提出（手順5）")
    screen(journey, "step5-confirm")
    tab_to(page, by_text("この内容で提出する"), limit=120)
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.locator(".flash-messages")).to_contain_text("提出しました")
    screen(journey, "submitted")
    tab_to(page, by_text("印刷用の画面"), limit=120)
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.locator(".sheet")).to_contain_text("32,000円")
    screen(journey, "print-view")

    journey.finish()
    app = Application.objects.get(programme=digital_programme, association__role_assignments__user=leader_b)
    assert app.status == Status.SUBMITTED and app.computed_amount == 32_000
