"""The words a case is recorded in: states, outcomes, remedies, issue categories, who and how.

Keys are stored in the database and read by the reports; labels are what staff see.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    received = "received"
    informal = "informal"
    stage1 = "stage1"
    stage1_responded = "stage1_responded"
    stage2_requested = "stage2_requested"
    stage2 = "stage2"
    stage2_responded = "stage2_responded"
    stage3_requested = "stage3_requested"
    stage3_panel_held = "stage3_panel_held"
    stage3_reported = "stage3_reported"
    stage3_responded = "stage3_responded"
    closed = "closed"


STATE_LABELS: dict[str, str] = {
    "received": "Awaiting acknowledgement",
    "informal": "Informal resolution",
    "stage1": "Stage 1: local resolution",
    "stage1_responded": "Stage 1 response sent",
    "stage2_requested": "Stage 2 requested: agree statement of complaint",
    "stage2": "Stage 2: investigation",
    "stage2_responded": "Stage 2 response sent",
    "stage3_requested": "Stage 3 requested: convene review panel",
    "stage3_panel_held": "Stage 3: panel held, report due",
    "stage3_reported": "Stage 3: report sent, response due",
    "stage3_responded": "Stage 3 response sent: signpost Ombudsman",
    "closed": "Closed",
}
FEEDBACK_STATE_LABELS = {"received": "Open", "closed": "Closed"}

# Filter groups on the case list (and the stepper on a complaint's page).
STAGES: dict[str, tuple[str, ...]] = {
    "received": ("received",),
    "informal": ("informal",),
    "stage1": ("stage1", "stage1_responded"),
    "stage2": ("stage2_requested", "stage2", "stage2_responded"),
    "stage3": ("stage3_requested", "stage3_panel_held", "stage3_reported", "stage3_responded"),
    "closed": ("closed",),
}

OPEN_STATES = tuple(s.value for s in State if s != State.closed)

OUTCOME_LABELS = {
    "upheld": "Upheld",
    "partially_upheld": "Partially upheld",
    "not_upheld": "Not upheld",
    "resolution_meeting_offered": "Resolution meeting offered",
    "withdrawn": "Withdrawn",
    "not_accepted": "Not accepted",
}
# Findings staff choose when they respond (withdrawn and not accepted are steps of their own).
FINDINGS = ("upheld", "partially_upheld", "not_upheld", "resolution_meeting_offered")
UPHELD = ("upheld", "partially_upheld")

REMEDIES = {
    "apology": "Apology",
    "explanation": "Explanation",
    "service_provided": "Service provided",
    "change_of_practice": "Change of practice",
    "financial_redress": "Financial redress",
    "other": "Other",
}
CATEGORIES = {
    "inadequate_service": "Inadequate service",
    "staff_attitude": "Staff attitude or conduct",
    "contact": "Contact with family and friends",
    "placement": "Placement",
    "money": "Money and allowances",
    "privacy": "Privacy",
    "food_environment": "Food or home environment",
    "education_health": "Education or health",
    "communication": "Communication",
    "delay": "Delay",
    "other": "Other",
}
STAFF_CATEGORY = "staff_attitude"

# Who complained (seed annual report 3.1 iv): the child, or someone acting for them.
COMPLAINANTS = {
    "child": "The child or young person",
    "parent_relative": "Parent or relative",
    "advocate": "Advocate",
    "iro": "Independent Reviewing Officer",
    "social_worker": "Social worker",
    "other_professional": "Other professional",
}
# How it was received (seed annual report 8.5).
RECEIVED_VIA = {
    "tablet": "The home's tablet (this assistant)",
    "phone": "Telephone",
    "letter": "Letter",
    "email": "Email",
    "in_person": "In person",
    "leaflet": "Complaints leaflet",
}
# Why a complaint was not accepted (seed 003: exclusions; seed 001 2.4: the 12-month discretion).
NOT_ACCEPTED_REASONS = {
    "court_proceedings": "The matter is before a court (court proceedings)",
    "staff_disciplinary": "A staff disciplinary matter",
    "other_procedure": "A matter for another procedure",
    "other_agency": "A matter for another agency (forwarded to them)",
    "over_12_months": "About events more than 12 months ago (officer's discretion)",
    "no_consent": "Made for the child without the child's consent",
}
# Stages a finding can be recorded at (case_outcomes.stage).
OUTCOME_STAGES = {
    "stage1": "Stage 1",
    "stage2": "Stage 2",
    "stage3": "Stage 3",
    "informal": "Informal resolution",
    "comment": "Comment",
}
