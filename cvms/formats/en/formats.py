"""Dates as the portal's pages write them ("Dec 6, 2026", "Dec 6, 2026 2:15 PM EST"), for the
admin and every page that prints a date without a format of its own. Django's English
("Dec. 6, 2026, 2:15 p.m.") made the help desk write dates two ways.

Every time shown states its zone (T: "EST", "EDT"): managers, the help desk and the emails they
forward are not all in TIME_ZONE, and "6:19 PM" alone was read as their own time. Templates
name these formats (`|date:"DATETIME_FORMAT"`) rather than spelling a format out again."""

DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y g:i A T"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A T"
TIME_FORMAT = "g:i A T"
