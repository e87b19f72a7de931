"""Rendering of email templates: the one place that turns an EmailTemplate, a person and a
personal link into a subject, an HTML body and a text body, and that decides the language.

Templates are data written by administrators, so they run in their own template Engine:
no loaders (nothing can be included or extended), no tag libraries to load, and a context
of plain values (strings, lists, dicts), never model instances, so a template cannot
reach into the ORM. The HTML body is autoescaped; the subject and the text part are not
HTML and are rendered with autoescaping off ("Fjord & Fjell AS" stays as typed).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import css_inline
import html2text
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Engine, Library, Node, NodeList, Template, TemplateSyntaxError
from django.template import defaulttags as django_defaulttags
from django.template.base import FilterExpression, Variable, VariableNode
from django.template.defaulttags import FilterNode, ForNode, WithNode
from django.template.smartif import TokenBase
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from contacts.models import Company, ConsentSource, LegalBasis, OrganisationSettings, Person, Purpose
from contacts.selectors import active_purposes
from privacy_confirm.confirmations.links import personal_link_expiry, personal_link_url
from privacy_confirm.confirmations.models import ConfirmationSettings, EmailTemplate, EmailTemplateTranslation

# --- The template engine -------------------------------------------------------------

# Django's built-in tags minus those that reach outside the template: `load` (tag
# libraries), `url` (the project's URLconf), `csrf_token` and `debug`. The loader tags
# (`include`, `extends`, `block`) are not builtins here at all. An unknown tag is a syntax
# error, so `{% include %}` and `{% load %}` fail at validation and at render.
register = Library()
_EXCLUDED_TAGS = {"load", "url", "csrf_token", "debug"}
register.tags.update(
    {name: tag for name, tag in django_defaulttags.register.tags.items() if name not in _EXCLUDED_TAGS}
)

ENGINE = Engine(
    dirs=[],
    app_dirs=False,
    loaders=[],
    libraries={},
    autoescape=True,
    # debug keeps each node's token, so validation can name the line of an error.
    debug=True,
    string_if_invalid="",
)
# Engine() always prepends Django's default builtins (which include `load` and the loader
# tags `include`/`extends`); replace them with the restricted set.
ENGINE.builtins = [__name__, "django.template.defaultfilters"]
ENGINE.template_builtins = ENGINE.get_template_builtins(ENGINE.builtins)


class TemplateTranslationMissing(Exception):  # noqa: N818 (the name other apps import)
    """The template has no translation at all, so nothing can be rendered."""


# --- Language ------------------------------------------------------------------------

# Readers of one Norwegian written standard read the others; "no" is in practice Bokmål.
_NORWEGIAN_FALLBACKS = {"nb": ("no", "nn"), "no": ("nb", "nn"), "nn": ("nb", "no")}


def _normalise(code: str) -> str:
    return code.strip().replace("_", "-").lower()


def _base(code: str) -> str:
    return _normalise(code).split("-")[0]


def best_language_match(wanted: str, available: list[str]) -> str | None:
    """The translation to use for `wanted` among `available`, or None.

    Exact code first, then the base language (en-GB -> en, or en -> en-gb when only a
    regional one exists), then the Norwegian written standards, which readers of one
    understand: nb, nn and no stand in for each other."""
    by_code = {_normalise(code): code for code in available}
    wanted = _normalise(wanted)
    if wanted in by_code:
        return by_code[wanted]
    base = _base(wanted)
    if base in by_code:
        return by_code[base]
    for code in available:
        if _base(code) == base:
            return code
    for other in _NORWEGIAN_FALLBACKS.get(base, ()):
        for code in available:
            if _base(code) == other:
                return code
    return None


@dataclass(frozen=True)
class ResolvedLanguage:
    language: str
    is_fallback: bool


def template_languages(*, template: EmailTemplate) -> list[str]:
    """The languages the template has a translation in (uses prefetched translations)."""
    return sorted(translation.language for translation in template.translations.all())


def language_resolve(
    *, template: EmailTemplate, person: Person | None, requested: str | None = None
) -> ResolvedLanguage:
    """The language to render `template` in.

    Asked for, in order: `requested` (the send dialog's choice), the person's customer
    language, the template's default language, settings.LANGUAGE_CODE; the first of
    these the template has a translation for (allowing the fallbacks of `best_language_match`)
    wins. `is_fallback` is True when the language used is not the first one asked for."""
    available = template_languages(template=template)
    if not available:
        raise TemplateTranslationMissing(f"The template {template} has no translation.")
    wanted = [
        code
        for code in (requested, person.language if person else None, template.default_language, settings.LANGUAGE_CODE)
        if code
    ]
    first = _normalise(wanted[0]) if wanted else ""
    for code in wanted:
        match = best_language_match(code, available)
        if match is not None:
            return ResolvedLanguage(language=match, is_fallback=_normalise(match) != first)
    return ResolvedLanguage(language=available[0], is_fallback=True)


# --- Dates ---------------------------------------------------------------------------

# A long date per language ("5. januar 2027", "5 January 2027"). Django's own DATE_FORMAT
# for English is American ("Jan. 5, 2027"), which reads oddly in a European email.
_LONG_DATE_FORMATS = {"nb": "j. F Y", "nn": "j. F Y", "no": "j. F Y", "da": "j. F Y", "de": "j. F Y"}


def _organisation_timezone() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def date_in_language(value: dt.date, language: str) -> str:
    with translation.override(language):
        return date_format(value, _LONG_DATE_FORMATS.get(_base(language), "j F Y"))


def link_expiry_date(expires_at: dt.datetime) -> dt.date:
    """The last local day on which a link expiring at `expires_at` works.

    A link is valid until the end of a local day in the organisation's time zone; an expiry
    of exactly local midnight means the day before was the last one."""
    local = timezone.localtime(expires_at, _organisation_timezone())
    if local.time() == dt.time(0, 0):
        return local.date() - dt.timedelta(days=1)
    return local.date()


_LINK_MARKERS = {
    "nb": "[personlig lenke, gyldig til og med {date}]",
    "no": "[personlig lenke, gyldig til og med {date}]",
    "nn": "[personleg lenkje, gyldig til og med {date}]",
    "en": "[personal link, valid until {date}]",
    "sv": "[personlig länk, giltig till och med {date}]",
    "da": "[personligt link, gyldigt til og med {date}]",
    "de": "[persönlicher Link, gültig bis {date}]",
}


def link_marker(expires_at: dt.datetime, language: str) -> str:
    """What the archived copy shows instead of the personal link (the token is secret)."""
    marker = _LINK_MARKERS.get(_base(language), _LINK_MARKERS["en"])
    return marker.format(date=date_in_language(link_expiry_date(expires_at), language))


def dummy_link() -> tuple[str, dt.datetime]:
    """A link that opens nothing, and the expiry a real link made now would get."""
    # Read, not ConfirmationSettings.load(): a preview writes nothing (an unsaved row has the defaults).
    settings_row = ConfirmationSettings.objects.filter(pk=1).first() or ConfirmationSettings()
    expires_at = personal_link_expiry(validity_days=settings_row.link_validity_days)
    return personal_link_url("example-link-for-preview"), expires_at


# --- Legal bases in plain words ------------------------------------------------------

_LEGAL_BASIS_PLAIN = {
    LegalBasis.CONSENT: {
        "en": "you have given us your consent, and you can withdraw it at any time",
        "nb": "du har gitt oss samtykke, og du kan når som helst trekke det tilbake",
        "nn": "du har gitt oss samtykke, og du kan når som helst trekkje det tilbake",
        "sv": "du har gett oss ditt samtycke, och du kan när som helst återkalla det",
        "da": "du har givet os dit samtykke, og du kan til enhver tid trække det tilbage",
        "de": "Sie haben uns Ihre Einwilligung gegeben und können sie jederzeit widerrufen",
    },
    LegalBasis.CONTRACT: {
        "en": "we need it to fulfil an agreement with you",
        "nb": "vi trenger det for å oppfylle en avtale med deg",
        "nn": "vi treng det for å oppfylle ein avtale med deg",
        "sv": "vi behöver det för att fullgöra ett avtal med dig",
        "da": "vi har brug for det for at opfylde en aftale med dig",
        "de": "wir benötigen sie, um einen Vertrag mit Ihnen zu erfüllen",
    },
    LegalBasis.LEGAL_OBLIGATION: {
        "en": "the law requires us to keep it",
        "nb": "loven pålegger oss å lagre det",
        "nn": "lova pålegg oss å lagre det",
        "sv": "lagen kräver att vi sparar det",
        "da": "loven kræver, at vi opbevarer det",
        "de": "das Gesetz verpflichtet uns, sie aufzubewahren",
    },
    LegalBasis.VITAL_INTERESTS: {
        "en": "it is needed to protect someone's life or health",
        "nb": "det er nødvendig for å beskytte noens liv eller helse",
        "nn": "det er naudsynt for å verne livet eller helsa til nokon",
        "sv": "det behövs för att skydda någons liv eller hälsa",
        "da": "det er nødvendigt for at beskytte nogens liv eller helbred",
        "de": "sie werden benötigt, um Leben oder Gesundheit eines Menschen zu schützen",
    },
    LegalBasis.PUBLIC_INTEREST: {
        "en": "it is needed for a task in the public interest",
        "nb": "det er nødvendig for en oppgave i allmennhetens interesse",
        "nn": "det er naudsynt for ei oppgåve i interessa til ålmenta",
        "sv": "det behövs för en uppgift av allmänt intresse",
        "da": "det er nødvendigt for en opgave i samfundets interesse",
        "de": "sie werden für eine Aufgabe im öffentlichen Interesse benötigt",
    },
    LegalBasis.LEGITIMATE_INTEREST: {
        "en": (
            "we have a legitimate interest in it, such as following up customers and contacts, "
            "which we have weighed against your privacy; you can object at any time"
        ),
        "nb": (
            "vi har en berettiget interesse, for eksempel å følge opp kunder og kontakter, "
            "som vi har veid opp mot personvernet ditt; du kan når som helst protestere"
        ),
        "nn": (
            "vi har ei berettiga interesse, til dømes å følgje opp kundar og kontaktar, "
            "som vi har vege opp mot personvernet ditt; du kan når som helst protestere"
        ),
        "sv": (
            "vi har ett berättigat intresse, till exempel att följa upp kunder och kontakter, "
            "som vi har vägt mot din integritet; du kan när som helst invända"
        ),
        "da": (
            "vi har en legitim interesse, for eksempel at følge op på kunder og kontakter, "
            "som vi har afvejet mod dit privatliv; du kan til enhver tid gøre indsigelse"
        ),
        "de": (
            "wir haben ein berechtigtes Interesse, etwa die Betreuung von Kunden und Kontakten, "
            "das wir gegen Ihre Privatsphäre abgewogen haben; Sie können jederzeit widersprechen"
        ),
    },
    LegalBasis.WITHDRAWN: {
        "en": "you have withdrawn your consent, so we no longer use your data for this purpose",
        "nb": "du har trukket tilbake samtykket, så vi bruker ikke lenger opplysningene dine til dette formålet",
        "nn": "du har trekt tilbake samtykket, så vi brukar ikkje lenger opplysningane dine til dette føremålet",
        "sv": "du har återkallat ditt samtycke, så vi använder inte längre dina uppgifter för detta ändamål",
        "da": "du har trukket dit samtykke tilbage, så vi bruger ikke længere dine oplysninger til dette formål",
        "de": "Sie haben Ihre Einwilligung widerrufen; wir nutzen Ihre Daten nicht mehr für diesen Zweck",
    },
}


def _legal_basis_plain(basis: LegalBasis, language: str) -> str:
    texts = _LEGAL_BASIS_PLAIN.get(basis.key)
    if texts is None:  # a basis an administrator added: their own words
        return basis.description or basis.display_name(language)
    return texts[best_language_match(language, list(texts)) or "en"]


# --- The context ---------------------------------------------------------------------

_LANGUAGE_NAMES = dict(settings.LANGUAGES)


def _language_name(code: str, language: str) -> str:
    if not code:
        return ""
    with translation.override(language):
        return str(_LANGUAGE_NAMES.get(code, code))


@dataclass(frozen=True)
class _ConsentFacts:
    purpose: Purpose
    legal_basis: LegalBasis
    source: ConsentSource | None


def _person_addresses(person: Person) -> list[str]:
    if person.pk is None:
        return list(getattr(person, "_sample_email_addresses", []))
    # EmailAddress's default ordering is rank, id; .all() uses addresses prefetched by the caller.
    return [address.address for address in person.email_addresses.all()]


def _person_consents(person: Person) -> list[_ConsentFacts]:
    if person.pk is None:
        return list(getattr(person, "_sample_consents", []))
    consents = (
        person.consents.select_related("purpose", "legal_basis", "source")
        .prefetch_related("purpose__translations")
        .order_by("purpose__rank", "purpose__name")
    )
    return [_ConsentFacts(purpose=c.purpose, legal_basis=c.legal_basis, source=c.source) for c in consents]


def _person_subscriptions(person: Person, language: str) -> list[str]:
    if person.pk is None:
        return list(getattr(person, "_sample_subscriptions", []))
    subscriptions = (
        person.subscriptions.filter(subscribed=True)
        .select_related("subscription_type")
        .prefetch_related("subscription_type__translations")
        .order_by("subscription_type__rank", "subscription_type__name")
    )
    return [s.subscription_type.translated("name", language) for s in subscriptions]


def merge_context(*, person: Person, language: str, link_url: str, link_expires_at: dt.datetime) -> dict[str, Any]:
    """The values a template can use, all plain (see MERGE_FIELDS for the documentation)."""
    organisation = OrganisationSettings.load()
    addresses = _person_addresses(person)
    source = person.source if person.source_id else getattr(person, "_sample_source", None)
    consents = []
    for facts in _person_consents(person):
        basis = facts.legal_basis
        consents.append(
            {
                "purpose": facts.purpose.translated("name", language),
                "description": facts.purpose.translated("description", language),
                "legal_basis": basis.display_name(language),
                "legal_basis_explained": _legal_basis_plain(basis, language),
                "given": not basis.is_withdrawn,
                "can_withdraw": basis.key in LegalBasis.SELF_SERVICE_KEYS and not basis.is_withdrawn,
                "source": facts.source.display_name(language) if facts.source else "",
                "privacy_statement_url": facts.purpose.translated("privacy_statement_url", language),
            }
        )
    today = timezone.localtime(timezone.now(), _organisation_timezone()).date()
    return {
        "person": {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "full_name": person.full_name,
            "title": person.title,
            "company": person.company.name if person.company else "",
            "email": addresses[0] if addresses else "",
            "email_addresses": addresses,
            "phone": person.phone,
            "language": person.language,
            "language_name": _language_name(person.language, language),
            "source": source.display_name(language) if source else "",
        },
        "consents": consents,
        "subscriptions": _person_subscriptions(person, language),
        "organisation": {
            "name": organisation.organisation_name,
            "address": organisation.address,
            "email": organisation.contact_email,
            "phone": organisation.phone,
        },
        "dpo": {"name": organisation.dpo_name, "email": organisation.dpo_email},
        "retention": organisation.retention_text_for(language),
        "supervisory_authority": {
            "name": organisation.supervisory_authority_name,
            "url": organisation.supervisory_authority_url,
        },
        "link": {
            "url": link_url,
            "expires": date_in_language(link_expiry_date(link_expires_at), language),
        },
        "today": date_in_language(today, language),
        "language": language,
    }


@dataclass(frozen=True)
class MergeField:
    name: str
    description: str


# The documentation of the context, shown on the admin's merge-field page with an example
# of each (rendered from the sample person). Keep in step with merge_context.
MERGE_FIELDS: list[MergeField] = [
    MergeField("person.first_name", _("First name")),
    MergeField("person.last_name", _("Last name")),
    MergeField("person.full_name", _("First and last name")),
    MergeField("person.title", _("Job title")),
    MergeField("person.company", _("Company name")),
    MergeField("person.email", _("Default email address")),
    MergeField("person.email_addresses", _("All email addresses (a list: use {% for %})")),
    MergeField("person.phone", _("Phone number")),
    MergeField("person.language", _("Customer language code")),
    MergeField("person.language_name", _("Customer language, in the email's language")),
    MergeField("person.source", _("Where the data came from (how the person was registered)")),
    MergeField("consents", _("The person's purposes (a list: {% for consent in consents %})")),
    MergeField("consent.purpose", _("Purpose name (inside the loop)")),
    MergeField("consent.description", _("What the purpose is for (inside the loop)")),
    MergeField("consent.legal_basis", _("Legal basis name (inside the loop)")),
    MergeField("consent.legal_basis_explained", _("The legal basis in plain words (inside the loop)")),
    MergeField("consent.given", _("False when consent was withdrawn (inside the loop)")),
    MergeField("consent.can_withdraw", _("True when the person can withdraw it themselves (inside the loop)")),
    MergeField("consent.source", _("Where this consent came from (inside the loop)")),
    MergeField("consent.privacy_statement_url", _("The purpose's privacy statement URL (inside the loop)")),
    MergeField("subscriptions", _("Names of the subscriptions the person has (a list)")),
    MergeField("organisation.name", _("The organisation (controller)")),
    MergeField("organisation.address", _("The organisation's address")),
    MergeField("organisation.email", _("The organisation's contact email")),
    MergeField("organisation.phone", _("The organisation's phone")),
    MergeField("dpo.name", _("Data protection officer")),
    MergeField("dpo.email", _("Data protection officer's email")),
    MergeField("retention", _("How long the data is kept")),
    MergeField("supervisory_authority.name", _("Supervisory authority")),
    MergeField("supervisory_authority.url", _("Supervisory authority's web address")),
    MergeField("link.url", _("The personal link to the customer centre")),
    MergeField("link.expires", _("The last day the link works, in the email's language")),
    MergeField("today", _("Today's date, in the email's language")),
    MergeField("language", _("The language code the email is rendered in")),
]


def merge_field_examples(*, language: str = "en") -> list[tuple[MergeField, str]]:
    """Each merge field with its value for the sample person."""
    url, expires_at = dummy_link()
    context = merge_context(person=sample_person(), language=language, link_url=url, link_expires_at=expires_at)
    first_consent = context["consents"][0] if context["consents"] else {}
    rows = []
    for field in MERGE_FIELDS:
        head, *rest = field.name.split(".")
        value: Any = first_consent if head == "consent" else context.get(head)
        for part in rest:
            value = value.get(part, "") if isinstance(value, dict) else ""
        if isinstance(value, list):
            value = ", ".join(item["purpose"] if isinstance(item, dict) else str(item) for item in value)
        rows.append((field, str(value)))
    return rows


# --- The sample person ---------------------------------------------------------------


def sample_person() -> Person:
    """An unsaved person with addresses, consents and a subscription, for previews."""
    person = Person(
        first_name="Kari",
        last_name="Nordmann",
        title="Daglig leder",
        phone="+47 912 34 567",
        language="nb",
        company=Company(name="Fjord & Fjell AS"),
    )
    person._sample_email_addresses = ["kari.nordmann@example.com", "kari@example.org"]  # type: ignore[attr-defined]
    source = ConsentSource.objects.filter(key=ConsentSource.CREATED_BY_USER).first() or ConsentSource(
        key=ConsentSource.CREATED_BY_USER, name="Created by user", name_translations={"nb": "Opprettet av bruker"}
    )
    person._sample_source = source  # type: ignore[attr-defined]
    bases = {basis.key: basis for basis in LegalBasis.objects.all()}
    purposes = active_purposes()
    consents = []
    for purpose in purposes:
        key = LegalBasis.LEGITIMATE_INTEREST if purpose.key == Purpose.STORE else LegalBasis.CONSENT
        basis = bases.get(key) or LegalBasis(key=key, name=key)
        consents.append(_ConsentFacts(purpose=purpose, legal_basis=basis, source=source))
    person._sample_consents = consents  # type: ignore[attr-defined]
    person._sample_subscriptions = ["Nyhetsbrev"]  # type: ignore[attr-defined]
    return person


# --- Validation ----------------------------------------------------------------------

# Names the engine itself puts in the context.
_ENGINE_NAMES = {"forloop", "block", "True", "False", "None"}


def _walk(nodelist: Iterable[Node]) -> Iterator[Node]:
    for node in nodelist:
        yield node
        for attr in node.child_nodelists:
            child = getattr(node, attr, None)
            if child:
                yield from _walk(child)
        # IfNode keeps its branches in conditions_nodelists, not in child_nodelists.
        for _condition, branch in getattr(node, "conditions_nodelists", []):
            yield from _walk(branch)


def _bound_names(nodes: list[Node]) -> set[str]:
    """Names a template defines itself: loop variables, {% with %}, `as` targets."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ForNode):
            names.update(node.loopvars)
        elif isinstance(node, WithNode):
            names.update(node.extra_context)
        for attr in ("asvar", "variable_name", "var_name"):
            value = getattr(node, attr, None)
            if isinstance(value, str) and value:
                names.add(value)
    return names


def _expressions(value: Any, depth: int = 0) -> Iterator[FilterExpression | Variable]:
    """Every FilterExpression/Variable referenced from one node's attributes."""
    if depth > 6:
        return
    if isinstance(value, FilterExpression | Variable):
        yield value
    elif isinstance(value, TokenBase):  # {% if %} conditions: literals and operators
        for attr in ("value", "first", "second"):
            yield from _expressions(getattr(value, attr, None), depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            if not isinstance(item, Node | NodeList):
                yield from _expressions(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _expressions(item, depth + 1)


def _variables(expression: FilterExpression | Variable, *, skip_main: bool = False) -> Iterator[Variable]:
    if isinstance(expression, Variable):
        if expression.lookups is not None:
            yield expression
        return
    if isinstance(expression.var, Variable) and expression.var.lookups is not None and not skip_main:
        yield expression.var
    for _func, args in expression.filters:
        for is_variable, arg in args:
            if is_variable and isinstance(arg, Variable) and arg.lookups is not None:
                yield arg


def _node_variables(node: Node) -> Iterator[Variable]:
    if isinstance(node, VariableNode):
        yield from _variables(node.filter_expression)
        return
    for name, value in vars(node).items():
        if name in ("token", "origin", "nodelist") or isinstance(value, Node | NodeList):
            continue
        # {% filter upper %} compiles "var|upper"; "var" is the tag's own placeholder.
        skip_main = isinstance(node, FilterNode) and name == "filter_expr"
        for expression in _expressions(value):
            yield from _variables(expression, skip_main=skip_main)


def _line(node: Node) -> int | None:
    token = getattr(node, "token", None)
    return getattr(token, "lineno", None)


def _error(line: int | None, message: str) -> ValidationError:
    if line is None:
        return ValidationError(message)
    return ValidationError(_("Line %(line)s: %(message)s"), params={"line": line, "message": message})


def _known_fields() -> dict[str, set[str]]:
    """The context's top-level names, each with its keys when it is a dict, read from
    MERGE_FIELDS ("consent." is the documented loop variable, not a context name)."""
    known: dict[str, set[str]] = {}
    for field in MERGE_FIELDS:
        head, *rest = field.name.split(".")
        if head != "consent":
            known.setdefault(head, set()).update(rest[:1])
    return known


def template_validate(source: str) -> Template:
    """The compiled template; raises ValidationError (one message per problem, each naming
    its line) when `source` does not compile or uses a variable the context does not have."""
    try:
        compiled = ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        debug = getattr(error, "template_debug", None) or {}
        # Django's message may name the line itself; ours always leads with it.
        raise _error(debug.get("line"), re.sub(r" on line \d+", "", str(error))) from error
    nodes = list(_walk(compiled.nodelist))
    known = _known_fields()
    allowed = set(known) | _bound_names(nodes) | _ENGINE_NAMES
    errors = []
    seen = set()
    for node in nodes:
        for variable in _node_variables(node):
            head = variable.lookups[0]
            problem = None
            if head not in allowed:
                problem = head
            elif known.get(head) and len(variable.lookups) > 1 and variable.lookups[1] not in known[head]:
                problem = f"{head}.{variable.lookups[1]}"
            if problem and (problem, _line(node)) not in seen:
                seen.add((problem, _line(node)))
                errors.append(_error(_line(node), str(_("unknown merge field “%s”") % problem)))
    if errors:
        raise ValidationError(errors)
    return compiled


def subject_validate(subject: str) -> None:
    """A subject is one line: a line break could inject email headers."""
    if "\r" in subject or "\n" in subject:
        raise ValidationError(_("The subject must be a single line."))
    template_validate(subject)


# --- Rendering -----------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str
    language: str
    is_fallback: bool


def _render(source: str, context: dict[str, Any], *, autoescape: bool) -> str:
    # Validation runs again here: a template saved before a rule existed, or written by
    # code, must not render an include or a load either.
    return template_validate(source).render(Context(context, autoescape=autoescape))


def _one_line(text: str) -> str:
    """Collapse line breaks (and other runs of whitespace) so the subject is one line."""
    return " ".join(text.split())


def html_to_text(html: str) -> str:
    converter = html2text.HTML2Text()
    converter.body_width = 0  # mail clients wrap; hard wraps break long links
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.unicode_snob = True  # keep æøå and typographic quotes as they are
    converter.use_automatic_links = True
    # The <title> repeats the heading; html2text would print it first.
    text = converter.handle(_HTML_HEAD.sub("", html))
    # html2text writes Markdown; a plain-text reader wants "text <url>" (RFC 3986, App. C)
    # and headings without hashes.
    text = _MARKDOWN_AUTOLINK.sub(r"\1", text)
    text = _MARKDOWN_LINK.sub(_plain_link, text)
    text = _MARKDOWN_HEADING.sub("", text)
    text = "\n".join(line.rstrip() for line in text.splitlines())  # Markdown's "  " line breaks
    return _BLANK_LINES.sub("\n\n", text).strip() + "\n"


def _plain_link(match: re.Match[str]) -> str:
    label, url = match[1], match[2]
    if url in (label, f"mailto:{label}"):
        return label
    return f"{label} <{url}>"


_MARKDOWN_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?|mailto):[^)\s]+)\)")
_MARKDOWN_HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)
_HTML_HEAD = re.compile(r"<head\b.*?</head>", re.IGNORECASE | re.DOTALL)
_BLANK_LINES = re.compile(r"\n{3,}")


