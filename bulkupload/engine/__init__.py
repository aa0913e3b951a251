"""The recipient file engine: plain Python, no requests, no database, no writes.

read the table → map headers → clean each row → find duplicates → batches of results → report.
`bulkupload.pipeline` runs it with the writer for every door a file comes in by.
"""

from .cleaning import (
    CleanRow,
    RowError,
    clean_date_of_birth,
    clean_email,
    clean_row,
    date_of_birth_problem,
    name_problem,
)
from .columns import FIELDS, LABELS, TEMPLATE_COLUMNS, header_field
from .duplicates import (
    DuplicateRow,
    ExistingPeople,
    LoadedPerson,
    Person,
    duplicate_error,
    nobody,
)
from .errorfile import ErrorFile, neutralise
from .headers import Header, find_header
from .reading import FileRejected, Table, read_table
from .reconcile import AlreadyLoaded
from .report import ImportResult, Tally, check_file, dry_run_report
from .template import EXAMPLE, is_example, template_csv, template_xlsx
from .validation import BATCH_SIZE, Batch, TooManyRows, Validation, scan_table, validate_file

__all__ = [
    "AlreadyLoaded",
    "LoadedPerson",
    "BATCH_SIZE",
    "EXAMPLE",
    "FIELDS",
    "LABELS",
    "TEMPLATE_COLUMNS",
    "Batch",
    "CleanRow",
    "DuplicateRow",
    "ErrorFile",
    "ExistingPeople",
    "FileRejected",
    "Header",
    "ImportResult",
    "Person",
    "RowError",
    "Table",
    "Tally",
    "TooManyRows",
    "Validation",
    "check_file",
    "dry_run_report",
    "clean_date_of_birth",
    "clean_email",
    "clean_row",
    "date_of_birth_problem",
    "duplicate_error",
    "find_header",
    "header_field",
    "is_example",
    "name_problem",
    "neutralise",
    "nobody",
    "read_table",
    "scan_table",
    "template_csv",
    "template_xlsx",
    "validate_file",
]
