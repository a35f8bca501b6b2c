"""The demo households and the story of each pass, told through the passes services.

Everything goes through the services, with `today` set in the past where the
story began earlier: the history, the cards and the audit trail are what a
social worker's work would have left.
"""

from __future__ import annotations

from datetime import date, timedelta

from demo.namur.households import (
    EXPIRING_WITHIN_DAYS,
    HOUSEHOLDS,
    RENEW_REASON,
    REPLACE_REASON,
    REVOKE_REASON,
    SUSPEND_REASON,
    DemoHousehold,
)
from demo.namur.organisations import DemoNetwork
from demo.world import assessment_make, household_make
from network.models import Convention, Organisation, User
from passes import services as passes
from passes.models import AccessPass, AssessmentReason, Household


def households_load(demo: DemoNetwork) -> None:
    """Each demo household, and its story the first time only."""
    reasons = {reason.code: reason for reason in AssessmentReason.objects.all()}
    for spec in HOUSEHOLDS:
        actor = demo.actor_for(spec.partner)
        household = household_load(spec, demo.orgs[spec.partner], actor, demo.today)
        if household.assessments.exists():
            continue  # its story was told by an earlier run
        story_tell(spec, household, actor, demo, reasons)


def household_find(partner_slug: str, first_name: str, last_name: str) -> Household | None:
    """A demo household, by the names as written."""
    spec = next(
        s
        for s in HOUSEHOLDS
        if (s.partner, s.first_name, s.last_name) == (partner_slug, first_name, last_name)
    )
    return Household.objects.filter(
        partner__slug=spec.partner,
        first_name=spec.first_name,
        last_name=spec.last_name,
        birth_year=spec.birth_year,
    ).first()


def household_load(
    spec: DemoHousehold, partner: Organisation, actor: User, today: date
) -> Household:
    household = household_find(spec.partner, spec.first_name, spec.last_name)
    if household is not None:
        # Demo households of earlier versions of this command were created without
        # their name keys, which the update fills.
        if not household.last_name_key:
            household = passes.household_update(actor=actor, household=household, fields={})
        return household
    # Before the first assessment of the household's story.
    if spec.story in ("expired_last_year", "renewed"):
        registered_on = date(today.year - 1, 8, 25)
    else:
        registered_on = max(date(today.year, 1, 1), today - timedelta(days=130))
        registered_on -= timedelta(days=7)
    legal_basis = (
        Household.LegalBasis.PUBLIC_TASK
        if partner.partner_kind == Organisation.PartnerKind.CPAS
        else Household.LegalBasis.CONSENT
    )
    return household_make(
        actor=actor,
        partner=partner,
        first_name=spec.first_name,
        last_name=spec.last_name,
        birth_year=spec.birth_year,
        postal_code=spec.postal_code,
        commune=spec.commune,
        language=spec.language,
        legal_basis=legal_basis,
        recorded_on=registered_on,
        members=[passes.MemberData(age_band=a, sex=s) for a, s in spec.members],
        **dict(spec.food_aid),
    )


def story_tell(
    spec: DemoHousehold,
    household: Household,
    actor: User,
    demo: DemoNetwork,
    reasons: dict[str, AssessmentReason],
) -> None:
    """Record the household's assessment and make its pass go through its story."""
    today = demo.today
    convention = demo.conventions[spec.partner]
    start = convention.starts_on
    services = [demo.orgs[slug] for slug in spec.services] or None

    def assess(on: date, outcome: str = "granted") -> None:
        # Recorded on the day it took place, as the social worker did then.
        assessment_make(
            actor=actor,
            household=household,
            on=on,
            outcome=outcome,
            reasons=[reasons[code] for code in spec.reasons if code in reasons],
            notes=spec.notes,
            today=on,
        )

    def issue(on: date, until: date | None = None, under: Convention = convention) -> AccessPass:
        assess(on - timedelta(days=3))
        return passes.pass_issue(
            actor=actor,
            household=household,
            convention=under,
            valid_from=on,
            valid_until=until,
            services=services,
            today=on,
        )

    story = spec.story
    if story in ("refused", "referred"):
        assess(today - timedelta(days=6), outcome=story)
        return
    if story == "expired_last_year":
        previous = demo.conventions[f"{spec.partner}:previous"]
        year = previous.starts_on.year
        issue(date(year, 9, 1), date(year, 11, 30), previous)
        return
    if story == "renewed":
        previous = demo.conventions[f"{spec.partner}:previous"]
        access_pass = issue(date(previous.starts_on.year, 10, 1), under=previous)
        renewed_on = max(start, today - timedelta(days=20))
        assess(renewed_on - timedelta(days=2))
        passes.pass_renew(
            actor=actor,
            access_pass=access_pass,
            reason=RENEW_REASON,
            convention=convention,
            services=services,
            today=renewed_on,
        )
        return
    if story == "expired":
        ends = today - timedelta(days=5)
        if ends < start + timedelta(days=4):
            demo.notes.append(
                f"{household.first_name}: no expired pass this early "
                f"in the year (the convention began on {start:%d/%m/%Y}); run again later."
            )
            return
        issue(max(start, ends - timedelta(days=min(convention.max_pass_days, 90) - 1)), ends)
        return
    if story == "expiring":
        ends = min(today + timedelta(days=EXPIRING_WITHIN_DAYS - 2), convention.ends_on)
        begins = max(start, ends - timedelta(days=min(convention.max_pass_days, 90) - 1))
        issue(min(begins, today), ends)
        return
    access_pass = issue(max(start, today - timedelta(days=spec.days_ago)))
    if story == "suspended":
        passes.pass_suspend(actor=actor, access_pass=access_pass, reason=SUSPEND_REASON)
    elif story == "revoked":
        passes.pass_revoke(actor=actor, access_pass=access_pass, reason=REVOKE_REASON)
    elif story == "replaced":
        passes.pass_replace(actor=actor, access_pass=access_pass, reason=REPLACE_REASON)
