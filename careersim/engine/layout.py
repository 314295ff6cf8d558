"""The columns of the agent arrays, the bits of their flags column and the columns of
the monthly step's statistics.

Researchers are rows of two arrays: ``F`` (floats) and ``I`` (integers), one
column per attribute, so the monthly step can run as one compiled loop. The
integer constants here are the column indices and the codes stored in them;
numba treats them as compile-time constants. (The step's parameter vector is
laid out in :mod:`careersim.engine.vector`.)
"""

from careersim.core.codes import STATE_NAMES

# --- float columns ----------------------------------------------------------------------
EXE, GEN, EVL, IMP = 0, 1, 2, 3  # skills: execution, idea generation, idea evaluation, impact judgement
LR, SDIR, RESIL, SMOT, LEGIB = 4, 5, 6, 7, 8  # traits
RECORD, LETTERS, WELL, MOTIV = 9, 10, 11, 12
LEAD_YEARS, LEAD_PRE, LEAD_SAFE_PRE = 13, 14, 15
SKILL0 = 16  # 16..19: skills at entry
EXE2 = 20  # execution two years after entry (claim C3)
# the monthly step's cache of the hands-on learning factor exp(key * lr * dt), recomputed
# only when key = -(hands-on rate of the person's role) changes; the key starts as NaN
HANDS_KEY, HANDS_EXP = 21, 22
NF = 23
SKILL_NAMES = ("execution", "idea_generation", "idea_evaluation", "impact_judgement")

# --- integer columns ----------------------------------------------------------------------
PID, STATE, TRACK, KIND, BACKGROUND, COHORT = 0, 1, 2, 3, 4, 5
ENTRY, SINCE, ADVISOR, PHD_START, PHD_END, FLAGS = 6, 7, 8, 9, 10, 11
FUND_END, APPLY_AT, PROG_END, READY, LEAD_TICK, LEAD_SRC = 12, 13, 14, 15, 16, 17
EXIT_REASON, EXIT_TICK, WAIT_SINCE, ATTEMPTS, REJECTIONS, FIRST_FUNDED = 18, 19, 20, 21, 22, 23
PHD_READY = 24  # tick of readiness while a PhD student (for C4), -1 if none
SETTINGS = 25  # the row of the person's own settings in ``world.settings``; -1: the scenario's for everything
NI = 26

# --- flag bits ----------------------------------------------------------------------------
F_FOCUS = 1 << 0  # agenda inside funders' focus areas
F_COLLAB = 1 << 1  # has a collaborator
F_PLAN = 1 << 2  # writes a plan and gets early feedback
F_ACCOUNT = 1 << 3  # commits to publishing
F_CUTLOSS = 1 << 4  # cuts losses early
F_UPSKILL = 1 << 5  # goal is upskilling
F_EXPOSED = 1 << 6  # has had outside safety exposure
F_HAS_PHD = 1 << 7
F_PHD_INTENT = 1 << 8  # contributor who would do a PhD
F_REFUSE_PAY = 1 << 9  # will not take a pay cut
F_WANTS_GRANT = 1 << 10  # wants to submit a grant application
F_PENDING = 1 << 11  # has an application in review
F_EVER_PHD = 1 << 12  # ever started a PhD
F_SAFE_ADVISOR = 1 << 13  # had a safety-interested advisor
F_PROGRAMME = 1 << 14  # ever in a mentorship programme

# --- a person's own settings (rows of ``world.settings``, one per extra cohort) -------------
# NaN in a column: the scenario's. Independent mentor hours a week and quality; the advisor
# quality admissions place the person nearest to; the programme mode; a grant held from
# entry, ticks (independent track); a PhD application planned after this many ticks as a
# contributor
PS_MENTOR_HOURS, PS_MENTOR_QUALITY, PS_ADVISOR_QUALITY, PS_PROGRAMME, PS_FUNDED_TICKS, PS_PHD_AFTER = range(6)
N_PS = 6
# programme modes: compete for a place like everyone, a place at the first cohort the person
# may join (beyond the cohort's places), never a place
PROG_COMPETE, PROG_ALWAYS, PROG_NEVER = 0, 1, 2
PROGRAMME_MODES = ("compete", "always", "never")

# --- the monthly step's statistics ----------------------------------------------------------
#: ``world.stats`` after a step: researchers per state (by state code), then how many are
#: lead-ready, lead-ready and waiting for a role, holding a grant, wanting to apply for one,
#: contributors at non-profits and small funders' leads (who work as independents): the
#: last two ask for the leads' mentor time
STATS = STATE_NAMES + ("ready", "waiting", "funded", "wants", "nonprofit", "independent_leads")
ST_READY = STATS.index("ready")
ST_WAITING = STATS.index("waiting")
ST_FUNDED = STATS.index("funded")
ST_WANTS = STATS.index("wants")
ST_NONPROFIT = STATS.index("nonprofit")
ST_INDEPENDENT_LEADS = STATS.index("independent_leads")
N_STATS = len(STATS)
