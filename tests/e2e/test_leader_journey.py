"""Journey 2, an association's leader: the digital-use subsidy (町内会デジタル活用促進補助金) from the
first step to the printable form — two expense lines of different kinds with the amount following
them as they are typed, a small PDF attached, submitted, printed. Then the same journey with the
keyboard only (Tab, Shift+Tab, Enter, Space, arrows and typing) for another association: one
digital application per association and year. axe-core checks every page on the way."""

import re

import pytest

from chonaikai.subsidies.models import Application
from chonaikai.subsidies.workflow import Status

from .harness import (
    BROWSER_TEST,
    by_id,
    by_text,
    choose_file_with_space,
    date_field_order,
    focused,
    log_in,
    tab_to,
    type_date,
)

pytestmark = BROWSER_TEST

PURPOSE = "町内会のホームページを作り、回覧板の内容を載せる"
PDF = b"%PDF-1.4\n%test\n" + b"0" * 200


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def estimate_pdf(tmp_path):
    path = tmp_path / "見積書.pdf"
    path.write_bytes(PDF)
    return path


def test_a_leader_applies_for_the_digital_subsidy_and_prints_the_form(
    new_journey, leader_a, digital_programme, estimate_pdf
):
    journey = new_journey("leader")
    page = journey.page

    log_in(journey, "leader_a")
    expect(page.get_by_role("heading", level=1)).to_have_text("あなたのやること")
    journey.step("start")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="補助金").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("補助金の申請")
    journey.step("subsidies-home")

    # The programme's page (rates, examples, cap, worked example, whom to ask), then step 1, which
    # does not ask for the programme again. 2. purpose and dates.
    page.get_by_role("link", name="町内会デジタル活用促進補助金を申請する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("町内会デジタル活用促進補助金")
    expect(page.get_by_text("クラウドサービス", exact=False)).to_be_visible()
    journey.step("programme-guide")
    page.get_by_role("link", name="この補助金を申請する").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申請する補助金（手順1）")
    expect(page.locator('input[type="radio"]')).to_have_count(0)
    journey.step("step1-programme")
    page.get_by_role("button", name="保存して次へ →").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("事業の内容（手順2）")
    page.get_by_label(re.compile("事業の目的・内容")).fill(PURPOSE)
    page.get_by_label("事業開始予定日").fill("2026-12-01")
    page.get_by_label("事業完了予定日").fill("2027-02-28")
    journey.step("step2-purpose")
    page.get_by_role("button", name="保存して次へ →").click()

    # 3. Two lines of different kinds; the amount follows as they are typed (nothing saved yet).
    expect(page.get_by_role("heading", level=1)).to_have_text("経費（手順3）")
    live = page.locator("#breakdown-live")
    expect(live).to_contain_text("0円")
    page.get_by_label("1行目 内容").fill("講師謝礼（スマホ教室）")
    page.get_by_label("1行目 経費の種類").select_option(label="報償費・役務費・委託費")
    page.get_by_label("1行目 金額（円）").fill("30000")
    expect(live).to_contain_text("30,000円", timeout=10_000)
    page.get_by_label("2行目 内容").fill("タブレット")
    page.get_by_label("2行目 経費の種類").select_option(label="物品・備品購入費・工事費")
    # A slip of the finger: a negative amount is refused as it is typed, and again when saved,
    # with the message tied to its field and the summary (which takes the focus) linking to it.
    amount = page.get_by_label("2行目 金額（円）")
    amount.fill("-60000")
    expect(live).to_contain_text("0円以上", timeout=10_000)
    page.get_by_role("button", name="保存して次へ →").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("金額は0円以上で入力してください。")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_attribute("aria-describedby", "id_lines-1-amount_error")
    expect(page.locator("#id_lines-1-amount_error")).to_contain_text("金額は0円以上で入力してください。")
    expect(page.get_by_label("1行目 内容")).to_have_value("講師謝礼（スマホ教室）")  # nothing typed is lost
    journey.step("step3-lines-error")
    summary.get_by_role("link").first.click()
    expect(amount).to_be_focused()

    amount.fill("60,000")
    expect(live).to_contain_text("70,000円", timeout=10_000)
    expect(live).to_contain_text("物品・備品購入費・工事費 60,000円 × 2/3 = 40,000円")
    expect(live).to_contain_text("まだ保存していません")
    journey.step("step3-lines-live-amount")
    page.get_by_role("button", name="保存して次へ →").click()

    # 4. A small PDF.
    expect(page.get_by_role("heading", level=1)).to_have_text("添付書類（手順4）")
    page.get_by_label("書類の種類").select_option(label="見積書")
    page.get_by_label("ファイル", exact=True).set_input_files(str(estimate_pdf))
    page.get_by_role("button", name="このファイルを添付する").click()
    expect(page.locator(".flash-messages")).to_contain_text("「見積書.pdf」を添付しました。")
    expect(page.get_by_role("link", name="見積書.pdf")).to_be_visible()
    journey.step("step4-attached")
    page.get_by_role("button", name="保存して次へ →").click()

    # 5. Confirm and submit.
    expect(page.get_by_role("heading", level=1)).to_have_text("確認して提出（手順5）")
    expect(page.locator(".submit-form__amount")).to_contain_text("70,000円")
    journey.step("step5-confirm")
    page.get_by_role("button", name="この内容で提出する").click()
    expect(page.locator(".flash-messages")).to_contain_text("提出しました")
    expect(page.locator(".status-panel")).to_contain_text("提出済み")
    journey.step("submitted")

    # The printable form, on screen and as printed.
    page.get_by_role("link", name="印刷用の画面").click()
    expect(page.locator(".sheet")).to_contain_text("町内会デジタル活用促進補助金 交付申請書")
    expect(page.locator(".sheet")).to_contain_text("70,000円")
    expect(page.get_by_role("button", name="印刷する")).to_be_visible()
    journey.step("print-screen")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    journey.step("print-media", audit=False)  # the same page, as the printer gets it
    page.emulate_media(media="screen")

    journey.finish()
    app = Application.objects.get(association__code=leader_a.role_assignments.get().association.code)
    assert app.status == Status.SUBMITTED and app.computed_amount == 70_000
    assert app.attachments.get().original_name == "見積書.pdf"


def test_a_leader_applies_with_the_keyboard_only(new_journey, leader_b, digital_programme, estimate_pdf):
    journey = new_journey("leader_keyboard")
    page = journey.page
    keyboard = page.keyboard

    # Log in: the user name field has the focus when the page opens; type, Tab, type, Enter.
    journey.goto("/accounts/login/?next=/subsidies/", "login")
    assert focused(page)["id"] == "id_username"
    keyboard.type("leader_b")
    keyboard.press("Tab")
    assert focused(page)["id"] == "id_password"
    keyboard.type("correct horse battery")
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("補助金の申請")
    journey.step("subsidies-home")

    # The first Tab reaches the skip link; Enter skips the menus. Then Tab to the programme's link.
    first = tab_to(page, lambda e: True)
    assert first["text"] == "本文へ移動", first
    keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    tab_to(page, by_text("町内会デジタル活用促進補助金を申請する"))
    with page.expect_navigation():
        keyboard.press("Enter")

    # The programme's page, then 1. step 1: the programme is the page's, not chosen again.
    journey.step("programme-guide")
    tab_to(page, by_text("この補助金を申請する"))
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("申請する補助金（手順1）")
    journey.step("step1-programme")
    next_step(page)

    # 2. Purpose and dates, typed.
    expect(page.get_by_role("heading", level=1)).to_have_text("事業の内容（手順2）")
    tab_to(page, by_id("id_purpose"))
    keyboard.type(PURPOSE)
    keyboard.press("Tab")
    assert focused(page)["id"] == "id_planned_start"
    order = date_field_order(page.context)
    type_date(page, "2026-12-01", order)
    tab_to(page, by_id("id_planned_end"))
    type_date(page, "2027-02-28", order)
    expect(page.locator("#id_planned_start")).to_have_value("2026-12-01")
    expect(page.locator("#id_planned_end")).to_have_value("2027-02-28")
    journey.step("step2-purpose")
    next_step(page)

    # 3. Two lines: type, choose the kind with the arrow keys, type the amount.
    expect(page.get_by_role("heading", level=1)).to_have_text("経費（手順3）")
    live = page.locator("#breakdown-live")
    type_line(page, 0, "講師謝礼（スマホ教室）", "報償費・役務費・委託費", "30000")
    expect(live).to_contain_text("30,000円", timeout=10_000)
    type_line(page, 1, "Wi-Fiルーター", "物品・備品購入費・工事費", "15000")
    expect(live).to_contain_text("40,000円", timeout=10_000)  # 30,000 + 15,000 × 2/3
    journey.step("step3-lines-live-amount")
    # Shift+Tab goes back to the first amount; correcting it updates the amount again.
    tab_to(page, by_id("id_lines-0-amount"), backwards=True)
    keyboard.press("Control+A")
    keyboard.type("36000")
    expect(live).to_contain_text("46,000円", timeout=10_000)
    next_step(page)

    # 4. The PDF: Space on the file field opens the file chooser, as it does for a person.
    expect(page.get_by_role("heading", level=1)).to_have_text("添付書類（手順4）")
    kind = tab_to(page, by_id("id_kind"))
    assert kind["value"] == "estimate"  # 見積書 comes first
    keyboard.press("Tab")
    assert focused(page)["id"] == "id_file"
    choose_file_with_space(page, estimate_pdf)
    tab_to(page, by_text("このファイルを添付する"))
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.locator(".flash-messages")).to_contain_text("「見積書.pdf」を添付しました。")
    journey.step("step4-attached")
    next_step(page)

    # 5. Confirm and submit with Space on the button.
    expect(page.get_by_role("heading", level=1)).to_have_text("確認して提出（手順5）")
    expect(page.locator(".submit-form__amount")).to_contain_text("46,000円")
    journey.step("step5-confirm")
    tab_to(page, by_text("この内容で提出する"))
    with page.expect_navigation():
        keyboard.press("Space")
    expect(page.locator(".flash-messages")).to_contain_text("提出しました")
    journey.step("submitted")

    # The printable form, by its link.
    tab_to(page, by_text("印刷用の画面"))
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page.locator(".sheet")).to_contain_text("46,000円")
    journey.step("print-screen")

    journey.finish()
    app = Application.objects.get(association__code=leader_b.role_assignments.get().association.code)
    assert app.status == Status.SUBMITTED and app.computed_amount == 46_000
    assert [line.description for line in app.lines.order_by("position")] == [
        "講師謝礼（スマホ教室）",
        "Wi-Fiルーター",
    ]


