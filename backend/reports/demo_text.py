"""The words in the demo data: plausible, anonymised, no real names (roles and numbered homes only).

Written from the kinds of complaint, learning and thanks the seed annual report describes
(6.6-6.8, 7, 14, 5.5), told as they would be about a children's home.
"""

from __future__ import annotations

# Per issue category: (what happened, what they want to happen).
COMPLAINTS: dict[str, tuple[tuple[str, str], ...]] = {
    "inadequate_service": (
        (
            "My key worker has changed three times since the summer and nobody has explained why.",
            "One key worker who stays, and to be told before it changes.",
        ),
        (
            "The support worker is often late for the visits we planned, so we lose the time together.",
            "Visits to start when they are meant to.",
        ),
        (
            "The plan agreed at the review has not been started and it has been two months.",
            "The plan to start and someone to tell us when.",
        ),
    ),
    "staff_attitude": (
        (
            "A member of staff spoke to my son in a way that upset him in front of the others.",
            "An apology and for it not to happen again.",
        ),
        (
            "One of the night staff laughed when I said I was worried about school.",
            "To be taken seriously when I say I am worried.",
        ),
    ),
    "contact": (
        (
            "Contact with his brother was cancelled twice this month and nobody told us why.",
            "Contact to happen as planned and to be told early if it cannot.",
        ),
        (
            "The contact room is too small and there is nothing to do there.",
            "A better room or to meet somewhere else.",
        ),
    ),
    "placement": (
        (
            "I was told I have to move placement and nobody asked what I think.",
            "To be asked before decisions are made about where I live.",
        ),
        (
            "The move was arranged before the checks were finished, so it had to be undone.",
            "Checks done first so moves are not reversed.",
        ),
    ),
    "communication": (
        (
            "I have phoned the home four times and nobody has called me back.",
            "A call back within a day or two.",
        ),
        (
            "We were not told about the review meeting until the day before.",
            "Proper notice of meetings.",
        ),
    ),
    "delay": (
        (
            "The passport application was promised in the spring and has still not been sent.",
            "The application sent this month.",
        ),
        (
            "The referral to the dentist has been waiting since before Christmas.",
            "An appointment booked.",
        ),
    ),
    "money": (
        (
            "My savings were not paid in for three months.",
            "The missing savings paid in and a statement.",
        ),
    ),
    "privacy": (
        (
            "My letters were opened before I got them.",
            "My post given to me closed.",
        ),
    ),
    "food_environment": (
        (
            "The heating in my room has been broken for two weeks.",
            "The heating fixed.",
        ),
    ),
    "education_health": (
        (
            "Nobody took me to my hospital appointment so I missed it.",
            "A new appointment and someone to take me.",
        ),
    ),
    "other": (("Something else went wrong and I want it looked at.", "For it to be put right."),),
}

INFORMAL: tuple[tuple[str, str], ...] = (
    ("The bedtime on Fridays changed and nobody asked us.", "To talk about bedtimes at the house meeting."),
    ("I do not want to make a complaint, I just want the wifi fixed.", "The wifi working again."),
    ("The matter is before the court but I want someone to know how unhappy we are.", "To be listened to."),
    ("My pocket money was late this week.", "It paid on the right day."),
    ("We were not told the outing was cancelled.", "To be told in good time."),
)

COMMENTS: tuple[tuple[str, str], ...] = (
    ("We should have a film night every Friday.", "A vote at the house meeting."),
    ("Could we grow vegetables in the garden?", "Some space and seeds."),
    ("The tablet should have more games that work offline.", "More offline games."),
    ("It would be nice to choose the menu one day a week.", "A menu day for us."),
    ("The lounge needs a bigger table for homework.", "A bigger table."),
)

COMPLIMENTS: tuple[tuple[str, str], ...] = (
    ("The night staff helped me when I could not sleep before my exam.", "The night staff"),
    ("Our worker made contact at the park really easy and fun.", "The contact team"),
    ("Thank you for the birthday cake, it was the best one.", "The cook"),
    ("The manager listened and sorted out my school transport.", "The home manager"),
    ("The staff settled him in so well after a hard move.", "The staff team"),
    ("The review was well prepared and covered everything.", "The reviewing officer"),
    ("Staff supported the young person through court with real care.", "The key worker"),
)

LEARNING: tuple[str, ...] = (
    "Contact missed because of a rota gap: contact days are now checked when the rota is set.",
    "Care plans are reviewed with the reviewing officer when a complaint shows the plan no longer fits.",
    "Contact arrangements were revised after the young person's complaint.",
    "Where several workers are involved, one named worker now coordinates and keeps the family informed.",
    "Late or missed visits are now reported to the manager the same day so they can be put right.",
    "Savings are checked monthly by the manager and shown to the young person.",
    "Placement moves wait until all checks are complete.",
    "Phone messages for the manager are logged and returned within two working days.",
)

# What the child (or their representative) is told, in plain words, by outcome.
FOR_CHILD = {
    "upheld": "We agree things went wrong. We are sorry. We have put it right and changed how we do things.",
    "partially_upheld": "We agree some things went wrong. We are sorry for those. We have explained the rest.",
    "not_upheld": "We looked carefully. We think staff did the right thing. We have explained why.",
    "resolution_meeting_offered": "We would like to meet you to talk it through and sort it out together.",
}
LETTER = {
    "upheld": "Stage 1 response: the complaint is upheld. We apologise and set out what has been done.",
    "partially_upheld": "Stage 1 response: the complaint is partially upheld. We apologise where things went wrong.",
    "not_upheld": "Stage 1 response: the complaint is not upheld. The records and the reasons are explained.",
    "resolution_meeting_offered": "Stage 1 response: a resolution meeting is offered to talk the complaint through.",
}
ACKNOWLEDGEMENT = "Thank you for your complaint. It is being looked into under Stage 1 of the complaints procedure."
CLOSING = (
    "The complaint is now closed. If you are not satisfied you may ask the Local Government and Social Care "
    "Ombudsman to look at it, within 12 months."
)
EXTENSION = ("The complaint covers several teams and needs a joint response.", "the complainant")
CONDUCT_SUBJECT = "A residential support worker"
CONDUCT_HANDLER = "The complaints officer (not the home's staff)"
LADO_NOT_REFERRED = "Considered with the safeguarding lead: no harm alleged; not referred to the LADO."
LADO_REFERRED = "Referred to the LADO the same day; Ofsted notified."
OMBUDSMAN_ENQUIRY = "The Ombudsman asked for the Stage 1 response and timeline; both sent. No further action."
COMPLAINANT_NAMES = {
    "parent_relative": "A parent",
    "advocate": "The child's advocate",
    "iro": "The Independent Reviewing Officer",
    "social_worker": "The child's social worker",
    "other_professional": "A visiting professional",
}
CONSENT = "The young person agreed that this person could raise it for them."
