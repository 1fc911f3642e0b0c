"""The municipality this database serves, as loaded from its profile (cities/<name>/city.toml).

One row at most: one database holds one municipality (load_city refuses a second). Everything that
differs from one city to another and is not an area, a target or a programme lives here: identity,
the words for the levels, how association codes are written, the survey date, the publication
threshold and the department in charge. Code reads it through chonaikai.cities.current.city().
"""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

municipality_code_validator = RegexValidator(r"^[0-9]{5}$", _("市町村コードは5桁の数字です。"))


class City(models.Model):
    code = models.CharField(
        _("市町村コード"),
        max_length=5,
        unique=True,
        validators=[municipality_code_validator],
        help_text=_("全国地方公共団体コード（検査数字を除く5桁）"),
    )
    name = models.CharField(_("市町村名"), max_length=40)
    kana = models.CharField(_("よみがな"), max_length=80, blank=True)
    romaji = models.CharField(_("ローマ字"), max_length=80, blank=True)
    prefecture = models.CharField(_("都道府県"), max_length=10)
    source = models.CharField(_("出典"), max_length=500, blank=True)

    # The words the screens use for this city's levels.
    area_label = models.CharField(_("第1階層の呼び方"), max_length=20, help_text=_("区、地区、支所、市など"))
    area_office_label = models.CharField(_("第1階層の窓口の呼び方"), max_length=20)
    district_label = models.CharField(_("地区の呼び方"), max_length=40, blank=True)
    federation_label = models.CharField(_("連合組織の呼び方"), max_length=40)
    # The same words in English, where the profile gives them ([labels.en]); empty: the catalogue's
    # English for a common word (区 → ward), else the Japanese word.
    labels_en = models.JSONField(_("呼び方（英語）"), default=dict, blank=True)

    association_number_digits = models.PositiveSmallIntegerField(
        _("町内会コードの番号の桁数"), default=4, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    survey_month = models.PositiveSmallIntegerField(
        _("調査基準日（月）"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    survey_day = models.PositiveSmallIntegerField(
        _("調査基準日（日）"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    publication_min_households = models.PositiveIntegerField(_("公表する最小世帯数"), default=20)

    department_name = models.CharField(_("担当部署"), max_length=120)
    department_short_name = models.CharField(_("担当部署（略称）"), max_length=40)
    department_phone = models.CharField(_("担当部署の電話番号"), max_length=20, blank=True)
    department_email = models.EmailField(_("担当部署のメールアドレス"), blank=True)
    department_address = models.CharField(_("担当部署の所在地"), max_length=200, blank=True)

    # The city's plan whose outcome indicators the plan page follows (plan.toml [plan]); optional.
    plan_name = models.CharField(_("計画の名称"), max_length=200, blank=True)
    # Its English name, where the city publishes one ([plan] name_en); empty: English pages show plan_name.
    plan_name_en = models.CharField(_("計画の名称（英語）"), max_length=200, blank=True)
    plan_first_fiscal_year = models.PositiveSmallIntegerField(_("計画の初年度"), null=True, blank=True)
    plan_last_fiscal_year = models.PositiveSmallIntegerField(_("計画の最終年度"), null=True, blank=True)
    plan_source = models.CharField(_("計画の出典"), max_length=500, blank=True)

    profile = models.CharField(_("プロファイル"), max_length=200, help_text=_("読み込んだフォルダ"))
    profile_digest = models.CharField(_("プロファイルのハッシュ"), max_length=64)
    loaded_at = models.DateTimeField(_("読み込み日時"))

    class Meta:
        verbose_name = _("市町村")
        verbose_name_plural = _("市町村")

    def __str__(self):
        return self.name

    @property
    def has_districts(self) -> bool:
        return bool(self.district_label)

    @property
    def plan_title(self) -> str:
        """The plan's name in the active language: its English name on English pages where the profile
        gives one, else the name the city writes."""
        from django.utils.translation import get_language

        if self.plan_name_en and (get_language() or "").startswith("en"):
            return self.plan_name_en
        return self.plan_name
