"""Where an uploaded roster waits between its check and its import: its intake.staging kind.

The staged file's token is kept in the check job's params (jobs.imports), nowhere else.
"""

KIND = "roster"
