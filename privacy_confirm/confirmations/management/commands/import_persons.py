"""Import persons from a CSV file, registering each through the same service as every
other path, so imported persons get their default consent and (unless --no-send) the
automatic privacy confirmation, exactly like persons created by hand."""

from __future__ import annotations

import csv
import io
import textwrap
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models.functions import Lower
from tqdm import tqdm

from contacts.models import Company, ConsentSource, EmailAddress, Person
from contacts.services import EmailAddressData, email_address_normalise, person_register
from privacy_confirm.confirmations.services import automatic_confirmations_suppressed

COLUMNS = ("first_name", "last_name", "email", "phone", "company", "title", "language")
# The limits of the columns the values go into, so the check cannot drift from the models.
MAX_LENGTHS = {
    name: (Company._meta.get_field("name") if name == "company" else Person._meta.get_field(name)).max_length
    for name in ("first_name", "last_name", "phone", "company", "title")
}
EMAIL_MAX_LENGTH = EmailAddress._meta.get_field("address").max_length
BATCH_SIZE = 200

_LANGUAGE_CODES = ", ".join(code for code, _name in settings.LANGUAGES)
HELP = "\n\n".join(
    textwrap.fill(paragraph, 88, break_on_hyphens=False)
    for paragraph in (
        'Import persons from a CSV file (source "Import").',
        f"The first line names the columns: {', '.join(COLUMNS)}. Only first_name is required; columns may "
        "come in any order and unknown ones are ignored. The file is UTF-8, with or without a byte-order mark; "
        'the separator (";" or ",") is detected. email is one address (an address already on file, or twice '
        f"in the file, is rejected); language is a customer language code ({_LANGUAGE_CODES}); company is a "
        "company name, created when no company has it.",
        f"Rows are registered in batches of {BATCH_SIZE}, one transaction each: a batch that fails is rolled "
        "back whole and reported, and the import goes on with the next. Rejected rows are listed with their "
        "line numbers and reasons (and written to --report as CSV). Use --dry-run first.",
    )
)


@dataclass
class Row:
    line: int
    values: dict[str, str]


@dataclass
class Rejected:
    line: int
    reason: str


@dataclass
class ImportResult:
    imported: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    failed_batches: list[tuple[int, int, str]] = field(default_factory=list)
    seconds: float = 0.0


def _read(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # utf-8-sig drops a BOM when present
    except UnicodeDecodeError as error:
        raise CommandError(f"{path} is not UTF-8: {error}") from error
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error}") from error
    first_line = text.split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first_line, delimiters=";,")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise CommandError(f"{path} is empty.") from None
    if "first_name" not in header:
        raise CommandError(f"The first line must name the columns ({', '.join(COLUMNS)}); found: {header}")

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                yield line, {"__error__": f"{len(cells)} fields, the header has {len(header)}"}
                continue
            yield line, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}

    return rows()


