"""The colours and line styles of every chart and page, defined once.

Categories use the Okabe-Ito colour-blind-safe palette (Okabe and Ito,
*Color Universal Design*, 2008), and a series never differs by colour alone:
each also has its own marker and line style (``ls`` for matplotlib,
``dash`` for SVG's ``stroke-dasharray``). Neutral greys are named by use.
"""

from __future__ import annotations

OKABE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#8C8C8C",
}

#: greys by use, darkest first
NEUTRAL = {
    "ink": "#222222",  # labels drawn on charts, outlines
    "text": "#333333",  # annotations
    "axis": "#444444",  # axes, zero and reference lines
    "muted": "#555555",  # secondary text
    "line": "#666666",  # grey data lines
    "rule": "#777777",  # faint reference lines
    "fill": "#999999",  # a category without its own colour
    "link": "#BBBBBB",  # connectors between paired points
    "edge": "#CCCCCC",  # hatching of shaded spans
    "grid": "#E6E6E6",  # grid lines
    "shade": "#EEEEEE",  # shaded spans
}

#: the marking colour: policies, the arrival of transformative AI, warnings
MARK = OKABE["vermillion"]
#: the colour of links, the accent of pages
ACCENT = OKABE["blue"]
#: verdicts on a page: matched, missed, and the band of "close enough"
STATUS = {"good": "#1A7F37", "bad": "#B3261E", "good_band": "#E6F4EA"}

#: intended starting tracks, and the paths of ``careersim advise`` (the same colour for the same route)
TRACK_STYLE = {
    "phd": {"color": OKABE["blue"], "marker": "o", "ls": "-"},
    "independent": {"color": OKABE["orange"], "marker": "s", "ls": "--"},
    "contributor": {"color": OKABE["green"], "marker": "^", "ls": ":"},
}
PATH_STYLE = {
    "phd": {"color": TRACK_STYLE["phd"]["color"], "dash": ""},
    "independent": {"color": TRACK_STYLE["independent"]["color"], "dash": "6 3"},
    "contributor": {"color": TRACK_STYLE["contributor"]["color"], "dash": "2 3"},
    "contributor_then_phd": {"color": OKABE["purple"], "dash": "9 3 2 3"},
}
#: further colours for comparisons of many scenarios, from Paul Tol's colour-blind-safe schemes
#: (P. Tol, "Colour schemes", SRON technical note, 2021), chosen to stay apart from Okabe-Ito's
TOL = {
    "indigo": "#332288",
    "wine": "#882255",
    "olive": "#999933",
    "brown": "#8C510A",
    "teal": "#44AA99",
    "rose": "#CC6677",
    "sand": "#B8A040",
    "purple": "#AA4499",
}

#: scenarios of a comparison, in order (the base first): sixteen styles, each with its own colour and
#: its own marker or line pattern, so sixteen scenarios never share a style
SCENARIO_STYLES = [
    {"color": OKABE["black"], "marker": "o", "ls": "-"},
    {"color": OKABE["vermillion"], "marker": "s", "ls": "--"},
    {"color": OKABE["blue"], "marker": "^", "ls": "-."},
    {"color": OKABE["purple"], "marker": "D", "ls": ":"},
    {"color": OKABE["green"], "marker": "v", "ls": (0, (5, 1))},
    {"color": OKABE["orange"], "marker": "P", "ls": (0, (3, 1, 1, 1, 1, 1))},
    {"color": OKABE["sky"], "marker": "X", "ls": (0, (1, 1))},
    {"color": TOL["indigo"], "marker": "*", "ls": (0, (5, 2, 1, 2))},
    {"color": TOL["wine"], "marker": "h", "ls": (0, (8, 2))},
    {"color": TOL["olive"], "marker": "p", "ls": (0, (2, 2))},
    {"color": TOL["brown"], "marker": "<", "ls": (0, (4, 1, 1, 1))},
    {"color": OKABE["grey"], "marker": ">", "ls": (0, (6, 3, 2, 3))},
    {"color": TOL["teal"], "marker": "d", "ls": (0, (3, 3))},
    {"color": TOL["rose"], "marker": "H", "ls": (0, (7, 2, 2, 2))},
    {"color": TOL["sand"], "marker": "8", "ls": (0, (1, 3))},
    {"color": TOL["purple"], "marker": "1", "ls": (0, (10, 3))},
]
#: states of a researcher (flows between states)
STATE_COLOR = {
    "phd_applicant": OKABE["sky"],
    "phd": OKABE["blue"],
    "independent": OKABE["orange"],
    "unfunded": OKABE["yellow"],
    "contributor": OKABE["green"],
    "lead": OKABE["purple"],
    "exited": OKABE["grey"],
    "waiting": OKABE["grey"],
}
#: a sweep factor's role: a lever a policymaker sets, or an uncertainty about the world
ROLE_COLOR = {"lever": OKABE["vermillion"], "uncertainty": OKABE["blue"], "total": OKABE["sky"], "grey": OKABE["grey"]}
#: a calibration's model values before and after the fit
FIT_COLOR = {"before": NEUTRAL["fill"], "after": OKABE["blue"]}
