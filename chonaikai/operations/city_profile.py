"""Writing a checked city profile (chonaikai.cities.profile.read_profile) into the database: `load_profile`.

An operator's step above the domain apps (it writes areas, plan figures and programmes), so it lives
here and not in chonaikai.cities, which every app reads.

All or nothing (one transaction), and idempotent: a row is saved only when a value differs, so a
second run with the same profile writes nothing, and its report says so. Nothing is deleted: an
area, programme or rule the profile no longer lists may have counts or applications; the report
names it instead. One database holds one municipality: a profile with another code is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.audit.services import audit_record
from chonaikai.cities.models import City
from chonaikai.cities.profile import Profile, ProfileError


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    not_in_profile: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _check(row, label: str) -> None:
    """The model's own checks, as a ProfileError naming the row (the reader checks most before)."""
    try:
        row.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ProfileError(
            [f"{label}: {field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
        ) from None


def _sync(report: LoadReport, model, label: str, lookup: dict, values: dict):
    """Create the row `lookup` with `values`, or update the fields that differ; note what happened."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        row = model(**lookup, **values)
        _check(row, label)
        row.save()
        report.created.append(label)
        return row
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    if changed:
        before = {name: getattr(row, name) for name in changed}
        for name, value in changed.items():
            setattr(row, name, value)
        _check(row, label)
        row.save(update_fields=list(changed))
        report.updated.append(
            f"{label}: "
            + ", ".join(f"{name} {before[name]!s} → {value!s}" for name, value in changed.items())
        )
    return row


@transaction.atomic
def load_profile(profile: Profile, *, actor=None) -> LoadReport:
    from chonaikai.associations.models import Target
    from chonaikai.plan.models import Indicator
    from wards.models import Ward, WardTotal

    report = LoadReport()
    existing = City.objects.select_for_update().first()
    if existing is not None and existing.code != profile.city["code"]:
        raise ProfileError(
            [
                _(
                    "このデータベースには %(name)s（%(code)s）が読み込まれています。"
                    "1つのデータベースには1つの市町村だけを入れられます（新しいデータベースを使ってください）。"
                )
                % {"name": existing.name, "code": existing.code}
            ]
        )
    other_areas = Ward.objects.exclude(code__in=[a["code"] for a in profile.areas])
    if existing is None and other_areas.exists():
        names = _("、").join(other_areas.values_list("name", flat=True)[:5])
        raise ProfileError(
            [
                _(
                    "このデータベースにはプロファイルにない区域があります（%(names)s）。"
                    "別の市町村のデータが入っているため読み込めません。"
                )
                % {"names": names}
            ]
        )

    stamp = {"profile": str(profile.folder), "profile_digest": profile.digest}
    if existing is None:
        stamp["loaded_at"] = timezone.now()
    city = _sync(
        report,
        City,
        _("市町村 %(name)s") % {"name": profile.city["name"]},
        {"code": profile.city["code"]},
        {k: v for k, v in profile.city.items() if k != "code"} | stamp,
    )

    for area in profile.areas:
        values = {k: v for k, v in area.items() if k not in ("code", "registry")}
        ward = _sync(report, Ward, f"{area['code']} {area['name']}", {"code": area["code"]}, values)
        for registry in area["registry"]:
            _sync(
                report,
                WardTotal,
                f"{area['name']} {registry['date']:%Y-%m-%d}",
                {"ward": ward, "survey_date": registry["date"]},
                {"registry_households": registry["households"], "source": registry["source"]},
            )
    report.not_in_profile += [f"{w.code} {w.name}" for w in other_areas]

    for target in profile.targets:
        _sync(
            report,
            Target,
            f"{target['metric']} {target['kind']} {target['fiscal_year']}",
            {"metric": target["metric"], "kind": target["kind"], "fiscal_year": target["fiscal_year"]},
            {"value": target["value"], "source": target["source"]},
        )
    for order, indicator in enumerate(profile.indicators, start=1):
        values = {k: v for k, v in indicator.items() if k != "code"}
        _sync(report, Indicator, indicator["code"], {"code": indicator["code"]}, {**values, "order": order})

    for fiscal_year, programmes in sorted(profile.programmes.items()):
        for programme in programmes:
            _load_programme(report, fiscal_year, programme)

    if report.changed:
        City.objects.filter(pk=city.pk).update(loaded_at=timezone.now())
        audit_record(
            actor=actor,
            action="city.profile_loaded",
            subject=City.objects.get(pk=city.pk),
            after={"profile": str(profile.folder), "digest": profile.digest, "created": len(report.created)},
            comment="\n".join(report.updated)[:5000],
        )
    return report


def _load_programme(report: LoadReport, fiscal_year: int, spec: dict) -> None:
    from chonaikai.subsidies.models import DocumentRequirement, ExpenseKindRule, Programme, ProgrammeRule

    values = {k: v for k, v in spec.items() if k not in ("code", "rules", "documents")}
    label = f"{fiscal_year} {spec['code']}"
    programme = _sync(report, Programme, label, {"code": spec["code"], "fiscal_year": fiscal_year}, values)
    for position, rule_spec in enumerate(spec["rules"]):
        rule_values = {k: v for k, v in rule_spec.items() if k not in ("category", "kinds")}
        existing = ProgrammeRule.objects.filter(programme=programme, category=rule_spec["category"]).first()
        if existing is not None and existing.confirmed_at is not None:
            rule_values.pop("needs_confirmation")  # staff checked it against the 要綱: keep their word
        rule = _sync(
            report,
            ProgrammeRule,
            f"{label} {rule_spec['category'] or '-'}",
            {"programme": programme, "category": rule_spec["category"]},
            {**rule_values, "position": position},
        )
        for kind_position, kind in enumerate(rule_spec["kinds"]):
            _sync(
                report,
                ExpenseKindRule,
                f"{label} {rule_spec['category'] or '-'} {kind['code']}",
                {"rule": rule, "code": kind["code"]},
                {k: v for k, v in kind.items() if k != "code"} | {"position": kind_position},
            )
    wanted = [(d["kind"], d["description"]) for d in spec["documents"]]
    current = list(programme.document_requirements.order_by("position").values_list("kind", "description"))
    if wanted != current:
        programme.document_requirements.all().delete()
        DocumentRequirement.objects.bulk_create(
            DocumentRequirement(programme=programme, kind=kind, description=description, position=position)
            for position, (kind, description) in enumerate(wanted)
        )
        line = _("%(label)s: 添付する書類") % {"label": label}
        (report.created if label in report.created else report.updated).append(line)
