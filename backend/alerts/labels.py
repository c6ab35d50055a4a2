"""How categories and sources are named on the staff pages (alerts and concerns share them)."""

from __future__ import annotations

CATEGORY_LABELS = {
    "self_harm_suicide": "Self-harm or suicide",
    "physical_abuse": "Physical abuse",
    "sexual_abuse": "Sexual abuse",
    "sexual_exploitation_grooming": "Sexual exploitation or grooming",
    "criminal_exploitation": "Criminal exploitation",
    "going_missing": "Going missing",
    "neglect": "Neglect",
    "bullying_threats": "Bullying or threats",
    "staff_conduct": "Staff conduct",
    "unsafe_general": "Feels unsafe",
}
SOURCE_LABELS = {
    "detector": "detected in the child's words",
    "button": "the child tapped \u201cI don't feel safe\u201d",
    "person_request": "the child asked to talk to a person",
    "check_in": "the child answered the check-in and wants to talk to someone",
    "concern": "turned into an alert by staff from a concern",
}


def category_label(category: str | None) -> str:
    if not category:
        return "Not given"
    return CATEGORY_LABELS.get(category, category.replace("_", " ").capitalize())
