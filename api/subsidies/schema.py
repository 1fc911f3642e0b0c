"""OpenAPI documentation of the subsidies' endpoints: programmes and applications, every transition
with its example input, and a fictional programme's and application's examples."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema_view

from chonaikai.cities.texts import labelled
from chonaikai.subsidies.workflow import Status

from ..schema import APPLICATIONS_TAG, PROGRAMMES_TAG, conflict, tagged
from .serializers import (
    FISCAL_YEAR_MAX,
    FISCAL_YEAR_MIN,
    PROGRAMME_CODE_REGEX,
    ApplicationCreateInputSerializer,
    ApplicationSerializer,
    ApplicationUpdateInputSerializer,
    ApproveInputSerializer,
    AttachmentInputSerializer,
    CommentInputSerializer,
    PayInputSerializer,
    ProgrammeSerializer,
    RejectInputSerializer,
    ReportCompletionInputSerializer,
    RequiredCommentInputSerializer,
)

programme = tagged(PROGRAMMES_TAG)
application = tagged(APPLICATIONS_TAG)

# ---------------------------------------------------------------------------------------------
# Programmes
# ---------------------------------------------------------------------------------------------

PROGRAMME_EXAMPLE = OpenApiExample(
    gettext_lazy("制度"),
    value={
        "id": 1,
        "code": "digital",
        "fiscal_year": 2026,
        "name": "町内会デジタル化推進補助金",  # i18n: data
        "kind": "application",
        "opens_on": None,
        "closes_on": None,
        "one_application_per_year": True,
        "budget": 5000000,
        "approved": 70000,
        "paid": 0,
        "remaining": 4930000,
        "applications": 3,
        "granted": 1,
        "rules": [
            {
                "category": "",
                "name": "デジタル化推進",  # i18n: data
                "method": "rate",
                "cap": 100000,
                "rounding_unit": 1000,
                "per_m2_amount": None,
                "per_household_amount": None,
                "requires_hall": False,
                "repeat_grant_interval_years": None,
                "needs_confirmation": False,
                "kinds": [
                    {
                        "code": "service",
                        "name": "報償費・役務費・委託費",  # i18n: data
                        "rate_numerator": 1,
                        "rate_denominator": 1,
                    },
                    {
                        "code": "goods",
                        "name": "備品購入費",  # i18n: data
                        "rate_numerator": 2,
                        "rate_denominator": 3,
                    },
                ],
            }
        ],
    },
    response_only=True,
)


def fiscal_year_param(description: str) -> OpenApiParameter:
    return OpenApiParameter(
        "fiscal_year",
        {"type": "integer", "minimum": FISCAL_YEAR_MIN, "maximum": FISCAL_YEAR_MAX},
        OpenApiParameter.QUERY,
        description=description,
    )


def programme_code_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "string", "pattern": PROGRAMME_CODE_REGEX},
        OpenApiParameter.QUERY,
        description=description,
    )


PROGRAMMES = extend_schema_view(
    list=programme(
        summary=gettext_lazy("補助制度の一覧（予算・交付決定額・支払額・残額）"),
        description=(
            labelled(
                gettext_lazy(
                    "年度ごとの補助制度と、予算額・交付決定額の合計・支払額の合計・予算の残り（集計値）、"
                    "区分ごとの算定基準（「要綱で要確認」の印 needs_confirmation 付き）。新しい年度から。"
                    "code（制度コード）と fiscal_year（年度）で絞り込めます。補助金の画面を使う利用者"
                    "（市の管理者・%(area_office)s職員・町内会の役員・閲覧者）が読めます。"
                )
            )
        ),
        parameters=[
            programme_code_param("code", gettext_lazy("制度コードで絞り込む")),
            fiscal_year_param(gettext_lazy("年度で絞り込む")),
        ],
        examples=[PROGRAMME_EXAMPLE],
    ),
    retrieve=programme(
        summary=gettext_lazy("補助制度（IDで指定）"),
        description=gettext_lazy("補助制度（年度ごと）。"),
        examples=[PROGRAMME_EXAMPLE],
    ),
)

BY_CODE = programme(
    summary=gettext_lazy("補助制度（制度コードと年度で指定）"),
    description=gettext_lazy("補助制度（年度ごと）。"),
    operation_id="subsidy_programmes_by_code",
    parameters=[
        OpenApiParameter("code", {"type": "string", "pattern": PROGRAMME_CODE_REGEX}, OpenApiParameter.PATH),
        OpenApiParameter(
            "fiscal_year",
            {"type": "integer", "minimum": FISCAL_YEAR_MIN, "maximum": FISCAL_YEAR_MAX},
            OpenApiParameter.PATH,
        ),
    ],
    responses=ProgrammeSerializer,
    examples=[PROGRAMME_EXAMPLE],
)


# ---------------------------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------------------------

LINES_EXAMPLE = [
    {"description": "講師謝礼", "kind": "service", "amount": 30000},  # i18n: data
    {"description": "タブレット", "kind": "goods", "amount": 60000},  # i18n: data
]
APPLICATION_EXAMPLE = OpenApiExample(
    gettext_lazy("申請"),
    value={
        "id": 12,
        "number": "2026-digital-00012",
        "number_text": "令和8年度 デジタル 第12号",  # i18n: data
        "programme": "digital",
        "programme_name": "町内会デジタル化推進補助金",  # i18n: data
        "fiscal_year": 2026,
        "association": "12345-0001",
        "association_name": "さくら町内会",  # i18n: data (a fictional association)
        "ward": "12345",
        "category": "",
        "hall": None,
        "purpose": "役員会のオンライン化",  # i18n: data
        "planned_start": "2026-12-01",
        "planned_end": "2027-02-28",
        "status": "draft",
        "status_label": "下書き",  # i18n: data
        "status_changed_at": "2026-11-29T10:00:00+09:00",
        "computed_amount": 70000,
        "breakdown": {
            "amount": 70000,
            "cost": 90000,
            "category": "",
            "needs_confirmation": False,
            "lines": [
                "報償費・役務費・委託費 30,000円 × 10/10 = 30,000円",  # i18n: data
                "備品購入費 60,000円 × 2/3 = 40,000円",  # i18n: data
                "算定額 70,000円",  # i18n: data
            ],
            "steps": [{"key": "total", "text": "算定額 70,000円", "amount": 70000, "data": {}}],  # i18n: data
        },
        "approved_amount": None,
        "actual_breakdown": None,
        "confirmed_amount": None,
        "paid_amount": None,
        "paid_on": None,
        "decision_reason": "",
        "entered_by_staff": False,
        "needs_verification": False,
        "submitted_at": None,
        "created_at": "2026-11-29T10:00:00+09:00",
        "updated_at": "2026-11-29T10:00:00+09:00",
        "lines": LINES_EXAMPLE,
        "actual_lines": [],
        "actions": ["submit", "withdraw"],
        "attachments": [],
        "transitions": [],
    },
    response_only=True,
)
STATE_CONFLICT = conflict(gettext_lazy("今の状態ではできない操作です（message に理由）"))


def transition(summary: str, description: str, request, example: dict | None = None):
    examples = [APPLICATION_EXAMPLE]
    if example is not None:
        examples.append(OpenApiExample(summary, value=example, request_only=True))
    return application(
        summary=summary,
        description=format_lazy(
            "{}{}",
            description,
            gettext_lazy(
                "担当外の申請は 404、役割上できない操作は 403、今の状態ではできない操作は 409、"
                "制度の規則に合わないときは 400（message に理由、既定は日本語）。"
            ),
        ),
        request=request,
        responses={200: ApplicationSerializer, 409: STATE_CONFLICT},
        examples=examples,
    )


APPLICATIONS = extend_schema_view(
    list=application(
        summary=gettext_lazy("補助金の申請の一覧"),
        description=(
            labelled(
                gettext_lazy(
                    "見てよい申請（町内会の役員はその町内会の申請、%(area_office)s職員は担当%(area)sの申請、市の管理者はすべて）を、"
                    "状態が変わった順（古い順）に返します。status（状態）、programme（制度コード）、fiscal_year"
                    "（年度）で絞り込めます。各申請に状態・算定額・算定の内訳（breakdown）が付きます。"
                )
            )
        ),
        parameters=[
            OpenApiParameter(
                "status", str, OpenApiParameter.QUERY, enum=Status.values, description=gettext_lazy("状態")
            ),
            programme_code_param("programme", gettext_lazy("制度コードで絞り込む")),
            fiscal_year_param(gettext_lazy("年度で絞り込む")),
        ],
        examples=[APPLICATION_EXAMPLE],
    ),
    retrieve=application(
        summary=gettext_lazy("補助金の申請"),
        description=gettext_lazy(
            "経費（予定・実績）、算定の内訳、状態の変更履歴、この利用者がいま行える操作（actions）。"
        ),
        examples=[APPLICATION_EXAMPLE],
    ),
    create=application(
        summary=gettext_lazy("補助金の申請を作成（下書き）"),
        description=(
            gettext_lazy(
                "町内会の役員がその町内会の申請を下書きとして作ります。programme（制度コード）と fiscal_year"
                "（年度）で制度を、association（町内会コード）で町内会を指定します。区分のある制度では category"
                "が必要です。経費（lines）の kind はその制度・区分の算定基準にある経費の種類コード（補助制度の rules[].kinds[].code）、amount は円。"
                "算定額と内訳を計算して返します。制度の規則に合わない内容は 400（message に日本語の理由）、"
                "役員でない町内会の申請は 403。"
            )
        ),
        request=ApplicationCreateInputSerializer,
        responses={201: ApplicationSerializer},
        examples=[
            OpenApiExample(
                gettext_lazy("作成"),
                value={
                    "programme": "digital",
                    "fiscal_year": 2026,
                    "association": "12345-0001",
                    "purpose": "役員会のオンライン化",  # i18n: data
                    "planned_start": "2026-12-01",
                    "planned_end": "2027-02-28",
                    "lines": LINES_EXAMPLE,
                },
                request_only=True,
            ),
            APPLICATION_EXAMPLE,
        ],
    ),
    partial_update=application(
        summary=gettext_lazy("下書きの申請を変更"),
        description=(
            gettext_lazy(
                "下書きか差戻しの申請の目的・区分・会館・予定日・経費（lines、送ればすべて置き換え）を変更し、"
                "算定額を計算し直します。すべて変更するか、何も変更しません。ほかの状態の申請は 409。"
            )
        ),
        request=ApplicationUpdateInputSerializer,
        responses={200: ApplicationSerializer, 409: STATE_CONFLICT},
        examples=[
            OpenApiExample(
                gettext_lazy("変更"),
                value={"purpose": "役員会と回覧のオンライン化", "lines": LINES_EXAMPLE},  # i18n: data
                request_only=True,
            ),
            APPLICATION_EXAMPLE,
        ],
    ),
)

SUBMIT = transition(
    gettext_lazy("申請を提出"),
    labelled(
        gettext_lazy(
            "下書きか差戻しの申請を提出します（町内会の役員。紙の申請はその%(area)sの職員も）。受付期間・年度1件・"
            "会館の補助の間隔などを確かめ、算定額を確定します。"
        )
    ),
    CommentInputSerializer,
)
START_REVIEW = transition(
    gettext_lazy("審査を開始"),
    labelled(gettext_lazy("提出済みの申請の審査を始めます（担当%(area)sの職員・市の管理者）。")),
    CommentInputSerializer,
)
RETURN = transition(
    gettext_lazy("町内会へ差し戻す"),
    labelled(
        gettext_lazy(
            "審査中の申請を町内会へ差し戻します（担当%(area)sの職員・市の管理者）。comment（修正してほしい点）は必須です。"
        )
    ),
    RequiredCommentInputSerializer,
    {"comment": "経費の見積書を添付してください。"},  # i18n: data
)
FORWARD = transition(
    gettext_lazy("市へ進達"),
    labelled(gettext_lazy("%(area)sで審査した申請を市へ進達します（担当%(area)sの職員・市の管理者）。")),
    CommentInputSerializer,
)
SEND_BACK = transition(
    labelled(gettext_lazy("%(area)sへ戻す")),
    labelled(gettext_lazy("市で審査中の申請を%(area)sへ戻します（市の管理者）。comment（理由）は必須です。")),
    RequiredCommentInputSerializer,
    {"comment": "区の審査意見を付けてください。"},  # i18n: data
)
APPROVE = transition(
    gettext_lazy("交付決定"),
    gettext_lazy(
        "市で審査中の申請の交付を決定します（市の管理者）。amount を省くと算定額。算定額を超える額、"
        "予算の残りを超える額、「要綱で要確認」の算定基準の申請は 400。"
    ),
    ApproveInputSerializer,
    {"amount": 70000, "comment": ""},
)
REJECT = transition(
    gettext_lazy("不交付決定"),
    gettext_lazy(
        "市で審査中の申請を不交付と決定します（市の管理者）。reason（理由）は必須で、町内会へ通知されます。"
    ),
    RejectInputSerializer,
    {"reason": "補助の対象となる経費がありません。"},  # i18n: data
)
WITHDRAW = transition(
    gettext_lazy("申請を取り下げる"),
    labelled(
        gettext_lazy("交付決定の前の申請を取り下げます（町内会の役員。紙の申請はその%(area)sの職員も）。")
    ),
    CommentInputSerializer,
)
REPORT_COMPLETION = transition(
    gettext_lazy("実績を報告"),
    gettext_lazy(
        "交付決定した申請の実績の経費（lines、これまでの報告を置き換え）を報告します（町内会の役員）。"
        "領収書が添付されている必要があります（attachments で kind=receipt を添付、または画面から）。"
    ),
    ReportCompletionInputSerializer,
    {"lines": LINES_EXAMPLE, "comment": ""},
)
RETURN_COMPLETION = transition(
    gettext_lazy("実績報告を差し戻す"),
    labelled(
        gettext_lazy(
            "実績報告済みの申請を町内会へ差し戻します（担当%(area)sの職員・市の管理者）。comment は必須です。"
        )
    ),
    RequiredCommentInputSerializer,
    {"comment": "領収書の金額が経費と合いません。"},  # i18n: data
)
CONFIRM = transition(
    gettext_lazy("額の確定"),
    gettext_lazy(
        "実績報告済みの申請の補助金の額を、実績の経費で確定します（市の管理者、交付決定額が上限）。"
    ),
    CommentInputSerializer,
)
PAY = transition(
    gettext_lazy("支払を記録"),
    gettext_lazy(
        "額の確定した申請の支払日と支払額（省略で確定額、確定額が上限）を記録します（市の管理者）。"
    ),
    PayInputSerializer,
    {"paid_on": "2027-03-15", "amount": 70000, "comment": ""},
)
VERIFY = transition(
    gettext_lazy("紙の申請の入力内容を確認"),
    labelled(
        gettext_lazy(
            "職員が代理入力した紙の申請を、入力した職員とは別の職員が確認します（担当%(area)sの職員・市の管理者）。"
        )
    ),
    CommentInputSerializer,
)

ATTACHMENTS = application(
    summary=gettext_lazy("書類を添付"),
    description=labelled(
        gettext_lazy(
            "申請に書類（見積書・領収書・写真など）を添付します（町内会の役員。紙の申請はその%(area)sの職員も）。"
            "下書きと差戻しの申請、交付決定の後（実績報告の領収書など）に添付できます。形式は中身で判定し、"
            "受け付けない形式・拡張子の不一致・大きすぎるファイルは 400。紙の申請では、別の職員による"
            "入力内容の確認をやり直す必要があります。添付した書類を API から削除することはできません"
            "（交付決定の後は画面からも削除できません）。担当外の申請は 404、役割上できない操作は 403、"
            "今の状態ではできない操作は 409。"
        )
    ),
    request={"multipart/form-data": AttachmentInputSerializer},
    responses={201: ApplicationSerializer, 409: STATE_CONFLICT},
    examples=[APPLICATION_EXAMPLE],
)
