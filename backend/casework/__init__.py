"""The statutory complaints workflow and the Feedback Log.

rules.py      pure state machine: states, actions, deadlines (no DB, no clock)
child_view.py the child's words for each state (the status check reads this)
models.py     tables; service.py applies an action to a stored case and records it
queries.py    case list filters, due/overdue lists
"""
