"""Invented vocabulary for the sample data: place names and association names in kanji with their
readings, unique across the city. Nothing here is a real name; every generated name also carries
「（サンプル）」 (chonaikai.demo.associations).
"""

from __future__ import annotations

import random

from .dataset import SampleDataError

PLACE_HEADS = [
    ("桜", "さくら"), ("若葉", "わかば"), ("緑", "みどり"), ("旭", "あさひ"), ("栄", "さかえ"),
    ("光", "ひかり"), ("青葉", "あおば"), ("曙", "あけぼの"), ("泉", "いずみ"), ("柏", "かしわ"),
    ("北斗", "ほくと"), ("白樺", "しらかば"), ("楓", "かえで"), ("松", "まつ"), ("梅", "うめ"),
    ("菊", "きく"), ("藤", "ふじ"), ("鈴蘭", "すずらん"), ("東雲", "しののめ"), ("星", "ほし"),
    ("月見", "つきみ"), ("花", "はな"), ("富士見", "ふじみ"), ("日の出", "ひので"), ("朝霧", "あさぎり"),
    ("虹", "にじ"), ("雪", "ゆき"), ("空", "そら"), ("稲穂", "いなほ"), ("百合", "ゆり"),
    ("銀杏", "いちょう"), ("楡", "にれ"), ("椿", "つばき"), ("萩", "はぎ"), ("葵", "あおい"),
    ("翠", "みどり"), ("清水", "しみず"), ("大空", "おおぞら"), ("明星", "みょうじょう"), ("若草", "わかくさ"),
]  # fmt: skip
PLACE_TAILS = [
    ("が丘", "がおか"), ("台", "だい"), ("町", "まち"), ("野", "の"), ("川", "かわ"), ("沢", "さわ"),
    ("原", "はら"), ("里", "さと"), ("山", "やま"), ("通", "どおり"), ("の森", "のもり"), ("坂", "ざか"),
]  # fmt: skip
# Put before a place name once every plain place name is taken (a city with many districts).
PLACE_PREFIXES = [
    ("新", "しん"),
    ("東", "ひがし"),
    ("西", "にし"),
    ("南", "みなみ"),
    ("北", "きた"),
    ("上", "かみ"),
]
MODIFIERS = [
    ("", ""), ("", ""), ("東", "ひがし"), ("西", "にし"), ("南", "みなみ"), ("北", "きた"),
    ("中央", "ちゅうおう"), ("本通", "ほんどおり"), ("第一", "だいいち"), ("第二", "だいに"),
    ("第三", "だいさん"), ("第四", "だいよん"), ("第五", "だいご"), ("1条", "いちじょう"),
    ("2条", "にじょう"), ("3条", "さんじょう"), ("4条", "よじょう"), ("5条", "ごじょう"),
    ("6条", "ろくじょう"), ("団地", "だんち"), ("新町", "しんまち"), ("緑町", "みどりちょう"),
]  # fmt: skip
KINDS = [("町内会", "ちょうないかい", 70), ("自治会", "じちかい", 22), ("住民会", "じゅうみんかい", 8)]
GIVEN_NAMES = ["太郎", "花子", "一郎", "次郎", "三郎", "桜子", "良子", "健一", "和子", "正男"]
FEDERATION_MODIFIERS = [("", ""), ("東", "ひがし"), ("西", "にし"), ("南", "みなみ"), ("北", "きた")]
# Readings of the words cities use for federations (the profile's labels.federation). A word not
# listed here still names the sample federations; their reading then has the place name only.
FEDERATION_KANA = {
    "連合町内会": "れんごうちょうないかい",
    "町内会連合会": "ちょうないかいれんごうかい",
    "自治会連合会": "じちかいれんごうかい",
    "連合自治会": "れんごうじちかい",
    "連合会": "れんごうかい",
    "市民委員会": "しみんいいんかい",
    "地区連合会": "ちくれんごうかい",
}


class NameMaker:
    """Invented place names and association names, unique across the city."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.places: set[str] = set()
        self.names: set[str] = set()

    def place(self) -> tuple[str, str]:
        plain = len(PLACE_HEADS) * len(PLACE_TAILS)
        if len(self.places) >= plain * len(PLACE_PREFIXES):
            raise SampleDataError("サンプルの地名が足りません（地区・連合組織が多すぎます）。")
        while True:
            prefix, prefix_kana = ("", "") if len(self.places) < plain else self.rng.choice(PLACE_PREFIXES)
            head, head_kana = self.rng.choice(PLACE_HEADS)
            tail, tail_kana = self.rng.choice(PLACE_TAILS)
            if prefix + head + tail not in self.places:
                self.places.add(prefix + head + tail)
                return prefix + head + tail, prefix_kana + head_kana + tail_kana

    def association(self, district_place: tuple[str, str]) -> tuple[str, str]:
        kinds = [k[:2] for k in KINDS]
        kind_weights = [k[2] for k in KINDS]
        for attempt in range(1000):
            place, place_kana = district_place
            if self.rng.random() < 0.5:
                head, head_kana = self.rng.choice(PLACE_HEADS)
                tail, tail_kana = self.rng.choice(PLACE_TAILS)
                place, place_kana = head + tail, head_kana + tail_kana
            mod, mod_kana = self.rng.choice(MODIFIERS)
            kind, kind_kana = self.rng.choices(kinds, kind_weights)[0]
            name, kana = f"{place}{mod}{kind}", f"{place_kana}{mod_kana}{kind_kana}"
            if attempt > 100:  # vanishingly rare: number it
                name, kana = f"{place}第{attempt}{kind}", f"{place_kana}だい{attempt}{kind_kana}"
            if name not in self.names:
                self.names.add(name)
                return name, kana
        raise RuntimeError("could not invent a unique association name")
