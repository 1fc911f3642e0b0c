"""Geography: the city's first-level areas (Ward: 区, or the whole city, or its 地区 / 支所), the districts
between an area and its associations (none in some cities), and the areas' registry household totals.

The words the screens use for each level are the loaded city's (chonaikai.cities.current.labels);
the verbose names here are the generic ones the admin and the migrations use.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

ward_code_validator = RegexValidator(r"^\d{5}$", _("5桁の数字で入力してください（例: 12345）。"))


class Ward(models.Model):
    """A ward (区) of the city, identified by its 5-digit national local-government code."""

    code = models.CharField(_("%(area)sコード"), max_length=5, unique=True, validators=[ward_code_validator])
    name = models.CharField(_("%(area)s名"), max_length=40)
    kana = models.CharField(_("よみがな"), max_length=80)
    romaji = models.CharField(_("ローマ字"), max_length=80)
    established_on = models.DateField(_("設置日"), null=True, blank=True)
    area_km2 = models.DecimalField(_("面積（km²）"), max_digits=8, decimal_places=2, null=True, blank=True)
    # The ward office (区役所) people are told to ask: its name, address and telephone, as published.
    office_name = models.CharField(_("%(area_office)sの名称"), max_length=80, blank=True)
    office_address = models.CharField(_("%(area_office)sの所在地"), max_length=200, blank=True)
    office_phone = models.CharField(_("%(area_office)sの電話番号"), max_length=20, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("%(area)s")
        verbose_name_plural = _("%(area)s")

    def __str__(self):
        return self.name


def first_ward_code() -> str | None:
    """The smallest area code, the example the city's texts show (chonaikai.cities.texts); None
    before any area is loaded."""
    return Ward.objects.order_by("code").values_list("code", flat=True).first()


class District(models.Model):
    """A district between a ward and its associations (the profile names the level); each belongs to one ward."""

    code = models.CharField(_("地区コード"), max_length=20, unique=True)
    name = models.CharField(_("地区名"), max_length=80)
    kana = models.CharField(_("よみがな"), max_length=160, blank=True)
    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, related_name="districts", verbose_name=_("%(area)s")
    )
    is_sample = models.BooleanField(_("サンプルデータ"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("地区")
        verbose_name_plural = _("地区")

    def __str__(self):
        return self.name


class WardTotal(models.Model):
    """住民基本台帳世帯数: the registry household count of a ward on a survey date, when the city has it.

    It is a different denominator from the households in the associations' areas; rates based on it
    are always shown labelled as registry-based.
    """

    ward = models.ForeignKey(
        Ward, on_delete=models.PROTECT, related_name="totals", verbose_name=_("%(area)s")
    )
    survey_date = models.DateField(_("調査基準日"))
    registry_households = models.PositiveIntegerField(_("住民基本台帳世帯数"))
    source = models.CharField(_("出典"), max_length=300, blank=True)

    class Meta:
        ordering = ["survey_date", "ward__code"]
        verbose_name = _("%(area)sの住民基本台帳世帯数")
        verbose_name_plural = _("%(area)sの住民基本台帳世帯数")
        constraints = [
            models.UniqueConstraint(fields=["ward", "survey_date"], name="ward_total_unique_per_date"),
            models.CheckConstraint(
                condition=models.Q(registry_households__gte=0), name="ward_total_households_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.ward} {self.survey_date:%Y-%m-%d}"


class Boundary(models.Model):
    """An area's boundary from an official boundary file, as GeoJSON text in EPSG:4326.

    Text, not a spatial column, so the project needs no GIS system libraries. `geometry` keeps the
    file's full resolution for exports; `simplified` is computed once at import by topology-aware
    coverage simplification (shared borders simplified once, so neighbouring areas never gap or
    overlap) with coordinates rounded to 5 decimals, and is what web maps draw.
    """

    geometry = models.TextField(_("境界（GeoJSON、原寸）"))
    simplified = models.TextField(_("境界（GeoJSON、Web表示用に簡略化）"))
    source_file = models.CharField(_("取込元ファイル"), max_length=255)
    feature_count = models.PositiveIntegerField(_("統合した地物数"), default=1)
    attribution = models.CharField(_("出典表記"), max_length=500, blank=True)
    imported_at = models.DateTimeField(_("取込日時"))

    class Meta:
        abstract = True


class WardBoundary(Boundary):
    """A ward's boundary (see Boundary)."""

    ward = models.OneToOneField(
        Ward, on_delete=models.CASCADE, related_name="boundary", verbose_name=_("%(area)s")
    )

    class Meta:
        ordering = ["ward__code"]
        verbose_name = _("%(area)sの境界")
        verbose_name_plural = _("%(area)sの境界")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(feature_count__gte=1), name="ward_boundary_feature_count_positive"
            ),
        ]

    def __str__(self):
        return f"{self.ward} ({self.source_file})"


class AreaBoundary(Boundary):
    """The area of a district or of an association, from a boundary file.

    Stored as a ward's is (Boundary: GeoJSON text, full resolution and coverage-simplified), one
    row per (level, code). `code` is the District's or the Association's code rather than a foreign key:
    associations live in an app that depends on this one, and a boundary whose area has gone (a
    dissolved association, a renumbered district) is simply not drawn, as a ward boundary whose
    ward is gone is not. Re-importing a level replaces all of that level's rows in one transaction.
    """

    class Level(models.TextChoices):
        DISTRICT = "district", _("地区")
        ASSOCIATION = "association", _("町内会")

    level = models.CharField(_("区分"), max_length=20, choices=Level.choices)
    code = models.CharField(_("コード"), max_length=20)

    class Meta:
        ordering = ["level", "code"]
        verbose_name = _("地区・町内会の区域の境界")
        verbose_name_plural = _("地区・町内会の区域の境界")
        constraints = [
            # Also the index of every read: one level's boundaries, in code order.
            models.UniqueConstraint(fields=["level", "code"], name="area_boundary_unique_per_level"),
            models.CheckConstraint(
                condition=models.Q(level__in=["district", "association"]), name="area_boundary_level_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(feature_count__gte=1), name="area_boundary_feature_count_positive"
            ),
        ]
        indexes = [
            # The maps' cache keys read the newest id of a level (every import writes new rows).
            models.Index(fields=["level", "id"], name="area_boundary_level_id"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.code} ({self.source_file})"
