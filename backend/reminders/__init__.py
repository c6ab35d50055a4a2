"""The daily reminder of due and overdue cases, per manager."""
