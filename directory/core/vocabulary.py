"""The controlled vocabularies the catalogue, the finder and the API share.

Each is an ordered mapping of slug -> human label. Slugs appear in URLs, JSON and the
seed files, so they never change once published; labels may.
"""

from types import MappingProxyType


def _vocab(*pairs: tuple[str, str]) -> MappingProxyType:
    return MappingProxyType(dict(pairs))


CATEGORIES = _vocab(
    ("domestic_abuse_perpetrators", "Domestic abuse (perpetrators)"),
    ("stalking", "Stalking"),
    ("substance_misuse", "Drugs and alcohol"),
    ("mental_health", "Mental health"),
    ("accommodation", "Accommodation"),
    ("employment_education_training", "Employment, education and training"),
    ("women", "Women"),
    ("young_adults", "Young adults (18 to 25)"),
    ("veterans", "Veterans"),
    ("neurodiversity", "Neurodiversity"),
    ("hate_crime", "Hate crime"),
    ("family_relationships", "Family and relationships"),
    ("wellbeing", "Personal wellbeing"),
    ("restorative_justice", "Restorative justice"),
    ("resettlement", "Resettlement and through the gate"),
)

COHORTS = _vocab(
    ("oocd", "Pre-charge or out-of-court disposal"),
    ("probation", "On probation"),
    ("prison_leaver", "Leaving prison"),
    ("remand", "On remand"),
    ("general_public", "Anyone (no criminal justice status needed)"),
)

PERSON_COHORTS = _vocab(
    ("oocd", "Pre-charge or out-of-court disposal"),
    ("probation", "On probation"),
    ("prison_leaver", "Leaving prison"),
    ("remand", "On remand"),
    ("none", "None of these"),
)

GENDERS = _vocab(
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
    ("unknown", "Not known"),
)

RISK_LEVELS = _vocab(
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
    ("very_high", "Very high"),
)

# Those in force first; the 2022 Act's cautions (not yet in force) after them.
DISPOSALS = _vocab(
    ("community_resolution", "Community resolution"),
    ("conditional_caution", "Conditional caution"),
    ("diversionary_caution", "Diversionary caution"),
    ("community_caution", "Community caution"),
)

# The DASH risk checklist's levels (domestic abuse, stalking and harassment).
DASH_LEVELS = _vocab(
    ("standard", "Standard"),
    ("medium", "Medium"),
    ("high", "High"),
)

CONDITION_KINDS = _vocab(
    ("rehabilitative", "Rehabilitative"),
    ("reparative", "Reparative"),
    ("restrictive", "Restrictive"),
    ("attendance", "Attendance"),
    ("unpaid_work", "Unpaid work"),
)

OFFENCES = _vocab(
    ("violence", "Violence against the person"),
    ("domestic_abuse", "Domestic abuse"),
    ("hate_crime", "Hate crime"),
    ("sexual", "Sexual offence"),
    ("sexual_against_child", "Sexual offence against a child"),
    ("indecent_images", "Indecent images of children"),
    ("stalking_harassment", "Stalking or harassment"),
    ("theft", "Theft or other acquisitive offence"),
    ("criminal_damage", "Criminal damage"),
    ("public_order", "Public order"),
    ("drugs_possession", "Drug possession (not Class A)"),
    ("class_a_drugs", "Class A drug offence"),
    ("weapons", "Offensive weapon or bladed article"),
    ("firearms", "Firearms"),
    ("child_cruelty", "Child cruelty"),
    ("motoring", "Motoring"),
    ("other", "Other"),
)

STATUSES = _vocab(
    ("planned", "Planned"),
    ("pilot", "Pilot"),
    ("commissioned", "Commissioned"),
    ("ended", "Ended"),
    ("unknown", "Not known"),
)

REFERRAL_ROUTES = _vocab(
    ("police", "Police"),
    ("probation", "Probation"),
    ("prison", "Prison"),
    ("courts", "Courts"),
    ("health", "Health services"),
    ("local_authority", "Local authority"),
    ("partner_agencies", "Partner agencies"),
    ("self", "Self-referral"),
)

VOCABULARIES = {
    "category": CATEGORIES,
    "cohort": COHORTS,
    "gender": GENDERS,
    "risk_level": RISK_LEVELS,
    "disposal": DISPOSALS,
    "dash_level": DASH_LEVELS,
    "condition_kind": CONDITION_KINDS,
    "offence": OFFENCES,
    "status": STATUSES,
    "referral_route": REFERRAL_ROUTES,
}
