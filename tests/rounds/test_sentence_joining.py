"""Messages made of two sentences read right in each language (issue 13, QA): Japanese runs its
sentences together, English needs a space after the full stop — "(182→600, +229.7%). Enter the
reason in the note.", never "...%).Enter ..."."""

import re

from django.utils import translation
from django.utils.translation import gettext

from chonaikai.associations import rules
from chonaikai.associations.counts import flags
from chonaikai.associations.counts.services.entry import CountChange, entry_row_issues

STUCK = re.compile(r"[.!?)][A-Z]")  # a sentence's end glued to the next one's start


def large_change_message() -> str:
    change = CountChange(association_id=1, households=600, member_households=100, note="", base_version=0)
    (issue,) = entry_row_issues(change, current=None, previous=(182, 100))
    return issue.message


def test_the_grid_s_large_change_message_has_a_space_between_its_sentences_in_english():
    with translation.override("en"):
        message = large_change_message()
    assert "Enter the reason in the note." in message
    assert not STUCK.search(message), message
    with translation.override("ja"):
        message = large_change_message()
    assert "。理由を備考に入力してください。" in message  # Japanese: no space


def test_join_sentences_follows_the_language():
    with translation.override("en"):
        assert flags.join_sentences("One.", "Two.", "Three.") == "One. Two. Three."
    with translation.override("ja"):
        assert flags.join_sentences("一。", "二。") == "一。二。"


def test_the_import_preview_s_messages_join_sentences_the_same_way():
    check = rules.check_count(
        600, 100, previous_households=182, previous_member_households=100, reason="新築"
    )
    flag = check.flag(rules.LARGE_CHANGE_CODE)
    with translation.override("en"):
        reason = gettext("理由: %(reason)s") % {"reason": check.reason}
        explained = flags.join_sentences(flags.flag_message(flag, check), reason)
    assert not STUCK.search(explained) and explained.endswith("Reason: 新築")
