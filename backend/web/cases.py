"""The case list, the case page and the workflow step forms."""

from __future__ import annotations

from datetime import date

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.casework.child_view import child_status
from backend.casework.models import Case
from backend.casework.queries import CaseFilters, advocacy_for, list_cases
from backend.casework.rules import WorkflowError, available_actions, initial_step
from backend.casework.service import case_by_reference, outcomes, perform, timeline, working_calendar
from backend.casework.steps import STEPS
from backend.casework.timescales import NEXT_STAGE_REQUEST_DAYS
from backend.casework.vocab import FEEDBACK_STATE_LABELS, STAGES, STATE_LABELS
from backend.deadlines import WorkingCalendar, local_date
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

OMBUDSMAN_TEXT = (
    "If you are still not happy, you can ask the Local Government and Social Care Ombudsman to look at your "
    "complaint. It is free and independent. You should contact them within 12 months of when you first knew about "
    "the problem. Website: www.lgo.org.uk  Phone: 0300 061 0614. Your advocate can help you."
)


def _suggestions(case: Case, calendar: WorkingCalendar) -> dict[str, str]:
    """Starting texts staff can edit, keyed "step:field": plain words the complainant can read."""
    ack = STEPS["acknowledge"].clock_for("complaint")
    stage1_due = calendar.add_working_days(case.received_on, getattr(ack, "days", 0))
    take_further = (
        "If you are not happy with this answer, you can ask for your complaint to go to Stage 2, where someone "
        f"independent looks into it. Please tell us within {NEXT_STAGE_REQUEST_DAYS} working days. "
        "An advocate can help you."
    )
    return {
        "acknowledge:text_sent": (
            "Thank you for telling us. I have read your complaint and I am looking into it. "
            f"I will give you an answer by {stage1_due:%A} {stage1_due.day} {stage1_due:%B}."
        ),
        "respond_stage1:text_sent": take_further,
        "respond_stage2:text_sent": (
            "If you are not happy with this answer, you can ask for a review panel (Stage 3) within "
            f"{NEXT_STAGE_REQUEST_DAYS} working days."
        ),
        "respond_stage3:text_sent": OMBUDSMAN_TEXT,
        "signpost_ombudsman:text_sent": OMBUDSMAN_TEXT,
        "close:text_sent": OMBUDSMAN_TEXT,
        "not_accept:text_sent": OMBUDSMAN_TEXT,
    }


def due_info(case: Case, calendar: WorkingCalendar, today: date) -> dict[str, str] | None:
    """How the deadline is shown: overdue (red), due soon (amber) or plain."""
    if case.due_on is None or case.state == "closed":
        return None
    if case.due_on < today:
        late = calendar.working_days_between(case.due_on, today)
        return {"css": "overdue", "text": f"Overdue by {late} working day{'s' if late != 1 else ''}"}
    left = calendar.working_days_between(today, case.due_on)
    if calendar.is_due_soon(case.due_on, today):
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
    """Received -> Stage 1 -> 2 -> 3 -> Closed, marking done / current / to come (statutory complaints only)."""
    if case.submission.kind != "complaint" or case.route == "informal":
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
    if case.route == "informal" and case.state == "closed":
        return "Closed (informal resolution)"
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
    dues = [due_info(r.case, calendar, today) for r in rows]
    items = [{"case": r.case, "advocacy": r.advocacy_requests, "due": due} for r, due in zip(rows, dues, strict=True)]
    counts = {
        "overdue": sum(1 for due in dues if due and due["css"] == "overdue"),
        "due_soon": sum(1 for due in dues if due and due["css"] == "due-soon"),
        "advocacy": sum(1 for r in rows if r.advocacy_requests),
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
    if (
        case is None
        or not may_see_case(user, homes, case.submission.home_code, case.staff_conduct)
        # A complaint about a member of staff is never shown to that person.
        or case.subject_staff_id == user.id
    ):
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
        findings = await outcomes(session, case)
        advocacy = await advocacy_for(session, case.submission_id)
        await audit(
            session, user, "view_case", "case", case.submission.reference, None, home_code=case.submission.home_code
        )
        await session.commit()
    sub = case.submission
    actions = []
    if user.role in CASE_WORKERS or user.role == SAFEGUARDING_LEAD:
        for name in available_actions(sub.kind, case):
            if user.role in CASE_WORKERS or user.role in STEPS[name].extra_roles:
                actions.append((name, STEPS[name].label))
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
            "child_view": child_status(case, today, calendar),
            "outcomes": findings,
            "today": today.isoformat(),
            "error": error,
            "action_labels": {name: step.done for name, step in STEPS.items()},
            "stepper": _stepper(case),
            "home_names": await home_names(request),
            "form": request.get(SUBMITTED_FORM, {}),
            "fields": {name: step.fields for name, step in STEPS.items()},
            "primary_actions": {name for name, step in STEPS.items() if step.primary},
            "suggestions": _suggestions(case, calendar),
            "initial_due": _initial_due(case, calendar),
        },
        status=status,
    )


async def case_action(request: web.Request) -> web.StreamResponse:
    action = request.match_info["action"]
    spec = STEPS.get(action)
    if spec is None or not spec.states:
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
