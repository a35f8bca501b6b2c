"""REST API of the passes app: households, assessments, passes, their cards and public keys,
vouchers (referrals and meal tickets).

Every view does the same four steps: parse the input with a serializer, fetch
through the access selectors (another partner's object answers 404, never
403), call one service, present with an output serializer. Refusals of the
services (`PassRefused`) reach the client through the API's exception handler.
URLs carry ids only: names and other personal data stay in request bodies.
"""

from passes.api.households import (
    AssessmentNotesApi,
    AssessmentReasonListApi,
    HouseholdAssessmentListApi,
    HouseholdDetailApi,
    HouseholdListApi,
    HouseholdSearchApi,
)
from passes.api.passes import (
    PassDetailApi,
    PassHistoryApi,
    PassKeyListApi,
    PassListApi,
    PassQrPngApi,
    PassQrSvgApi,
    PassRenewApi,
    PassReplaceApi,
    PassResumeApi,
    PassRevokeApi,
    PassSuspendApi,
)
from passes.api.vouchers import HouseholdVoucherListApi, VoucherRevokeApi

__all__ = [
    "AssessmentNotesApi",
    "AssessmentReasonListApi",
    "HouseholdAssessmentListApi",
    "HouseholdDetailApi",
    "HouseholdListApi",
    "HouseholdSearchApi",
    "HouseholdVoucherListApi",
    "PassDetailApi",
    "PassHistoryApi",
    "PassKeyListApi",
    "PassListApi",
    "PassQrPngApi",
    "PassQrSvgApi",
    "PassRenewApi",
    "PassReplaceApi",
    "PassResumeApi",
    "PassRevokeApi",
    "PassSuspendApi",
    "VoucherRevokeApi",
]
