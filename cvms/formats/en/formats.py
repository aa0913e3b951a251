"""Dates as the portal's pages write them ("Dec 6, 2026", "Dec 6, 2026 2:15 PM"), for the
admin and every page that prints a date without a format of its own. Django's English
("Dec. 6, 2026, 2:15 p.m.") made the help desk write dates two ways."""

DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y g:i A"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
TIME_FORMAT = "g:i A"
