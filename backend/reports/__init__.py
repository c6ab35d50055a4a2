"""The quarterly and annual report of complaints, comments and compliments (seed 001's layout).

figures.py reads the records into numbers; tables.py turns them into the tables every format
shows (suppress.py hides small numbers per home); charts.py draws them; render.py makes the
HTML, PDF and CSV; views.py serves /staff/reports; cli.py adds `report` and `demo-data` to
`python -m backend`; demo.py (with demo_plan.py and demo_text.py) writes the seed-like demo year.
"""
