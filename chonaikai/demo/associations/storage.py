"""The database half of the demo data: the only writes, each inside one transaction.

They upsert the sample districts, federations and associations by code, delete the sample rows the
dataset no longer has and rewrite the sample counts (with one history row each, `HISTORY_REASON`).
The areas and their weights are read from the database (`ward_inputs`), never written.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import ProtectedError

from chonaikai.associations.imports.services.counts import CountValues, counts_write
from chonaikai.associations.models import Association, Federation, HouseholdCount
from chonaikai.associations.stats.services import summaries_refresh
from wards.models import District, Ward, WardTotal

from ..dataset import (
    FULL,
    SampleAssociation,
    SampleDataError,
    SampleDataset,
    SampleParams,
    Scale,
    WardInput,
    sample_params,
)
from .generation import DEFAULT_SEED, generate

HISTORY_REASON = "サンプルデータ（seed_demo）"


def ward_inputs(params: SampleParams | None = None) -> list[WardInput]:
    """The loaded city's areas and their weights, read, never written: the registry households on the
    profile's `registry_date`, or 1 each (spread equally) when the profile gives none."""
    from chonaikai.cities.current import city

    params = params or sample_params()
    area = city().area_label or "区域"
    wards = list(Ward.objects.order_by("code"))
    if not wards:
        raise SampleDataError(
            f"{area}が登録されていません。先に manage.py load_city cities/<名前> を実行してください。"
        )
    if params.registry_date is None:
        return [WardInput(w.code, w.name, 1) for w in wards]
    totals = dict(
        WardTotal.objects.filter(survey_date=params.registry_date).values_list(
            "ward__code", "registry_households"
        )
    )
    missing = [w.name for w in wards if w.code not in totals]
    if missing:
        raise SampleDataError(
            f"{params.registry_date:%Y-%m-%d} の住民基本台帳世帯数がない{area}があります（{'、'.join(missing)}）。"
            "プロファイルを manage.py load_city で読み込み直してください。"
        )
    return [WardInput(w.code, w.name, totals[w.code]) for w in wards]


@transaction.atomic
def seed_sample_data(
    *, seed: int = DEFAULT_SEED, size: Scale = FULL, params: SampleParams | None = None
) -> SampleDataset:
    """Replace all sample data with the dataset generated from `seed` at `size` for the loaded city
    (or `params`); returns that dataset."""
    params = params or sample_params()
    dataset = generate(wards=ward_inputs(params), params=params, seed=seed, size=size)
    replace_sample_data(dataset)
    return dataset


@transaction.atomic
def replace_sample_data(dataset: SampleDataset) -> None:
    """Make the sample rows in the database exactly `dataset`, never touching non-sample rows.

    Districts, federations and associations are upserted by code, so their primary keys survive a
    re-run and whatever points at them (a demo leader's role assignment, say) stays valid. Sample rows
    the dataset no longer has are deleted. Counts and all history rows of sample associations and
    counts are deleted and written afresh: after any run each sample row has exactly one history row.
    """
    _refuse_collisions(dataset)
    ward_ids = dict(Ward.objects.values_list("code", "id"))

    deleted_pairs = _delete_sample_counts()
    district_ids = _upsert(
        District,
        [
            District(code=d.code, name=d.name, kana=d.kana, ward_id=ward_ids[d.ward_code], is_sample=True)
            for d in dataset.districts
        ],
    )
    federation_ids = _upsert(
        Federation,
        [
            Federation(
                code=f.code,
                name=f.name,
                kana=f.kana,
                ward_id=ward_ids[f.ward_code],
                district_id=district_ids[f.district_code] if f.district_code else None,
                is_sample=True,
            )
            for f in dataset.federations
        ],
    )

    def build(a: SampleAssociation, association_ids: dict[str, int]) -> Association:
        return Association(
            code=a.code,
            name=a.name,
            kana=a.kana,
            # bulk_create skips save(), which keeps search_text in step: set it here.
            search_text=Association.build_search_text(a.name, a.kana),
            ward_id=ward_ids[a.ward_code],
            district_id=district_ids[a.district_code] if a.district_code else None,
            federation_id=federation_ids[a.federation_code] if a.federation_code else None,
            representative_name=a.representative_name,
            contact_phone=a.contact_phone,
            contact_email=a.contact_email,
            contact_address=a.contact_address,
            founded_on=a.founded_on,
            status=a.status,
            ended_on=a.ended_on,
            successor_id=association_ids[a.successor_code] if a.successor_code else None,
            is_authorized_body=a.is_authorized_body,
            hall_latitude=a.hall_latitude,
            hall_longitude=a.hall_longitude,
            is_sample=True,
        )

    # Successors first: the status constraint needs a merged association's successor on insert.
    first = [build(a, {}) for a in dataset.associations if not a.successor_code]
    association_ids = _upsert(Association, first)
    rest = [build(a, association_ids) for a in dataset.associations if a.successor_code]
    association_ids = _upsert(Association, rest)

    _delete_stale(Association, set(association_ids) - {a.code for a in dataset.associations})
    _delete_stale(Federation, set(federation_ids) - {f.code for f in dataset.federations})
    _delete_stale(District, set(district_ids) - {d.code for d in dataset.districts})

    history = Association.history
    history.filter(id__in=Association.objects.filter(is_sample=True).values("id")).delete()
    history.bulk_history_create(
        list(Association.objects.filter(is_sample=True)), batch_size=500, default_change_reason=HISTORY_REASON
    )
    ward_of = {a.code: ward_ids[a.ward_code] for a in dataset.associations}
    # The one write of counts (services.counts): versions, history rows, summaries. Sample counts
    # touch no survey round's progress and record no audit event (they are not anyone's entry).
    counts_write(
        actor=None,
        source=HouseholdCount.Source.SAMPLE,
        change_reason=HISTORY_REASON,
        mark_started=False,
        also_refresh=deleted_pairs,
        rows=[
            CountValues(
                association_id=association_ids[c.association_code],
                ward_id=ward_of[c.association_code],
                survey_date=c.survey_date,
                households=c.households,
                member_households=c.member_households,
            )
            for c in dataset.counts
        ],
    )


