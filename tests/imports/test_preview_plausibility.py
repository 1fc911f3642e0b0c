"""The import preview shows 前回 / 今回 / 増減 for every row and applies the grid's plausibility rule.

Issue 13, point 5: the preview showed Python's None, compared nothing with last year, and a typo
93 → 930 was imported without a word.
"""

import pytest

from chonaikai.associations import services
from chonaikai.associations.imports import importer
from chonaikai.associations.models import HouseholdCount
from tests.factories import AssociationFactory, HouseholdCountFactory, ward
from tests.imports.conftest import PREVIOUS, SURVEY, xlsx
from tests.imports.test_import_pages import counts, post_upload, token_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def typo(chuo):
    """円山町内会 had 93 households and 60 members in the previous survey; nothing yet this survey."""
    HouseholdCountFactory(association=chuo[1], survey_date=PREVIOUS, households=93, member_households=60)
    return chuo


TYPO_ROW = ["01101-0002", "円山町内会", 930, 60, ""]


def test_the_preview_never_shows_none_and_shows_the_previous_survey(client, typo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    new_association = AssociationFactory(ward=ward("01101"), code="01101-0003", name="新町内会")
    rows = [TYPO_ROW, [new_association.code, new_association.name, 40, 30, ""]]
    html = client.get(f"/import/{token_of(post_upload(client, xlsx(rows)))}/").content.decode()
    assert "None" not in html
    assert "前回" in html and "今回" in html and "増減" in html and "前回比" in html
    assert ">93<" in html and ">930<" in html and ">+837<" in html and "+900.0%" in html
    assert "未入力" in html  # no count this survey yet, and no previous count for 新町内会


def test_a_typo_93_to_930_is_flagged_and_not_imported_without_a_reason(client, typo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    token = token_of(post_upload(client, xlsx([TYPO_ROW])))
    html = client.get(f"/import/{token}/").content.decode()
    assert "前回調査から20%を超えて変わっています" in html
    assert "区域内世帯数（93→930、+900.0%）" in html
    assert "取り込みを確定する" not in html
    client.post(f"/import/{token}/")  # a forged commit
    assert ("01101-0002", SURVEY) not in counts()


def test_the_row_s_note_explains_a_large_change(client, typo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    token = token_of(post_upload(client, xlsx([["01101-0002", "円山町内会", 930, 60, "大型マンション完成"]])))
    html = client.get(f"/import/{token}/").content.decode()
    assert "前回調査から20%を超えて変わっています" in html and "取り込みを確定する" in html
    client.post(f"/import/{token}/")
    assert counts()[("01101-0002", SURVEY)] == (930, 60)


def test_the_import_reason_explains_a_large_change(client, typo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    token = token_of(post_upload(client, xlsx([TYPO_ROW])))
    html = client.get(f"/import/{token}/").content.decode()
    assert 'name="reason"' in html  # the page asks for the import's reason
    client.post(f"/import/{token}/", {"action": "reason", "reason": "区画整理で区域が広がった"})
    html = client.get(f"/import/{token}/").content.decode()
    assert "取り込みを確定する" in html
    client.post(f"/import/{token}/")
    assert counts()[("01101-0002", SURVEY)] == (930, 60)


def test_members_above_households_in_a_file_are_refused(client, typo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    token = token_of(post_upload(client, xlsx([["01101-0002", "円山町内会", 90, 95, "事業所を含む"]])))
    html = client.get(f"/import/{token}/").content.decode()
    assert "上回っています" in html and "取り込みを確定する" not in html
    client.post(f"/import/{token}/")
    assert ("01101-0002", SURVEY) not in counts()


def test_a_count_already_held_is_not_held_to_the_checks_again(typo, ward_staff_chuo):
    """As on the grid: a count whose figures do not change is shown with its flags but not refused."""
    HouseholdCount.objects.create(
        association=typo[1], survey_date=SURVEY, households=930, member_households=60, version=1
    )
    parsed = importer.parse_tables(importer.read_tables(xlsx([TYPO_ROW]), "f.xlsx"))
    preview = importer.check_rows(parsed, survey_date=SURVEY, actor=ward_staff_chuo)
    (row,) = preview.rows
    assert row.check.codes == ("large_change",)
    assert not preview.has_errors
    assert row.status == importer.RowStatus.UNCHANGED


def test_the_commit_checks_again_whatever_the_preview_said(typo, ward_staff_chuo):
    with pytest.raises(services.CountsImportRejected):
        services.counts_import_file(
            actor=ward_staff_chuo, data=xlsx([TYPO_ROW]), filename="f.xlsx", survey_date=SURVEY
        )
    assert ("01101-0002", SURVEY) not in counts()


def test_the_import_result_leads_on_to_submitting(client, chuo, ward_staff_chuo):
    import datetime as dt

    from django.urls import reverse

    client.force_login(ward_staff_chuo)
    token = token_of(post_upload(client, xlsx([["01101-0002", "円山町内会", 200, 150, ""]])))
    result = client.get(client.post(f"/import/{token}/")["Location"]).content.decode()
    assert "提出へ進む" not in result  # no round for the survey date: nothing to submit to

    services.round_open(actor=None, survey_date=SURVEY, deadline=dt.date(2025, 2, 28))
    token = token_of(post_upload(client, xlsx([["01101-0002", "円山町内会", 201, 150, ""]])))
    result = client.get(client.post(f"/import/{token}/")["Location"]).content.decode()
    submission = reverse(
        "associations:count_submission", kwargs={"survey_date": SURVEY.isoformat(), "ward_code": "01101"}
    )
    assert "提出へ進む" in result and submission in result
