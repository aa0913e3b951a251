"""The recipient file engine: plain Python, no requests, no writes.

read the table → map headers → clean each row → find duplicates → batches of results.
`bulkupload.imports` runs it and the writer for every door a file comes in by.
"""

from .cleaning import CleanRow, RowError, clean_date_of_birth, clean_email, clean_row, name_problem
from .duplicates import existing_people
from .errorfile import ErrorFile, neutralise
from .headers import FIELDS, LABELS, Header, find_header, header_field
from .pipeline import BATCH_SIZE, Batch, TooManyRows, Validation, scan_table, validate_file
from .reading import FileRejected, Table, read_table

__all__ = [
    "BATCH_SIZE",
    "FIELDS",
    "LABELS",
    "Batch",
    "CleanRow",
    "ErrorFile",
    "FileRejected",
    "Header",
    "RowError",
    "Table",
    "TooManyRows",
    "Validation",
    "clean_date_of_birth",
    "clean_email",
    "clean_row",
    "existing_people",
    "find_header",
    "header_field",
    "name_problem",
    "neutralise",
    "read_table",
    "scan_table",
    "validate_file",
]