def delete_sample_data() -> None:
    """Delete every sample row, with its counts and history (for tests and for clearing a demo)."""
    summaries_refresh(_delete_sample_counts())
    _delete_stale(Association, set(Association.objects.filter(is_sample=True).values_list("code", flat=True)))
    Federation.objects.filter(is_sample=True).delete()
    District.objects.filter(is_sample=True).delete()


def _refuse_collisions(dataset: SampleDataset) -> None:
    from chonaikai.cities.current import city

    current = city()
    checks = [
        (District, [d.code for d in dataset.districts], current.district_label or "地区"),
        (Federation, [f.code for f in dataset.federations], current.federation_label or "連合町内会"),
        (Association, [a.code for a in dataset.associations], "町内会"),
    ]
    for model, codes, label in checks:
        taken = list(
            model.objects.filter(is_sample=False, code__in=codes)
            .order_by("code")
            .values_list("code", flat=True)[:5]
        )
        if taken:
            raise SampleDataError(
                f"サンプルではない{label}が、サンプルデータと同じコードで登録されています"
                f"（{'、'.join(taken)} など）。実データを上書きしないよう、サンプルデータの作成を中止しました。"
            )


def _upsert(model, objs: list) -> dict[str, int]:
    """Insert or update `objs` by code (one statement per batch); code → id of every sample row.

    Only called after `_refuse_collisions`, so a conflicting code is always a sample row's.
    """
    if objs:
        fields = [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name != "code"]
        model.objects.bulk_create(
            objs, batch_size=500, update_conflicts=True, unique_fields=["code"], update_fields=fields
        )
    return dict(model.objects.filter(is_sample=True).values_list("code", "id"))


def _delete_sample_counts() -> set[tuple[int, dt.date]]:
    """Delete the counts of sample associations and the history rows of those counts.

    Returns the (ward id, survey date) pairs they were counted in, for summaries_refresh.

    One DELETE (`_raw_delete`) rather than `QuerySet.delete()`: with simple_history's delete signals
    connected, Django would load every count and write a "deleted" history row for each, only for us
    to delete those rows next, which would make `make demo` slow. Nothing references a count, so no
    cascade is skipped (a new foreign key to counts would fail at commit, not silently).
    """
    sample = Association.objects.filter(is_sample=True).values("id")
    counts = HouseholdCount.objects.filter(association_id__in=sample)
    pairs = set(counts.values_list("association__ward_id", "survey_date").distinct().order_by())
    counts._raw_delete(counts.db)
    HouseholdCount.history.filter(association_id__in=sample).delete()
    return pairs


def _delete_stale(model, codes: set[str]) -> None:
    """Delete the sample rows with these codes; data that protects them stops the whole run."""
    if not codes:
        return
    rows = model.objects.filter(is_sample=True, code__in=codes)
    ids = list(rows.values_list("id", flat=True))
    try:
        if model is Association:
            # A merged association protects its successor: delete those nobody points at, repeatedly.
            successors = Association.objects.filter(successor__isnull=False).values("successor_id")
            while rows.exclude(id__in=successors).delete()[0]:
                pass
        rows.delete()
    except ProtectedError as exc:
        raise SampleDataError(
            "サンプルデータを参照している他のデータ（役割の割り当てなど）があるため、"
            f"サンプルの{model._meta.verbose_name}を削除できません。"
        ) from exc
    if model is Association:
        Association.history.filter(id__in=ids).delete()
