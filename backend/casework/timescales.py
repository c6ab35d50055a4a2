"""Every statutory time limit, in working days (England bank holidays excluded).

Children Act 1989 Representations Procedure (England) Regulations 2006, as the seeds
(003, 001 section 2) and DESIGN.md give them. The step table (steps.py) is the only reader;
nothing else restates a number of days.
"""

from __future__ import annotations

ACK_DAYS = 3
STAGE1_DAYS = 10
STAGE1_EXTENDED_DAYS = 20
# Comments and informal resolution get a Stage-1-like answer.
COMMENT_DAYS = 10
INFORMAL_DAYS = 10
# After a Stage 1 (or 2) response the child may ask for the next stage within this many
# working days; a later request needs a recorded discretion.
NEXT_STAGE_REQUEST_DAYS = 20
STAGE2_DAYS = 25
STAGE2_MAX_DAYS = 65
STAGE3_PANEL_DAYS = 30
STAGE3_REPORT_DAYS = 5
STAGE3_RESPONSE_DAYS = 15
# Calendar limits (not working days).
LATE_COMPLAINT_MONTHS = 12  # a complaint about events older than this may be refused
OMBUDSMAN_MONTHS = 12  # the Ombudsman expects a complaint within 12 months
