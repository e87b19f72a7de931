"""manage.py import_persons: registering a CSV file through the registration service."""

from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from contacts.models import Company, ConsentSource, EmailAddress, Person
from contacts.tests.factories import EmailAddressFactory
from privacy_confirm.confirmations.models import Confirmation
from privacy_confirm.confirmations.tests.outbox_support import sending_rule

pytestmark = pytest.mark.django_db

GOOD = """first_name;last_name;email;phone;company;title;language
Åse;Bjørnstad;ase@example.no;+47 912 34 567;Fjord & Fjell AS;Daglig leder;nb
Emily;Watson;emily@example.com;;Northwind;Buyer;en
Liv;Sæther;;+47 945 67 890;fjord & fjell as;;
"""


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def run(tmp_path, content: str, *args: str, encoding: str = "utf-8") -> tuple[str, str]:
    path = tmp_path / "persons.csv"
    path.write_text(content, encoding=encoding)
    out, err = StringIO(), StringIO()
    call_command("import_persons", str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_registers_persons_with_source_import_and_their_companies(tmp_path):
    out, _ = run(tmp_path, GOOD)
    assert "3 imported, 0 rejected" in out
    ase = Person.objects.get(first_name="Åse")
    assert ase.source.key == ConsentSource.IMPORT
    assert ase.language == "nb" and ase.title == "Daglig leder" and ase.phone == "+47 912 34 567"
    assert ase.default_email_address().address == "ase@example.no"
    liv = Person.objects.get(first_name="Liv")
    assert liv.company == ase.company  # the same company, matched case-insensitively
    assert Company.objects.count() == 2


def test_imported_persons_get_the_automatic_email_when_import_has_a_rule(tmp_path, django_capture_on_commit_callbacks):
    sending_rule(source_key=ConsentSource.IMPORT)
    with django_capture_on_commit_callbacks(execute=True):
        run(tmp_path, GOOD)
    assert sorted(m.to[0] for m in mail.outbox) == ["ase@example.no", "emily@example.com"]
    assert Confirmation.objects.filter(status=Confirmation.Status.SENT).count() == 2


def test_no_send_registers_without_automatic_emails(tmp_path, django_capture_on_commit_callbacks):
    sending_rule(source_key=ConsentSource.IMPORT)
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run(tmp_path, GOOD, "--no-send")
    assert "3 imported" in out
    assert not Confirmation.objects.exists()
    assert mail.outbox == []


def test_dry_run_validates_and_registers_nobody(tmp_path):
    out, _ = run(tmp_path, GOOD + ";No first name;x@example.com;;;;\n", "--dry-run")
    assert "3 valid (dry run, nothing registered), 1 rejected" in out
    assert "line 5: first_name is empty" in out
    assert not Person.objects.exists()
    assert not Company.objects.exists()


def test_rejected_rows_are_reported_with_line_numbers_and_reasons(tmp_path):
    EmailAddressFactory(address="Taken@Example.com")
    content = (
        "first_name,email,language\n"
        "Good,good@example.com,nb\n"
        "Bad,not-an-address,nb\n"
        ",nobody@example.com,\n"
        "Taken,taken@example.com,\n"
        "Twice,good@example.com,\n"
        "Lang,lang@example.com,klingon\n"
        '"Multi\nline",multi@example.com,en\n'
        "Long," + "x" * 300 + "@example.com,\n"
        "Extra,extra@example.com,nb,surplus\n"
    )
    out, _ = run(tmp_path, content, "--report", str(tmp_path / "report.csv"))
    assert "line 3: invalid email address 'not-an-address'" in out
    assert "line 4: first_name is empty" in out
    assert "line 5: taken@example.com is already on file" in out
    assert "line 6: good@example.com is already on file or earlier in this file" in out
    assert "line 7: unknown language 'klingon'" in out
    assert "line 10: invalid email address" in out
    assert "line 11: 4 fields, the header has 3" in out
    assert "2 imported, 7 rejected" in out
    imported = Person.objects.filter(source__key=ConsentSource.IMPORT)
    assert set(imported.values_list("first_name", flat=True)) == {"Good", "Multi\nline"}
    report = (tmp_path / "report.csv").read_text().splitlines()
    assert report[0] == "line,reason" and len(report) == 8


def test_bom_and_comma_separator_are_understood(tmp_path):
    out, _ = run(tmp_path, GOOD.replace(";", ","), encoding="utf-8-sig")
    assert "3 imported" in out
    assert Person.objects.filter(first_name="Åse").exists()


def test_not_utf8_is_refused(tmp_path):
    with pytest.raises(CommandError, match="not UTF-8"):
        run(tmp_path, GOOD, encoding="latin-1")


def test_missing_header_is_refused(tmp_path):
    with pytest.raises(CommandError, match="first line must name the columns"):
        run(tmp_path, "Åse;Bjørnstad;ase@example.no\n")


def test_a_batch_that_crashes_is_rolled_back_whole_and_reported(tmp_path):
    rows = "".join(f"P{n};p{n}@example.com\n" for n in range(1, 8))
    from contacts import services as contact_services

    real = contact_services.person_register

    def flaky(**fields):
        if fields["first_name"] == "P5":
            raise RuntimeError("database went away")
        return real(**fields)

    target = "privacy_confirm.confirmations.management.commands.import_persons.person_register"
    with mock.patch(target, side_effect=flaky):
        out, err = run(tmp_path, "first_name;email\n" + rows, "--batch-size", "3")
    # Batches: lines 2-4, 5-7 (P4..P6, crashes at P5), 8.
    assert "lines 5-7: batch rolled back, nothing imported: RuntimeError: database went away" in err
    assert "4 imported, 0 rejected, 1 batches rolled back" in out
    assert sorted(Person.objects.values_list("first_name", flat=True)) == ["P1", "P2", "P3", "P7"]
    assert not EmailAddress.objects.filter(address="p4@example.com").exists()