def next_step(page) -> None:
    """Tab to 「保存して次へ →」 and press Enter."""
    tab_to(page, by_text("保存して次へ →"))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_line(page, index: int, description: str, kind: str, amount: str) -> None:
    keyboard = page.keyboard
    tab_to(page, by_id(f"id_lines-{index}-description"))
    keyboard.type(description)
    keyboard.press("Tab")
    select = page.locator(f"#id_lines-{index}-kind")
    assert focused(page)["id"] == f"id_lines-{index}-kind"
    for _ in range(10):  # the arrow keys change a closed select's choice
        if select.evaluate("s => s.options[s.selectedIndex].text") == kind:
            break
        keyboard.press("ArrowDown")
    else:
        raise AssertionError(f"no kind {kind!r} in the select")
    keyboard.press("Tab")
    assert focused(page)["id"] == f"id_lines-{index}-amount"
    keyboard.type(amount)


def test_the_amount_follows_lines_typed_before_the_pages_script_has_run(
    new_journey, leader_a, digital_programme
):
    """subsidies.js is deferred: on a slow line a leader types before it runs. Hold the script back
    while the first line is typed; once it runs, it computes from what is already in the form
    (before, the live amount stayed at 0円 until the next keystroke — a flaky journey on CI)."""
    journey = new_journey("leader_slow_script")
    page = journey.page
    log_in(journey, "leader_a")
    page.goto(journey.url("/subsidies/"))
    page.get_by_role("link", name="町内会デジタル活用促進補助金を申請する").click()
    page.get_by_role("link", name="この補助金を申請する").first.click()
    page.get_by_role("button", name="保存して次へ →").click()
    page.get_by_label(re.compile("事業の目的・内容")).fill(PURPOSE)
    page.get_by_label("事業開始予定日").fill("2026-12-01")
    page.get_by_label("事業完了予定日").fill("2027-02-28")

    held = []
    page.route("**/js/subsidies.js", lambda route: held.append(route))
    page.get_by_role("button", name="保存して次へ →").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("経費（手順3）")
    page.get_by_label("1行目 内容").fill("講師謝礼（スマホ教室）")
    page.get_by_label("1行目 経費の種類").select_option(label="報償費・役務費・委託費")
    page.get_by_label("1行目 金額（円）").fill("30000")
    assert len(held) == 1, "the step's script should have been held back"
    page.unroute("**/js/subsidies.js")
    held[0].continue_()
    expect(page.locator("#breakdown-live")).to_contain_text("30,000円", timeout=10_000)
