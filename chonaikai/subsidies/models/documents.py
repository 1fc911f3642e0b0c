"""The documents a programme asks applicants to attach: one list, read by the programme's page
(「添付する書類」) and by the attachment step (the kinds it offers), so that the two never differ."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .applications import Attachment
from .programmes import Programme


class DocumentRequirement(models.Model):
    """One document of a programme: its kind (the attachment kind the applicant chooses) and what it
    must show, in the applicant's words (「経費の内訳がわかるもの」). A city administrator edits the
    rows in the admin, with the programme."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="document_requirements", verbose_name=_("補助制度")
    )
    kind = models.CharField(_("書類の種類"), max_length=20, choices=Attachment.Kind.choices)
    description = models.CharField(
        _("説明"),
        max_length=200,
        blank=True,
        help_text=_("例: 経費の内訳がわかるもの。説明ページに表示します。"),
    )
    position = models.PositiveSmallIntegerField(_("表示順"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "position", "id"]
        verbose_name = _("添付する書類")
        verbose_name_plural = _("添付する書類")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "kind"],
                name="document_requirement_one_per_kind",
                violation_error_message=_("この書類の種類は既に登録されています。"),
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        """「見積書（経費の内訳がわかるもの）」: the kind's name, then what it must show."""
        label = self.get_kind_display()
        if not self.description:
            return str(label)
        return gettext("%(kind)s（%(description)s）") % {"kind": label, "description": self.description}
