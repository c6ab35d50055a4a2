"""The case list, the case page and the workflow step forms."""

from __future__ import annotations

from datetime import date

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.deadlines import DUE_SOON_WORKING_DAYS, WorkingCalendar, local_date
from backend.models import StaffUser
from backend.staff.audit import audit
from backend.staff.keys import SUBMITTED_FORM
from backend.staff.models import Home
from backend.staff.roles import (
    CASE_READERS,
    CASE_WORKERS,
    SAFEGUARDING_LEAD,
    home_scope,
    may_see_case,
    require_role,
    sees_staff_conduct,
)
from backend.timeutil import utcnow
from backend.web.forms import FormError, step_input
from backend.workflow.child_view import child_status
from backend.workflow.models import Case
from backend.workflow.queries import CaseFilters, advocacy_for, list_cases
from backend.workflow.rules import (
    ACTIONS,
    EVENT_LABELS,
    FEEDBACK_STATE_LABELS,
    STAGES,
    STATE_LABELS,
    WorkflowError,
    available_actions,
    initial_step,
)
from backend.workflow.service import case_by_reference, perform, timeline, working_calendar

# Which form fields each step asks for (rendered by the `field` macro in case.html).
FIELDS: dict[str, list[str]] = {
    "acknowledge": ["on", "text_sent", "categories", "staff_conduct"],
    "extend_stage1": ["on", "reason", "agreed_with"],
    "respond_stage1": ["on", "text_sent", "outcome", "remedies", "learning"],
    "request_stage2": ["on", "note"],
    "agree_statement": ["on", "text_sent"],
    "extend_stage2": ["on", "limit_days", "reason"],
    "respond_stage2": ["on", "text_sent", "outcome", "remedies", "learning"],
    "request_stage3": ["on", "note"],
    "panel_held": ["on", "note"],
    "panel_report": ["on", "text_sent"],
    "respond_stage3": ["on", "text_sent", "outcome", "remedies", "learning"],
    "signpost_ombudsman": ["on", "text_sent"],
    "close": ["on", "note"],
    "withdraw": ["on", "note"],
    "classify": ["categories", "staff_conduct"],
    "record_lado": ["decision"],
    "respond_comment": ["on", "text_sent", "shared_with", "shared_how", "change_in_practice"],
    "pass_on": ["on", "shared_with", "shared_how"],
    "record_feedback": ["shared_with", "shared_how", "change_in_practice"],
}
TEXT_LABELS = {
    "acknowledge": "Acknowledgement sent to the child",
    "agree_statement": "Agreed statement of complaint",
    "panel_report": "Panel report (or its summary)",
    "signpost_ombudsman": "Ombudsman signposting sent to the child",
}
NOTE_LABELS = {
    "close": "Why the case is closed (e.g. child satisfied with the response)",
    "withdraw": "How and when the child withdrew it",
    "request_stage2": "How the child asked (and who helped)",
    "request_stage3": "How the child asked (and who helped)",
    "panel_held": "Panel members and notes",
}
# The step that keeps a case moving is shown open.
PRIMARY_ACTIONS = {
    "acknowledge",
    "respond_stage1",
    "agree_statement",
    "respond_stage2",
    "request_stage3",
    "panel_held",
    "panel_report",
    "respond_stage3",
    "signpost_ombudsman",
    "respond_comment",
    "pass_on",
}
OMBUDSMAN_TEXT = (
    "If you are still not happy, you can ask the Local Government and Social Care Ombudsman to look at your "
    "complaint. It is free. Website: www.lgo.org.uk  Phone: 0300 061 0614. Your advocate can help you."
)


def _suggestions(case: Case, calendar: WorkingCalendar) -> dict[str, str]:
    """Starting texts staff can edit: plain words the child can read."""
    stage1_due = calendar.add_working_days(case.received_on, 10)
    return {
        "acknowledge": (
            "Thank you for telling us. I have read your complaint and I am looking into it. "
            f"I will give you an answer by {stage1_due:%A} {stage1_due.day} {stage1_due:%B}."
        ),
        "signpost_ombudsman": OMBUDSMAN_TEXT,
    }


