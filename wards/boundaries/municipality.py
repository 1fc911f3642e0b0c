"""The municipality whose areas boundary files are matched to: one place to read it.

It reads the loaded city profile (chonaikai.cities.current.city()). The prefecture comes from the code's first two digits (JIS X 0401).
"""

from __future__ import annotations

from dataclasses import dataclass

from chonaikai.cities.current import city

# JIS X 0401 prefecture codes 01…47, in order (national facts, not any one city's).
PREFECTURES = (
    (
        "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 "  # i18n: data
        "新潟県 富山県 石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 "  # i18n: data
        "奈良県 和歌山県 鳥取県 島根県 岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 "  # i18n: data
        "熊本県 大分県 宮崎県 鹿児島県 沖縄県"  # i18n: data
    ).split()
)


@dataclass(frozen=True)
class Municipality:
    code: str  # 5-digit local-government code, e.g. a designated city's XX100
    name: str  # its official name as boundary files write it (N03_003 for a designated city)

    @property
    def prefecture(self) -> str:
        number = int(self.code[:2]) if self.code[:2].isdigit() else 0
        return PREFECTURES[number - 1] if 1 <= number <= len(PREFECTURES) else ""


def loaded_municipality() -> Municipality:
    """The municipality this database holds (its profile, loaded by load_city)."""
    current = city()
    return Municipality(code=current.code, name=current.name)
