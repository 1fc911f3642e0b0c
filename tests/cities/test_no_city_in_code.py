"""No Sapporo in the program: its names, codes and figures live only in cities/sapporo.

The list is read from the profile itself (city, wards, offices, plan figures, the department and the
district's name), plus the city's name in other scripts, so it grows with the profile.
"""

import re

from chonaikai.cities.profile import read_profile

from .conftest import REPO

SCANNED = ("*.py", "*.html", "*.txt", "*.js")
SKIPPED = ("cities", "tests", "locale", ".venv", ".git", "node_modules", "staticfiles", "media")
# A migration's name is history: databases record it, so it cannot change (its content names no city).
MIGRATION_NAMES = ("0002_sapporo_wards",)


def sapporo_terms() -> set[str]:
    profile = read_profile(REPO / "cities" / "sapporo")
    terms = {"札幌", "さっぽろ", "Sapporo", "sapporo", profile.city["code"]}
    terms |= {profile.city["department_short_name"], profile.city["district_label"]}
    for area in profile.areas:
        terms |= {area["code"], area["name"], area["romaji"]}
    for target in profile.targets:
        value = int(target["value"])
        terms |= {str(value), f"{value:,}"}
    for programmes in profile.programmes.values():
        for programme in programmes:
            if programme["budget"]:
                terms |= {str(programme["budget"]), f"{programme['budget']:,}", f"{programme['budget']:_}"}
    return {t for t in terms if t}


def program_files():
    for pattern in SCANNED:
        for path in REPO.rglob(pattern):
            relative = path.relative_to(REPO)
            if relative.parts[0] not in SKIPPED and not any(p.startswith(".") for p in relative.parts):
                yield relative


def test_no_sapporo_name_code_or_figure_outside_its_profile_and_the_tests():
    terms = sapporo_terms()
    # A code or figure counts only as a whole number (01101 is not a hit inside 2011015).
    pattern = re.compile(
        "|".join(
            rf"(?<![0-9]){re.escape(t)}(?![0-9])"
            if t.replace(",", "").replace("_", "").isdigit()
            else re.escape(t)
            for t in sorted(terms, key=len, reverse=True)
        )
    )
    hits = []
    for relative in program_files():
        for number, line in enumerate(
            (REPO / relative).read_text(encoding="utf-8", errors="replace").splitlines(), 1
        ):
            for name in MIGRATION_NAMES:
                line = line.replace(name, "")
            for match in pattern.finditer(line):
                hits.append(f"{relative}:{number}: {match.group()}")
    assert not hits, f"{len(hits)} Sapporo facts in the program:\n" + "\n".join(hits[:200])


def test_the_list_holds_what_the_issue_names():
    terms = sapporo_terms()

    assert {
        "01100",
        "01101",
        "01110",
        "中央区",
        "清田区",
        "685497",
        "723,778",
        "市民自治推進室",
        "まちづくりセンター",
    } <= terms
