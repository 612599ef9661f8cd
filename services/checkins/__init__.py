"""Outcome check-ins: validated short questionnaires, scored on the server (docs/check-ins.md).

instruments.py  the questionnaires as data, validation and scoring
records.py      answering, history, deleting
support.py      what a screen-positive answer returns: helplines and, with consent, a mentor or circle
reminders.py    the person's reminder cadence and when the next one is due
"""
