"""How many of what the demo data holds: the seed annual report's year 2011/12 (seed 001), and the two before.

Every number here is the seed's, except where a comment says the seed gives none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class YearPlan:
    complainants: dict[str, int]  # statutory complaints by who made them (their sum is the complaints)
    stage1_bands: tuple[int, int, int, int, int]  # within 10, 11-20, 21-25, 26-30, over 30 working days
    stage1_outcomes: dict[str, int]  # findings at Stage 1
    informal: int
    compliments: int
    comments: int
    informal_withdrawn: int = 0
    open_after_response: int = 0  # answered at Stage 1, not closed yet
    advocacy_taken: int = 0
    ombudsman_enquiries: int = 0
    # A complaint that asks for Stage 2 late in this year and is answered early in the next.
    stage2_into_next_year: bool = False

    @property
    def complaints(self) -> int:
        return sum(self.complainants.values())


# 2011/12. 3.1 i and iv: 111 complaints, 82 by parents or relatives, 24 by children or their
# advocates, 5 by IROs (the split of the 24 is not given: 17 children and 7 advocates here).
# Section 10: 49 / 26 / 8 / 6 / 22 in the bands (44.1%, 23.4%, 7.2%, 5.4%, 19.8% of 111).
# 9.2: 41 upheld to some extent, 56 not upheld; the rest (14) "resolution meeting offered".
# 3.1 vii: 28 informal complaints; 3.3: 37 compliments; 3.2: three still open; 3.5: four
# children had an advocate. The seed counts no comments: 19 here.
SEED_YEAR = YearPlan(
    complainants={"parent_relative": 82, "child": 17, "advocate": 7, "iro": 5},
    stage1_bands=(49, 26, 8, 6, 22),
    stage1_outcomes={"upheld": 24, "partially_upheld": 17, "not_upheld": 56, "resolution_meeting_offered": 14},
    informal=28,
    compliments=37,
    comments=19,
    informal_withdrawn=2,
    open_after_response=3,
    advocacy_taken=4,
    ombudsman_enquiries=3,
)

# 2010/11 (3.1 i, vii; 5.4; 3.2 and 10.1 for last year's bands: 35%, 17%, 7%, 9.6%, 30%).
# One of its complaints reached Stage 2 and was answered in 2011/12 (3.1 viii).
YEAR_BEFORE = YearPlan(
    complainants={"parent_relative": 77, "child": 17, "advocate": 5, "iro": 5},
    stage1_bands=(37, 18, 7, 10, 32),
    stage1_outcomes={"upheld": 22, "partially_upheld": 16, "not_upheld": 53, "resolution_meeting_offered": 13},
    informal=45,
    compliments=56,
    comments=0,
    stage2_into_next_year=True,
)

# 2009/10: 111 complaints (3.1 i) and 83 compliments (5.4). The seed gives neither its informal
# complaints nor its timescales: none here, and the bands of 2010/11.
TWO_YEARS_BEFORE = YearPlan(
    complainants={"parent_relative": 83, "child": 18, "advocate": 5, "iro": 5},
    stage1_bands=(39, 19, 8, 11, 34),
    stage1_outcomes={"upheld": 23, "partially_upheld": 17, "not_upheld": 57, "resolution_meeting_offered": 14},
    informal=0,
    compliments=83,
    comments=0,
)

# Homes are numbered, not named, as the seed does (5.5). Shares of the complaints, compliments,
# comments and informal complaints by home: the last home is small on purpose, so the report
# shows how small numbers are hidden.
HOME_SHARES = (0.26, 0.23, 0.20, 0.16, 0.12, 0.03)
DEMO_HOMES = tuple((f"home-{n}", f"Home {n}") for n in range(1, len(HOME_SHARES) + 1))
# Complaints about two homes or services (each counted: 3.1 iii).
TWO_SERVICE_COMPLAINTS = 5

# 6.4: 115 issues in 111 complaints (the seed names the largest two; the rest spread here).
SEED_ISSUES = {
    "inadequate_service": 38,
    "staff_attitude": 22,
    "contact": 17,
    "placement": 12,
    "communication": 9,
    "delay": 7,
    "money": 4,
    "privacy": 2,
    "food_environment": 2,
    "education_health": 2,
}

# How complaints arrived, by who made them (8.5-8.6: the leaflet first, then phone and letters).
RECEIVED_BY_COMPLAINANT = {
    "child": {"tablet": 0.6, "leaflet": 0.25, "in_person": 0.15},
    "advocate": {"email": 0.45, "phone": 0.3, "letter": 0.25},
    "iro": {"email": 1.0},
    "parent_relative": {"leaflet": 0.37, "phone": 0.30, "letter": 0.18, "in_person": 0.09, "email": 0.06},
    "social_worker": {"email": 0.7, "phone": 0.3},
    "other_professional": {"letter": 0.5, "email": 0.5},
}
# Who compliments (5.2: service users, and professionals such as judges and guardians).
COMPLIMENT_SOURCES = {
    "child": 0.38,
    "parent_relative": 0.25,
    "social_worker": 0.16,
    "other_professional": 0.16,
    "iro": 0.05,
}
INFORMAL_SOURCES = {"parent_relative": 0.65, "child": 0.28, "advocate": 0.07}
INFORMAL_OUTCOMES = {"upheld": 0.22, "partially_upheld": 0.18, "not_upheld": 0.4, "resolution_meeting_offered": 0.2}


def allocate(total: int, shares: Mapping[str, float]) -> list[int]:
    """Split `total` by `shares` into whole numbers that add up to it (largest remainder first)."""
    weights = list(shares.values())
    scale = sum(weights)
    exact = [total * w / scale for w in weights]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))[: total - sum(counts)]:
        counts[i] += 1
    return counts
