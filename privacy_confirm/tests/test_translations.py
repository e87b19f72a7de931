"""The committed gettext catalogues: compiled files current, Norwegian complete."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
PO_FILES = sorted(p for p in BASE_DIR.glob("**/locale/*/LC_MESSAGES/django.po") if ".venv" not in p.parts)


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(chunks: list[str]) -> str:
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), "".join(chunks))


def po_entries(path: Path) -> list[dict]:
    """A small .po reader: msgid, msgid_plural, msgstr / msgstr[n], and the fuzzy flag."""
    entries, entry, field = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry:
                entries.append(entry)
            entry, field = {}, None
        elif line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line):
            field = match.group(1)
            entry.setdefault(field, []).append(match.group(2))
        elif line.startswith('"') and field:
            entry[field].append(line[1:-1])
    return [{k: (_unquote(v) if isinstance(v, list) else v) for k, v in e.items()} for e in entries]


def test_there_are_catalogues_for_nb_and_en():
    languages = {p.parts[-3] for p in PO_FILES}
    assert {"nb", "en"} <= languages


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_compiled_catalogue_is_current(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po_entries(po_path):
        if not entry.get("msgid") or entry.get("fuzzy") or "msgctxt" in entry:
            continue
        if "msgid_plural" in entry:
            for n, key in ((1, "msgstr[0]"), (2, "msgstr[1]")):
                if entry.get(key):
                    got = compiled.ngettext(entry["msgid"], entry["msgid_plural"], n)
                    assert got == entry[key], f"{mo_path} is stale for {entry['msgid']!r}: run `make messages`"
        elif entry.get("msgstr"):
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], (
                f"{mo_path} is stale for {entry['msgid']!r}: run `make messages`"
            )


@pytest.mark.parametrize(
    "po_path", [p for p in PO_FILES if p.parts[-3] == "nb"], ids=lambda p: str(p.relative_to(BASE_DIR))
)
def test_norwegian_catalogue_is_complete(po_path):
    missing = [
        e["msgid"]
        for e in po_entries(po_path)
        if e.get("msgid") and (e.get("fuzzy") or not (e.get("msgstr") or e.get("msgstr[0]")))
    ]
    assert not missing, f"{po_path}: untranslated: {missing[:10]}"


def test_english_dates_are_written_the_european_way():
    import datetime

    from django.utils import formats, translation

    with translation.override("en"):
        assert formats.date_format(datetime.date(2026, 12, 25)) == "25 December 2026"
        assert (
            formats.date_format(datetime.datetime(2026, 12, 25, 14, 5), "SHORT_DATETIME_FORMAT") == "25/12/2026 14:05"
        )
