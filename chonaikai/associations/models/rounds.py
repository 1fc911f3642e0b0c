"""Survey rounds (調査): the yearly collection of every association's counts, ward by ward."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wards.models import Ward


class SurveyRound(models.Model):
    """One yearly survey: counts as of `survey_date`, submitted by every ward by `deadline`.

    Opened by a city administrator (services.round_open), which creates one WardProgress per ward.
    """

    survey_date = models.DateField(_("調査基準日"), unique=True)
    deadline = models.DateField(_("提出期限"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("開始した人"),
    )
    opened_at = models.DateTimeField(_("開始日時"), auto_now_add=True)

    class Meta:
        ordering = ["-survey_date"]
        verbose_name = _("調査")
        verbose_name_plural = _("調査")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("survey_date")),
                name="survey_round_deadline_not_before_survey_date",
                violation_error_message=_("提出期限は調査基準日以降の日付にしてください。"),
            ),
        ]

    def __str__(self):
        return gettext("%(date)s の調査") % {"date": f"{self.survey_date:%Y-%m-%d}"}


class WardProgress(models.Model):
    """Where one ward stands in a survey round.

    未着手 → 入力中 (the first count of the ward for the survey date is saved) → 提出済み (ward
    staff or a city administrator) → 承認済み (a city administrator; locks the ward's counts for
    the round) or 差し戻し (back to 入力中, with a comment). Changed only by services.rounds, which
    records every transition as an audit event; the last one is copied here for the overview.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未着手")
        IN_PROGRESS = "in_progress", _("入力中")
        SUBMITTED = "submitted", _("提出済み")
        APPROVED = "approved", _("承認済み")

    survey_round = models.ForeignKey(
        SurveyRound, on_delete=models.PROTECT, related_name="progress", verbose_name=_("調査")
    )
    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, related_name="survey_progress", verbose_name=_("%(area)s")
    )
    status = models.CharField(_("状況"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    changed_at = models.DateTimeField(_("最終操作日時"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最終操作者"),
    )
    # Copied, as in audit events, so the overview stays readable after an account is removed.
    changed_by_name = models.CharField(_("最終操作者名"), max_length=150, blank=True)
    comment = models.TextField(_("コメント"), blank=True)
    # The transition that set the status (services.rounds: submit, approve, send_back, withdraw,
    # started), so that 入力中 after the city's 差し戻し reads apart from a fresh 入力中.
    last_action = models.CharField(_("最後の操作"), max_length=12, blank=True)

    SENT_BACK = "send_back"

    class Meta:
        ordering = ["survey_round", "ward__code"]
        verbose_name = _("%(area)sの提出状況")
        verbose_name_plural = _("%(area)sの提出状況")
        constraints = [
            models.UniqueConstraint(fields=["survey_round", "ward"], name="ward_progress_unique_per_round"),
        ]

    def __str__(self):
        return f"{self.ward.name} {self.survey_round.survey_date:%Y-%m-%d}"

    @property
    def sent_back(self) -> bool:
        """入力中 because the city sent the submission back (comment, changed_at and changed_by_name
        are the send-back's until the next transition)."""
        return self.status == self.Status.IN_PROGRESS and self.last_action == self.SENT_BACK

    @property
    def state_label(self) -> str:
        """The status as the ward reads it: 「差し戻し」 for a sent-back 入力中."""
        return _("差し戻し") if self.sent_back else self.get_status_display()


class RoundReminder(models.Model):
    """A reminder mail of a round, recorded so that it is sent once, however often the task runs.

    The row is written (a unique constraint guards races) in the transaction that decides the
    reminder is due; the mail goes out after commit and sets `sent_at` and `recipients`.
    """

    class Kind(models.TextChoices):
        DEADLINE_7 = "deadline_7", _("提出期限の7日前")
        DEADLINE_1 = "deadline_1", _("提出期限の前日")
        LATE = "late", _("提出期限超過（市の管理者あて）")

    survey_round = models.ForeignKey(
        SurveyRound, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("調査")
    )
    # The ward reminded; empty for the late notice, which lists every late ward in one mail.
    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("%(area)s")
    )
    kind = models.CharField(_("種類"), max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    recipients = models.JSONField(_("送信先"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("督促メール")
        verbose_name_plural = _("督促メール")
        constraints = [
            models.UniqueConstraint(
                fields=["survey_round", "ward", "kind"],
                condition=models.Q(ward__isnull=False),
                name="round_reminder_once_per_ward",
            ),
            models.UniqueConstraint(
                fields=["survey_round", "kind"],
                condition=models.Q(ward__isnull=True),
                name="round_reminder_once_per_round",
            ),
        ]

    def __str__(self):
        return f"{self.survey_round} {self.get_kind_display()} {self.ward or ''}".strip()
