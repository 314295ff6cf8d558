"""The codes of careersim's categories, defined once: states, intended starting tracks,
contributor kinds, backgrounds, lead sources, exit reasons and transition reasons.

Each category is a tuple of names whose positions are the integer codes stored in
the engine's arrays (numba reads the integer constants as compile-time constants),
in the tables' categorical columns and in the reports.
"""

# --- states: every agent is in exactly one at every moment -------------------
WAITING = 0  # not yet entered the field
APPLICANT = 1  # intends a PhD, waiting for an admission round
PHD = 2
INDEPENDENT = 3  # independent researcher with a grant
UNFUNDED = 4  # independent researcher without a grant (gap, or before the first)
CONTRIBUTOR = 5
LEAD = 6
EXITED = 7
STATE_NAMES = ("waiting", "phd_applicant", "phd", "independent", "unfunded", "contributor", "lead", "exited")
N_STATES = len(STATE_NAMES)

# --- intended starting tracks (intention to treat) ----------------------------
T_PHD, T_INDEPENDENT, T_CONTRIBUTOR, T_INITIAL = 0, 1, 2, 3
TRACK_NAMES = ("phd", "independent", "contributor", "initial_field")

# --- contributor sub-kinds ------------------------------------------------------
K_INDUSTRY, K_NONPROFIT, K_ACADEMIC = 0, 1, 2
KIND_NAMES = ("industry", "nonprofit", "academic")

# --- backgrounds ----------------------------------------------------------------
BACKGROUND_NAMES = ("undergraduate", "masters", "industry_engineer", "phd_elsewhere")

# --- lead sources (M7) ------------------------------------------------------------
S_BIG_RFP, S_ADJACENT, S_ACADEMIA, S_SMALL_FUNDER, S_AUTONOMY, S_AGNOSTIC, S_INITIAL = range(7)
SOURCE_NAMES = ("big_rfp", "adjacent_org", "academia", "small_funder", "autonomy_role", "agnostic_org", "initial")

# --- exit reasons (M8) --------------------------------------------------------------
R_NONE, R_BURNOUT, R_FUNDING, R_OTHER_WORK, R_NO_OPENING = range(5)
EXIT_NAMES = ("none", "burnout", "funding_ran_out", "left_for_other_work", "no_lead_opening")

# --- transition reasons (the events table) ---------------------------------------------
(
    E_ENTRY,
    E_ADMITTED,
    E_NOT_ADMITTED,
    E_GRADUATED,
    E_FUNDED,
    E_FUNDING_GAP,
    E_GAP_TO_JOB,
    E_TO_PHD,
    E_HIRED,
    E_LEAD_ENDED,
    E_EXIT,
) = range(11)
EVENT_NAMES = (
    "entry",
    "admitted",
    "not_admitted",
    "graduated",
    "funded",
    "funding_gap",
    "gap_to_contributor",
    "applied_to_phd",
    "hired_as_lead",
    "lead_role_ended",
    "exit",
)

# --- convenient groups -----------------------------------------------------------------
TRACKS = TRACK_NAMES[:3]  # the three intended starting tracks of entrants
BACKGROUNDS = BACKGROUND_NAMES
EXIT_REASONS = EXIT_NAMES[1:]  # every reason a researcher may leave for
# the scarce resources whose use and excess demand every run reports
RESOURCES = ("advisor_slots", "grantmaker_time", "money", "programme_places", "lead_openings")
