"""Set up the load test's database after bench.generate filled it: accounts, an open round, the plan.

    .venv/bin/python -m bench.load.prepare --database-url URL --staff 15 --viewers 5 --plan plan.json

Run by bench.load.run; the password comes from LOAD_PASSWORD. Accounts and the round are made
through the project's services (accounts.services.account_create, services.round_open), with a
city administrator (load-admin) as the actor: ward staff load-staff-NN (ward NN mod 10) and viewers
load-viewer-NN. The password is hashed once with the production hasher and the hash given to every
account (the load accounts are synthetic; hashing it 50 times would only slow the set-up).

The plan (JSON) tells the locust users what to do: the round's survey date, the survey dates, the
ward and association codes, and for each staff account the active associations of its ward that
it alone saves counts for (the ward's associations dealt out among that ward's staff accounts,
with their previous survey's figures), so that every saved value has one author who remembers it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os

ROUND_DATE = dt.date(2026, 1, 1)
ROUND_DEADLINE = dt.date(2026, 2, 27)
WARD_COUNT = 10


def staff_username(i: int) -> str:
    return f"load-staff-{i:02d}"


def viewer_username(i: int) -> str:
    return f"load-viewer-{i:02d}"


def prepare(*, staff: int, viewers: int, password: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from chonaikai.accounts.models import Role
    from chonaikai.accounts.services import account_create
    from chonaikai.associations import selectors, services
    from chonaikai.associations.models import Association, HouseholdCount
    from wards.models import Ward

    # The loaded city's own areas (bench.generate's synthetic cities have codes 9CCWW).
    wards = list(Ward.objects.exclude(code__startswith="9").order_by("code"))[:WARD_COUNT]
    with transaction.atomic():
        admin = account_create(actor=None, username="load-admin", role=Role.CITY_ADMIN, password=None)
        services.round_open(actor=admin, survey_date=ROUND_DATE, deadline=ROUND_DEADLINE)
        staff_wards = [wards[i % len(wards)] for i in range(staff)]
        for i, ward in enumerate(staff_wards):
            account_create(
                actor=admin, username=staff_username(i), role=Role.WARD_STAFF, ward=ward, password=None
            )
        for i in range(viewers):
            account_create(actor=admin, username=viewer_username(i), role=Role.VIEWER, password=None)
        get_user_model().objects.filter(username__startswith="load-").exclude(username="load-admin").update(
            password=make_password(password)
        )

    previous_date = selectors.previous_survey_date(ROUND_DATE)
    previous = {
        aid: (h, m)
        for aid, h, m in HouseholdCount.objects.filter(survey_date=previous_date).values_list(
            "association_id", "households", "member_households"
        )
    }
    plan_staff = []
    for i, ward in enumerate(staff_wards):
        plan_staff.append({"username": staff_username(i), "ward": ward.code, "associations": []})
    for ward in wards:
        mine = [s for s in plan_staff if s["ward"] == ward.code]
        if not mine:
            continue
        active = Association.objects.active().filter(ward=ward).order_by("code").values_list("id", "code")
        for j, (aid, code) in enumerate(active):
            households, members = previous.get(aid, (100, 60))
            mine[j % len(mine)]["associations"].append(
                {"id": aid, "code": code, "households": households, "members": members}
            )
    return {
        "round": ROUND_DATE.isoformat(),
        "previous": previous_date.isoformat() if previous_date else None,
        "survey_dates": [d.isoformat() for d in selectors.survey_dates()],
        "wards": [w.code for w in wards],
        "associations": list(Association.objects.order_by("code").values_list("code", flat=True)),
        "staff": plan_staff,
        "viewers": [viewer_username(i) for i in range(viewers)],
        "password": password,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--staff", type=int, required=True)
    parser.add_argument("--viewers", type=int, required=True)
    parser.add_argument("--plan", required=True, help="where to write the plan (JSON)")
    args = parser.parse_args(argv)
    from bench.generate import setup_django

    setup_django(args.database_url)
    plan = prepare(staff=args.staff, viewers=args.viewers, password=os.environ["LOAD_PASSWORD"])
    with open(args.plan, "w", encoding="utf-8") as f:
        json.dump(plan, f, ensure_ascii=False)
    saves = sum(len(s["associations"]) for s in plan["staff"])
    print(
        f"  round {plan['round']} open; {len(plan['staff'])} ward staff ({saves:,} associations to save), "
        f"{len(plan['viewers'])} viewers"
    )


if __name__ == "__main__":
    main()
