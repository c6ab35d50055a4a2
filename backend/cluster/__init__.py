"""Running several backend processes on one PostgreSQL database: LISTEN/NOTIFY, job locks, daily runs."""