def _translation(template: EmailTemplate, language: str) -> EmailTemplateTranslation:
    for candidate in template.translations.all():
        if candidate.language == language:
            return candidate
    raise TemplateTranslationMissing(f"The template {template} has no {language} translation.")


def email_render(
    *,
    template: EmailTemplate,
    person: Person,
    language: str | None = None,
    subject_override: str = "",
    link_url: str,
    link_expires_at: dt.datetime,
) -> RenderedEmail:
    """Render `template` for `person`, in `language` or the best one (see language_resolve).

    `subject_override` is literal text (not a template) that replaces the subject."""
    resolved = language_resolve(template=template, person=person, requested=language)
    row = _translation(template, resolved.language)
    context = merge_context(
        person=person, language=resolved.language, link_url=link_url, link_expires_at=link_expires_at
    )
    with translation.override(resolved.language):
        subject = _one_line(subject_override) or _one_line(_render(row.subject, context, autoescape=False))
        html = _render(row.body_html, context, autoescape=True)
        text = _render(row.body_text, context, autoescape=False) if row.body_text.strip() else html_to_text(html)
    return RenderedEmail(
        subject=subject,
        html=css_inline.inline(html),
        text=text,
        language=resolved.language,
        is_fallback=resolved.is_fallback,
    )


def subject_render(*, template: EmailTemplate, person: Person, language: str | None = None) -> str:
    """The template's subject for `person`: the default the send dialog shows."""
    resolved = language_resolve(template=template, person=person, requested=language)
    row = _translation(template, resolved.language)
    url, expires_at = dummy_link()
    context = merge_context(person=person, language=resolved.language, link_url=url, link_expires_at=expires_at)
    with translation.override(resolved.language):
        return _one_line(_render(row.subject, context, autoescape=False))


def template_test_send(*, template: EmailTemplate, person: Person, language: str, to: str) -> RenderedEmail:
    """Send `template` as `person` would get it, with a dummy link, to `to` (a staff
    member's own address), through the normal email backend. Nothing is archived."""
    url, expires_at = dummy_link()
    email = email_render(template=template, person=person, language=language, link_url=url, link_expires_at=expires_at)
    sender = (ConfirmationSettings.objects.filter(pk=1).first() or ConfirmationSettings()).from_header()
    subject = str(_("[Test] %(subject)s") % {"subject": email.subject})
    message = EmailMultiAlternatives(subject=subject, body=email.text, from_email=sender, to=[to])
    message.attach_alternative(email.html, "text/html")
    message.send()
    return email