def due_info(case: Case, calendar: WorkingCalendar, today: date) -> dict[str, str] | None:
    """How the deadline is shown: overdue (red), due soon (amber) or plain."""
    if case.due_on is None or case.state == "closed":
        return None
    if case.due_on < today:
        late = calendar.working_days_between(case.due_on, today)
        return {"css": "overdue", "text": f"Overdue by {late} working day{'s' if late != 1 else ''}"}
    left = calendar.working_days_between(today, case.due_on)
    if left <= DUE_SOON_WORKING_DAYS:
        text = "Due today" if left == 0 else f"Due in {left} working day{'s' if left != 1 else ''}"
        return {"css": "due-soon", "text": text}
    return {"css": "on-time", "text": f"{left} working days left"}


def _initial_due(case: Case, calendar: WorkingCalendar) -> date | None:
    _, limit = initial_step(case.submission.kind)
    return calendar.add_working_days(case.received_on, limit) if limit is not None else None


_STEPS = [
    ("received", "Received"),
    ("stage1", "Stage 1"),
    ("stage2", "Stage 2"),
    ("stage3", "Stage 3"),
    ("closed", "Closed"),
]


def _stepper(case: Case) -> list[dict[str, str]]:
    """Received -> Stage 1 -> 2 -> 3 -> Closed, marking done / current / to come (complaints only)."""
    if case.submission.kind != "complaint":
        return []
    current = next(group for group, states in STAGES.items() if case.state in states)
    order = [key for key, _ in _STEPS]
    return [
        {
            "label": label,
            "css": "done" if order.index(key) < order.index(current) else "current" if key == current else "",
        }
        for key, label in _STEPS
    ]


async def home_names(request: web.Request) -> dict[str, str]:
    async with request.app[SESSIONMAKER]() as session:
        return {code: name for code, name in (await session.execute(select(Home.code, Home.name))).all()}


def state_label(case: Case) -> str:
    if case.submission.kind != "complaint":
        return FEEDBACK_STATE_LABELS.get(case.state, case.state)
    return STATE_LABELS.get(case.state, case.state)


def _filters(request: web.Request, user: StaffUser) -> CaseFilters:
    q = request.query
    return CaseFilters(
        kind=q.get("kind", "") if q.get("kind") in {"complaint", "comment", "compliment"} else "",
        stage=q.get("stage", "") if q.get("stage") in STAGES else "",
        status=q.get("status", "open") if q.get("status", "open") in {"open", "closed", "all"} else "open",
        home=q.get("home", "")[:64],
        overdue=q.get("overdue") == "1",
        due_this_week=q.get("due_week") == "1",
        staff_conduct_only=user.role == SAFEGUARDING_LEAD,
        hide_staff_conduct=not sees_staff_conduct(user.role),
    )


async def case_list(request: web.Request) -> web.Response:
    user = require_role(request, *CASE_READERS)
    filters = _filters(request, user)
    today = local_date(utcnow())
    calendar = working_calendar(request.app[SETTINGS])
    async with request.app[SESSIONMAKER]() as session:
        homes = await home_scope(session, user)
        rows = await list_cases(session, filters, homes, today)
        home_query = select(Home).order_by(Home.name)
        if homes is not None:
            home_query = home_query.where(Home.code.in_(homes))
        home_options = list(await session.scalars(home_query))
        await audit(session, user, "view_case_list", "case_list", None, request.query_string or None)
        await session.commit()
    items = [{"case": r.case, "advocacy": r.advocacy_requests, "due": due_info(r.case, calendar, today)} for r in rows]
    counts = {
        "overdue": sum(1 for i in items if i["due"] and i["due"]["css"] == "overdue"),
        "due_soon": sum(1 for i in items if i["due"] and i["due"]["css"] == "due-soon"),
        "advocacy": sum(1 for i in items if i["advocacy"]),
    }
    return aiohttp_jinja2.render_template(
        "cases.html",
        request,
        {
            "items": items,
            "filters": filters,
            "homes": home_options,
            "counts": counts,
            "state_label": state_label,
            "no_home_scope": homes is not None and not homes,
            "home_names": await home_names(request),
            "handed_over": request.query.get("handed_over") == "1",
        },
    )


