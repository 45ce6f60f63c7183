"""Import a facility directory from CSV or XLSX (format: facilities/data/README.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from facilities.importing import ImportRejected, import_facilities, read_table


class Command(BaseCommand):
    help = "Upsert facilities by code from a CSV or XLSX file; prints a row-by-row report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def handle(self, *args: Any, path: Path, dry_run: bool, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open("rb") as stream:
                report = import_facilities(read_table(stream, path.name), dry_run=dry_run)
        except ImportRejected as error:
            raise CommandError(f"Nothing imported: {error}") from error
        for problem in report.problems:
            self.stdout.write(f"line {problem.line}\t{problem.column}\t{problem.message}")
        self.stdout.write(report.summary())
