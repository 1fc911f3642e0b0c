"""OpenAPI documentation of the register's endpoints (associations): summaries, descriptions and a
fictional city's examples."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema_view

from chonaikai.cities.texts import labelled

from ..counts.serializers import CountHistorySerializer
from ..fields import SURVEY_DATE_SCHEMA
from ..schema import ASSOCIATIONS_TAG, COUNTS_TAG, tagged
from .serializers import (
    AssociationCreateSerializer,
    AssociationSerializer,
    AssociationValuesSerializer,
    DissolveInputSerializer,
    MergeInputSerializer,
)

operation = tagged(ASSOCIATIONS_TAG)

ASSOCIATION_EXAMPLE = OpenApiExample(  # i18n: data (a fictional city's sample values)
    gettext_lazy("町内会"),
    value={
        "code": "12345-0001",
        "name": "さくら町内会",
        "kana": "さくらちょうないかい",
        "ward": "12345",
        "ward_name": "〇〇区",
        "district": "12345-D01",
        "district_name": "さくら地区",
        "federation": "12345-F001",
        "federation_name": "さくら連合町内会",
        "status": "active",
        "status_label": "活動中",
        "founded_on": "1965-04-01",
        "ended_on": None,
        "successor": None,
        "is_authorized_body": True,
        "hall_latitude": None,
        "hall_longitude": None,
        "is_sample": False,
        "latest_count": {
            "survey_date": "2025-01-01",
            "households": 210,
            "member_households": 147,
            "rate": 70.0,
            "suppressed": False,
        },
        "personal_data": None,
    },
    response_only=True,
)

VIEWSET = extend_schema_view(
    list=operation(
        summary=gettext_lazy("町内会・自治会の一覧"),
        description=labelled(
            gettext_lazy(
                "%(area)s（ward）・地区（district）・連合町内会（federation）のコード、状態（status）で絞り込み、"
                "q で名称・よみがなを検索します（ひらがな・カタカナ、全角・半角を区別しません）。"
                "代表者・連絡先（personal_data）は閲覧できる利用者にだけ返し、ほかは null です。"
            )
        ),
        examples=[ASSOCIATION_EXAMPLE],
    ),
    retrieve=operation(
        summary=gettext_lazy("町内会・自治会（町内会コードで指定）"),
        description=labelled(
            gettext_lazy(
                "町内会・自治会の台帳（公開情報）。町内会コード（例: %(association_code)s）で指定します。"
            )
        ),
        examples=[ASSOCIATION_EXAMPLE],
    ),
)

COUNTS = tagged(COUNTS_TAG)(
    summary=gettext_lazy("町内会の世帯数の推移"),
    description=labelled(
        gettext_lazy(
            "調査基準日ごとの区域内世帯数・加入世帯数・加入率と、前回からの加入率の増減（古い順）。"
            "survey_date でひとつの調査基準日に絞れます。備考・入力者（entry_details）は市の管理者、"
            "担当%(area)sの職員、その町内会の役員にだけ返します。"
        )
    ),
    parameters=[
        OpenApiParameter("survey_date", SURVEY_DATE_SCHEMA, description=gettext_lazy("調査基準日で絞り込む"))
    ],
    responses=CountHistorySerializer(many=True),
    filters=False,
)

CREATE = operation(
    summary=gettext_lazy("町内会を登録"),
    description=labelled(
        gettext_lazy(
            "%(area)sに新しい町内会を登録します（状態は活動中）。code を省略すると%(area)sの次の番号になります。"
            "地区・連合町内会は同じ%(area)sのもの。代表者・連絡先は閲覧できる権限がある場合だけ登録できます。"
            "担当%(area)sの職員と市の管理者のみ（担当外の%(area)sは 404）。"
        )
    ),
    request=AssociationCreateSerializer,
    responses={201: AssociationSerializer},
    examples=[
        OpenApiExample(
            gettext_lazy("登録"),
            value={
                "ward": "12345",
                "name": "みどり町内会",  # i18n: data (a fictional association)
                "kana": "みどりちょうないかい",  # i18n: data
            },
            request_only=True,
        )
    ],
)

PARTIAL_UPDATE = operation(
    summary=gettext_lazy("町内会の登録内容を変更"),
    description=labelled(
        gettext_lazy(
            "送った項目だけを変更します（%(area)s・コード・状態は変えられません。解散・合併はそれぞれの操作で）。"
            "担当%(area)sの職員と市の管理者のみ（担当外は 404）。"
        )
    ),
    request=AssociationValuesSerializer(partial=True),
    responses=AssociationSerializer,
)

DISSOLVE = operation(
    summary=gettext_lazy("町内会の解散"),
    description=labelled(
        gettext_lazy(
            "活動中の町内会を解散日で終了します。世帯数の記録はそのまま残ります。担当%(area)sの職員と市の管理者のみ。"
        )
    ),
    request=DissolveInputSerializer,
    responses=AssociationSerializer,
)

MERGE = operation(
    summary=gettext_lazy("町内会の合併"),
    description=labelled(
        gettext_lazy(
            "predecessors の町内会を合併日で廃止し、successor（吸収合併）か new_successor（新設合併、"
            "新しく登録）に引き継ぎます。同じ%(area)sの活動中の町内会どうしのみ。応答は存続・新設した町内会。"
        )
    ),
    request=MergeInputSerializer,
    responses=AssociationSerializer,
)