class Validator:
    """Checks one row at a time; remembers addresses seen so a file cannot import one twice."""

    def __init__(self) -> None:
        self.languages = {code for code, _name in settings.LANGUAGES}
        self.seen: set[str] = set()

    def errors(self, values: dict[str, str]) -> list[str]:
        if "__error__" in values:
            return [values["__error__"]]
        errors = []
        if not values.get("first_name"):
            errors.append("first_name is empty")
        for name, limit in MAX_LENGTHS.items():
            if len(values.get(name, "")) > limit:
                errors.append(f"{name} is longer than {limit} characters")
        language = values.get("language", "").lower()
        if language and language not in self.languages:
            errors.append(f"unknown language {values['language']!r}")
        email = values.get("email", "")
        if email:
            try:
                email = email_address_normalise(email)
                if len(email) > EMAIL_MAX_LENGTH:
                    raise ValidationError("too long")
            except ValidationError:
                errors.append(f"invalid email address {email!r}")
            else:
                if email.lower() in self.seen:
                    errors.append(f"{email} is already on file or earlier in this file")
        return errors

    def accept(self, values: dict[str, str]) -> None:
        if values.get("email"):
            self.seen.add(values["email"].strip().lower())

    def load_existing(self, addresses: Iterable[str]) -> None:
        self.seen.update(address.lower() for address in addresses)


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        from argparse import RawDescriptionHelpFormatter

        return super().create_parser(prog_name, subcommand, formatter_class=RawDescriptionHelpFormatter, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; register nobody.")
        parser.add_argument(
            "--no-send", action="store_true", help="Register without sending the automatic privacy confirmation."
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"Rows per transaction ({BATCH_SIZE}).")
        parser.add_argument("--report", type=Path, help="Write the rejected rows (line, reason) to this CSV file.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = persons_import(
            path=options["file"],
            dry_run=options["dry_run"],
            send=not options["no_send"],
            batch_size=max(1, options["batch_size"]),
            progress=not options["no_progress"],
            stderr=self.stderr,
        )
        for rejected in result.rejected:
            self.stdout.write(f"line {rejected.line}: {rejected.reason}")
        for first, last, error in result.failed_batches:
            self.stderr.write(self.style.ERROR(f"lines {first}-{last}: batch rolled back, nothing imported: {error}"))
        if options["report"]:
            with options["report"].open("w", encoding="utf-8", newline="") as report:
                writer = csv.writer(report)
                writer.writerow(["line", "reason"])
                writer.writerows((r.line, r.reason) for r in result.rejected)
                writer.writerows((f"{f}-{last}", f"batch rolled back: {e}") for f, last, e in result.failed_batches)
        verb = "valid (dry run, nothing registered)" if options["dry_run"] else "imported"
        rate = result.imported / result.seconds if result.seconds else 0
        summary = (
            f"{result.imported} {verb}, {len(result.rejected)} rejected, "
            f"{len(result.failed_batches)} batches rolled back, in {result.seconds:.1f}s ({rate:.0f} rows/s)"
        )
        self.stdout.write(self.style.SUCCESS(summary) if not result.failed_batches else self.style.WARNING(summary))


def persons_import(
    *, path: Path, dry_run: bool = False, send: bool = True, batch_size: int = BATCH_SIZE, progress: bool = True,
    stderr: Any = None,
) -> ImportResult:  # fmt: skip
    started = time.monotonic()
    result = ImportResult()
    raw_rows = _read(path)
    validator = Validator()
    validator.load_existing(EmailAddress.objects.annotate(lower=Lower("address")).values_list("lower", flat=True))
    companies = _companies()

    def valid_rows() -> Iterator[Row]:
        for line, values in raw_rows:
            errors = validator.errors(values)
            if errors:
                result.rejected.append(Rejected(line, "; ".join(errors)))
                continue
            validator.accept(values)
            yield Row(line, values)

    bar = tqdm(unit=" rows", disable=not progress, file=stderr, desc="Importing" if not dry_run else "Checking")
    with bar:
        for batch in _batches(valid_rows(), batch_size):
            if dry_run:
                result.imported += len(batch)
            else:
                try:
                    _register_batch(batch, companies=companies, send=send)
                except Exception as error:
                    result.failed_batches.append((batch[0].line, batch[-1].line, f"{type(error).__name__}: {error}"))
                    # Company ids made inside the rolled-back batch no longer exist.
                    companies = _companies()
                else:
                    result.imported += len(batch)
            bar.update(len(batch))
    result.seconds = time.monotonic() - started
    return result


def _companies() -> dict[str, Company]:
    return {company.name.lower(): company for company in Company.objects.all()}


def _register_batch(batch: list[Row], *, companies: dict[str, Company], send: bool) -> None:
    with transaction.atomic():
        for row in batch:
            _register_row(row.values, companies=companies, send=send)


def _register_row(values: dict[str, str], *, companies: dict[str, Company], send: bool) -> Person:
    company = None
    if values.get("company"):
        key = values["company"].lower()
        if key not in companies:
            companies[key] = Company.objects.create(name=values["company"])
        company = companies[key]
    fields = {
        "first_name": values["first_name"],
        "last_name": values.get("last_name", ""),
        "title": values.get("title", ""),
        "phone": values.get("phone", ""),
        "language": values.get("language", "").lower(),
        "company": company,
        "email_addresses": [EmailAddressData(values["email"])] if values.get("email") else [],
        "source_key": ConsentSource.IMPORT,
    }
    if send:
        return person_register(**fields)
    # Explicit and per thread (a context variable), unlike disconnecting the receiver.
    with automatic_confirmations_suppressed():
        return person_register(**fields)
