"""Associations (単位町内会), federations (連合町内会), yearly household counts and plan targets.

One module per concern: associations.py (federations, associations and their household counts),
summaries.py (the maintained sums per ward, district and federation), targets.py (the plan's
baselines and targets), rounds.py (survey rounds, the wards' progress and reminders) and uploads.py
(counts files and the wards' column mappings). Django finds the models through the imports below,
and every module imports them from this package; migration 0006 names _counts_upload_path by this
package's path.
"""

from .associations import Association, Federation, HouseholdCount
from .rounds import RoundReminder, SurveyRound, WardProgress
from .summaries import AreaSummary, DistrictSummary, FederationSummary, WardSummary
from .targets import Target
from .uploads import CountsUpload, WardColumnMapping, _counts_upload_path

__all__ = [
    "AreaSummary",
    "Association",
    "CountsUpload",
    "DistrictSummary",
    "Federation",
    "FederationSummary",
    "HouseholdCount",
    "RoundReminder",
    "SurveyRound",
    "Target",
    "WardColumnMapping",
    "WardProgress",
    "WardSummary",
    "_counts_upload_path",
]
