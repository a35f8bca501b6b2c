"""What changes state in the passes app: households, assessments, passes and their cards.

Every function here is called by the pages, the API and the tasks alike. Each
owns its transaction, locks what it contests, writes the pass history and the
audit trail, and refuses with a `PassRefused` carrying a stable `code`, a
sentence in the user's language and the form field it concerns. The checks a
pass must pass are read-only functions of `passes.services.checks`, which the
issue form's live check runs without writing or locking anything.
"""

from passes.services.assessments import assessment_notes_read, assessment_record
from passes.services.checks import PassRefused, PassTerms, pass_issue_check
from passes.services.households import (
    MemberData,
    household_file_opened,
    household_has_pass_elsewhere,
    household_register,
    household_update,
)
from passes.services.issuing import pass_issue, pass_renew
from passes.services.lifecycle import (
    pass_replace,
    pass_resume,
    pass_revoke,
    pass_suspend,
    passes_expire_due,
)
from passes.services.reminders import RemindersSent, renewal_due, renewal_reminders_send
from passes.services.retention import (
    households_anonymise_due,
    households_anonymised_register,
    retention_due,
)

__all__ = [
    "MemberData",
    "PassRefused",
    "PassTerms",
    "RemindersSent",
    "assessment_notes_read",
    "assessment_record",
    "household_file_opened",
    "household_has_pass_elsewhere",
    "household_register",
    "household_update",
    "households_anonymise_due",
    "households_anonymised_register",
    "pass_issue",
    "pass_issue_check",
    "pass_renew",
    "pass_replace",
    "pass_resume",
    "pass_revoke",
    "pass_suspend",
    "passes_expire_due",
    "renewal_due",
    "renewal_reminders_send",
    "retention_due",
]
