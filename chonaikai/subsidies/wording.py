"""Words for states and actions that name an organisation: the loaded city's, not fixed ones.

The choices in workflow.py keep one fixed label each; the model fields' choices (status_choices,
action_choices: callables, so migrations name no city's word), the pages, e-mails, exports and
messages show these instead, which put in the loaded city's words for
its area and area office (labels(): 区 / 区役所 in a city with wards, 市 / 市役所 where the city is its
own one area) and, where it matters, say what the programme's review path means for the applicant.
"""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy

from chonaikai.cities.current import labels
from chonaikai.cities.texts import labelled

from .workflow import Action, ReviewPath, Status

# The states and actions whose names hold the city's words; the others keep workflow.py's label.
CITY_WORDED_STATES = {Status.UNDER_REVIEW: labelled(gettext_lazy("%(area)sで審査中"))}
CITY_WORDED_ACTIONS = {Action.SEND_BACK: labelled(gettext_lazy("%(area)sへ戻す"))}


def status_label(status: str) -> str:
    """The state in words. 「区で審査中」 is the area office's stage, named with the city's word."""
    return str(CITY_WORDED_STATES.get(status, Status(status).label))


def action_label(action: str) -> str:
    """The action in words. 「区へ戻す」 names the area with the city's word."""
    return str(CITY_WORDED_ACTIONS.get(action, Action(action).label))


def status_choices():
    """The states with their names in the city's words (the choices of Application.status …)."""
    return [(status.value, CITY_WORDED_STATES.get(status, status.label)) for status in Status]


def action_choices():
    """The actions with their names in the city's words (the choices of Transition.action)."""
    return [(action.value, CITY_WORDED_ACTIONS.get(action, action.label)) for action in Action]


def programme_reviewer(programme) -> str:
    """Who checks a programme's applications, in the city's words: the area office (区役所) on an
    area_then_city programme, the city's department in charge on a city_only one."""
    words = labels()
    if programme.review_path == ReviewPath.CITY_ONLY:
        return words.department or gettext("市")
    return words.area_office


def reviewer(application) -> str:
    """Who checks the application (programme_reviewer of its programme)."""
    return programme_reviewer(application.programme)


def status_help(application) -> str:
    """What the application's state means for the association, in plain words (their pages, the
    printout). Who checks it depends on the programme's review path."""
    status = application.status
    if application.programme.review_path == ReviewPath.CITY_ONLY:
        city_only = {
            Status.SUBMITTED: gettext("提出しました。市の確認を待っています。"),
            Status.RETURNED: gettext("市から修正の依頼があります。内容を直して、もう一度提出してください。"),
            Status.FORWARDED: gettext("市で内容を確認・審査しています。"),
        }
        if status in city_only:
            return city_only[status]
    office = {"office": labels().area_office}
    texts = {
        Status.DRAFT: gettext("まだ提出していません。続きを入力して、最後に「提出する」を押してください。"),
        Status.SUBMITTED: gettext("提出しました。%(office)sの確認を待っています。") % office,
        Status.UNDER_REVIEW: gettext("%(office)sで内容を確認しています。") % office,
        Status.RETURNED: gettext(
            "%(office)sから修正の依頼があります。内容を直して、もう一度提出してください。"
        )
        % office,
        Status.FORWARDED: gettext("%(office)sの確認が終わり、市で審査しています。") % office,
        Status.APPROVED: gettext("補助金の交付が決まりました。事業が終わったら「実績報告」をしてください。"),
        Status.REJECTED: gettext("補助金は交付されないことになりました。理由は下に書いてあります。"),
        Status.COMPLETION_REPORTED: gettext("実績報告を受け付けました。市で補助金の額を確定します。"),
        Status.CONFIRMED: gettext("補助金の額が確定しました。支払いまでお待ちください。"),
        Status.PAID: gettext("補助金を支払いました。"),
        Status.WITHDRAWN: gettext("この申請は取り下げました。"),
    }
    return texts[status]


def _area_words() -> dict[str, str]:
    words = labels()
    return {"area": words.area, "office": words.area_office}


def with_area(text_fn) -> str:
    """A lazy text built when shown: `text_fn(words)` gets {"area": …, "office": …} of the loaded city
    (for texts written at import time, such as a page's button labels)."""
    return lazy(lambda: text_fn(_area_words()), str)()