async def _load_visible_case(request: web.Request, user: StaffUser, session: AsyncSession) -> Case:
    case = await case_by_reference(session, request.match_info["reference"])
    homes = await home_scope(session, user)
    if case is None or not may_see_case(user, homes, case.submission.home_code, case.staff_conduct):
        # Same answer for "not there" and "not yours": no probing other homes' references.
        raise web.HTTPNotFound(reason="no case with that reference that you can see")
    return case


async def case_page(request: web.Request) -> web.Response:
    user = require_role(request, *CASE_READERS)
    return await _render_case(request, user, error=None, status=200)


async def _render_case(request: web.Request, user: StaffUser, error: str | None, status: int) -> web.Response:
    today = local_date(utcnow())
    calendar = working_calendar(request.app[SETTINGS])
    async with request.app[SESSIONMAKER]() as session:
        case = await _load_visible_case(request, user, session)
        events = await timeline(session, case)
        advocacy = await advocacy_for(session, case.submission_id)
        await audit(
            session, user, "view_case", "case", case.submission.reference, None, home_code=case.submission.home_code
        )
        await session.commit()
    sub = case.submission
    actions = []
    if user.role in CASE_WORKERS or user.role == SAFEGUARDING_LEAD:
        for name in available_actions(sub.kind, case.state):
            spec = ACTIONS[name]
            if user.role in CASE_WORKERS or user.role in spec.extra_roles:
                actions.append((name, spec.label))
    return aiohttp_jinja2.render_template(
        "case.html",
        request,
        {
            "case": case,
            "sub": sub,
            "events": events,
            "advocacy": advocacy,
            "actions": actions,
            "due": due_info(case, calendar, today),
            "state_label": state_label(case),
            "child_view": child_status(sub.kind, case.state, case.due_on, case.outcome, today),
            "today": today.isoformat(),
            "error": error,
            "action_labels": EVENT_LABELS,
            "stepper": _stepper(case),
            "home_names": await home_names(request),
            "form": request.get(SUBMITTED_FORM, {}),
            "fields": FIELDS,
            "text_labels": TEXT_LABELS,
            "note_labels": NOTE_LABELS,
            "primary_actions": PRIMARY_ACTIONS,
            "suggestions": _suggestions(case, calendar),
            "initial_due": _initial_due(case, calendar),
        },
        status=status,
    )


async def case_action(request: web.Request) -> web.StreamResponse:
    action = request.match_info["action"]
    spec = ACTIONS.get(action)
    if spec is None:
        raise web.HTTPNotFound(reason="no such step")
    user = require_role(request, *CASE_WORKERS, *spec.extra_roles)
    form = await request.post()
    now = utcnow()
    async with request.app[SESSIONMAKER]() as session:
        case = await _load_visible_case(request, user, session)
        try:
            data = step_input(form, local_date(now))
            await perform(session, case, action, data, user, working_calendar(request.app[SETTINGS]), now)
        except (FormError, WorkflowError) as exc:
            await session.rollback()
            request[SUBMITTED_FORM] = {"action": action, **{k: v for k, v in form.items() if isinstance(v, str)}}
            return await _render_case(request, user, error=f"{spec.label}: {exc}", status=400)
        homes = await home_scope(session, user)
        still_visible = may_see_case(user, homes, case.submission.home_code, case.staff_conduct)
    if not still_visible:
        # Now flagged as being about staff: it has passed to those who may read it (roles.py).
        raise web.HTTPSeeOther("/staff/cases?handed_over=1")
    raise web.HTTPSeeOther(f"/staff/cases/{case.submission.reference}#timeline")
