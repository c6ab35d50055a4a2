"""Staff accounts, homes, sessions, CSRF, role checks and the audit log.

The API other parts of the backend use (e.g. the safeguarding alerts page):

- `require_role(request, *roles) -> StaffUser`: the logged-in user, or a redirect
  to the login page (not logged in) / 403 (logged in, wrong role).
- `csrf_token(request) -> str`: put it in every form as `<input name="csrf_token">`;
  templates get it as `{{ csrf_token }}` and `{{ csrf_field() }}`.
- `audit(session, actor, action, target_type, target_id, detail)`: append one audit entry
  in the caller's transaction (commit with the change it records).
- Templates extend `base.html` (blocks: title, content).
"""

from backend.staff.audit import audit
from backend.staff.csrf import csrf_token
from backend.staff.roles import require_role

__all__ = ["audit", "csrf_token", "require_role"]
