"""Subsidy programmes and their rules, applications, meeting halls and the 住民組織助成金 computations.

One module per sub-domain: programmes.py (programmes, their rules and expense kinds), documents.py
(the documents a programme asks for), halls.py (meeting halls and their earlier grants),
applications.py (applications, expense lines, payment claims, attachments, transitions) and
grants.py (the computed 住民組織助成金). Django finds the models through the imports below;
migration 0001 names attachment_upload_to by this package's path.
Amounts are whole yen; rates are numerator/denominator pairs; rounding units are data.
"""

from .applications import (
    Application,
    Attachment,
    ExpenseLine,
    PaymentClaim,
    Transition,
    attachment_upload_to,
)
from .documents import DocumentRequirement
from .grants import GrantComputation
from .halls import Hall, HallRepair
from .programmes import (
    DIGITAL,
    MEETING_HALL,
    RESIDENT_FEDERATION_CATEGORY,
    RESIDENT_ORG_GRANT,
    RESIDENT_UNIT_CATEGORY,
    ExpenseKindRule,
    Programme,
    ProgrammeRule,
)

__all__ = [
    "DIGITAL",
    "MEETING_HALL",
    "RESIDENT_FEDERATION_CATEGORY",
    "RESIDENT_ORG_GRANT",
    "RESIDENT_UNIT_CATEGORY",
    "Application",
    "Attachment",
    "DocumentRequirement",
    "ExpenseKindRule",
    "ExpenseLine",
    "GrantComputation",
    "Hall",
    "HallRepair",
    "PaymentClaim",
    "Programme",
    "ProgrammeRule",
    "Transition",
    "attachment_upload_to",
]
