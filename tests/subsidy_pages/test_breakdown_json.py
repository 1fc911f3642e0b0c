"""The JSON endpoint the lines page calls while typing: the amount and breakdown of unsaved lines."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def post(client, app, rows):
    data = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0"}
    for i, (description, kind, amount) in enumerate(rows):
        data.update(
            {f"lines-{i}-description": description, f"lines-{i}-kind": kind, f"lines-{i}-amount": amount}
        )
    return client.post(reverse("subsidies:breakdown", args=[app.pk]), data)


def test_it_answers_the_amount_and_breakdown_without_saving(as_user, leader_a, association_a, make_app):
    app = make_app(association_a)
    response = post(
        as_user(leader_a), app, [("講師", "service", "10,000"), ("PC", "goods", "100000"), ("", "", "")]
    )
    assert response.status_code == 200
    data = response.json()
    assert data["amount"] == 76_666  # 10,000 + 66,666 (2/3, rounded down)
    assert data["amount_text"] == "76,666円"
    assert data["cost"] == 110_000
    assert "物品・備品購入費・工事費 100,000円 × 2/3 = 66,666円（1円未満切り捨て）" in data["lines"]
    app.refresh_from_db()
    assert app.computed_amount == 70_000  # unchanged: nothing saved


def test_the_cap_appears_in_the_breakdown(as_user, leader_a, association_a, make_app):
    data = post(as_user(leader_a), make_app(association_a), [("PC", "goods", "900000")]).json()
    assert data["amount"] == 100_000
    assert any("上限額 100,000円 を適用" in line for line in data["lines"])


def test_invalid_lines_answer_400_with_the_message(as_user, leader_a, association_a, make_app):
    response = post(as_user(leader_a), make_app(association_a), [("PC", "goods", "-1")])
    assert response.status_code == 400
    assert response.json() == {
        "message": "1行目: 金額は0円以上で入力してください。",
        "extra": {"errors": ["1行目: 金額は0円以上で入力してください。"]},
    }


def test_it_needs_a_post_and_an_editable_application(as_user, leader_a, association_a, make_app):
    from chonaikai.subsidies.workflow import Status

    client = as_user(leader_a)
    app = make_app(association_a)
    assert client.get(reverse("subsidies:breakdown", args=[app.pk])).status_code == 405
    app.status = Status.SUBMITTED
    app.save(update_fields=["status"])
    assert post(client, app, []).status_code == 404
