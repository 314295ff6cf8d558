"""The words the reports use for careersim's codes (tracks, backgrounds, states, exit reasons,
resources), defined once for every page, chart and sentence.

Each mapping is one wording for one use: ``TRACK_LABEL`` fits in a
sentence ("... was the PhD"), ``TRACK_SHORT`` heads a table row or labels a
line. The words of ``careersim advise``'s profile (its paths, traits and
inputs) are part of the profile format, in :mod:`careersim.config.profiles`.
"""

from __future__ import annotations

# -- intended starting tracks -----------------------------------------------------
TRACK_LABEL = {"phd": "the PhD", "independent": "independent research", "contributor": "a research contributor role"}
TRACK_SHORT = {"phd": "PhD", "independent": "Independent", "contributor": "Contributor"}
#: the paths of careersim advise in the terminal's narrow first column
PATH_TERM = {**TRACK_SHORT, "contributor_then_phd": "Contrib\u2192PhD"}

# -- backgrounds and groups of entrants ---------------------------------------------
BACKGROUND_LABEL = {
    "undergraduate": "entrants with a bachelor's degree",
    "masters": "entrants with a master's degree",
    "industry_engineer": "former industry engineers",
    "phd_elsewhere": "PhD students or graduates from other fields",
    "existing field": "the existing field (researchers present at the start)",
}
BACKGROUND_SHORT = {
    "undergraduate": "Bachelor's",
    "masters": "Master's",
    "industry_engineer": "Industry engineer",
    "phd_elsewhere": "PhD in another field",
}
GROUP_LABEL = {
    "all": "all entrants",
    "phd": "PhD-track entrants",
    "independent": "independent-track entrants",
    "contributor": "contributor-track entrants",
    **BACKGROUND_LABEL,
}

# -- states ---------------------------------------------------------------------------
STATE_ORDER = ("phd_applicant", "phd", "independent", "unfunded", "contributor", "lead", "exited")
STATE_LABEL = {
    "phd_applicant": "Applying for PhD",
    "phd": "PhD student",
    "independent": "Independent, funded",
    "unfunded": "Independent, no grant",
    "contributor": "Contributor",
    "lead": "Research lead",
    "exited": "Left the field",
    "waiting": "Not yet entered",
}

# -- exit reasons ---------------------------------------------------------------------
EXIT_LABEL = {
    "burnout": "burnout or poor mental health",
    "funding_ran_out": "running out of funding",
    "left_for_other_work": "leaving for other work or better pay",
    "no_lead_opening": "finding no lead opening",
}
EXIT_SHORT = {
    "burnout": "burned out",
    "funding_ran_out": "funding ran out",
    "left_for_other_work": "left for other work",
    "no_lead_opening": "ready, no opening",
}

# -- scarce resources and their time series ------------------------------------------------
RESOURCE_LABEL = {
    "advisor_slots": "PhD advisor slots",
    "grantmaker_time": "grantmaker time",
    "money": "grant money",
    "programme_places": "mentorship-programme places",
    "lead_openings": "lead openings",
}
SHORT_SERIES = {
    "grant_queue": "Grant applications queued",
    "reviewer_utilisation": "Grantmaker time in use",
    "advisor_utilisation": "Advisor slots in use",
    "ready_waiting": "Ready, without a lead role",
    "positions": "Lead positions",
    "n_lead": "Leads from the field",
    "outside_leads": "Leads hired from outside",
    "openings_growth": "New positions a year",
    "openings_replacement": "Reopened positions a year",
    "mentor_hours_supplied": "Mentor hours a week supplied",
    "mentor_hours_asked": "Mentor hours a week asked",
    "mentor_met": "Share of mentor hours met",
}
