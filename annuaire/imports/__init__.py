"""Import of structures and services: data·inclusion v1 (JSON or CSV) and the older v0 that DORA still emits.

``reading.read_import(upload)`` checks the file like every upload (size, type, encoding), reads each line,
converts v0 lines (``legacy``), validates every line with the official v1 models and returns the valid items with
a French line-by-line report; ``applying.import_prepare`` stores them with the preview of their changes
(created, changed with field diffs, unchanged) and ``applying.import_apply`` writes them — only after the preview,
and never over a record changed since the preview was made.
"""
