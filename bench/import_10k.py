"""Benchmark: `manage.py import_persons` on a 10,000-row file with bad rows mixed in.

Imports 10,000 rows with --no-send, then 1,000 rows with the automatic confirmations
(without a broker the emails are rendered and written in-process after each batch
commits, the slowest path). Prints rows/s. Uses its own throwaway SQLite database so the
ledger rows it makes (append-only, never deleted) do not disturb the other benchmarks."""

import os
import random
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacy_confirm.settings")

_work = tempfile.mkdtemp(prefix="import-bench-")
os.environ["DATABASE_URL"] = os.environ.get("IMPORT_BENCH_DATABASE_URL", f"sqlite:///{_work}/import.sqlite3")
os.environ["EMAIL_FILE_PATH"] = f"{_work}/mail"
os.environ.setdefault("LOG_LEVEL", "WARNING")  # one log line per sent email otherwise

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from contacts.models import ConsentSource, Person  # noqa: E402
from privacy_confirm.confirmations.models import Confirmation, SendingRule  # noqa: E402

ROWS = 10_000
FIRST = ["Åse", "Øystein", "Kari", "Håkon", "Emily", "James", "Liv", "Ola", "Ingrid", "Sigrid"]
LAST = ["Bjørnstad", "Kjærnes", "Nordmann", "Æsøy", "Watson", "O'Connor", "Sæther", "Hansen"]


def make_file(path: Path, tag: str, rows: int = ROWS) -> int:
    """Write the file; returns how many rows are bad (about 3 %)."""
    rng = random.Random(42)
    bad = 0
    lines = ["first_name;last_name;email;phone;company;title;language"]
    for n in range(rows):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{tag}{n}@example.no" if n % 10 else ""  # every tenth without an address
        language = rng.choice(["nb", "nn", "en", ""])
        roll = rng.random()
        if roll < 0.01:
            email, bad = "not-an-address", bad + 1
        elif roll < 0.02:
            first, bad = "", bad + 1
        elif roll < 0.03:
            language, bad = "xx", bad + 1
        company = f"Firma {n % 150} AS" if n % 3 else ""
        lines.append(f"{first};{last};{email};+47 9{n:07d};{company};;{language}")
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return bad


def run(label: str, path: Path, *args: str) -> None:
    before = Person.objects.count()
    out = StringIO()
    started = time.perf_counter()
    call_command("import_persons", str(path), "--no-progress", *args, stdout=out, stderr=StringIO())
    seconds = time.perf_counter() - started
    imported = Person.objects.count() - before
    print(f"{label}: {imported} imported in {seconds:.1f}s = {imported / seconds:.0f} rows/s")
    print("   ", out.getvalue().strip().splitlines()[-1])


def main() -> None:
    call_command("migrate", "--no-input", verbosity=0)
    print(f"database: {connection.vendor}; IMPORT has a sending rule: "
          f"{SendingRule.objects.filter(source__key=ConsentSource.IMPORT).exists()}")  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        for label, tag, rows, args in [
            ("--no-send", "nosend", ROWS, ("--no-send",)),
            ("with emails", "send", ROWS // 10, ()),
        ]:
            path = Path(work) / f"{tag}.csv"
            bad = make_file(path, tag, rows)
            print(f"{label}: {rows} rows, {bad} bad")
            run(label, path, *args)
            if not args:
                sent = Confirmation.objects.filter(status=Confirmation.Status.SENT).count()
                print(f"    confirmations sent: {sent}")


if __name__ == "__main__":
    main()
