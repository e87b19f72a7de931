"""The vendor's default purposes, legal bases, consent sources, two example subscription
types and the organisation settings row."""

from django.db import migrations

LEGAL_BASES = [
    ("61A", "Consent", "Samtykke", "The person has given consent (GDPR Art. 6(1)(a))."),
    ("61B", "Contract", "Avtale", "Needed to fulfil a contract with the person (Art. 6(1)(b))."),
    ("61C", "Required by law", "Lovpålagt", "Needed to comply with a legal obligation (Art. 6(1)(c))."),
    ("61D", "Protect vital interests", "Beskytte vitale interesser", "Needed to protect someone's life (Art. 6(1)(d))."),
    ("61E", "Public interest", "Allmenn interesse", "Needed for a task in the public interest (Art. 6(1)(e))."),
    ("61F", "Legitimate interest", "Berettiget interesse", "Our legitimate interest, balanced against the person's rights (Art. 6(1)(f))."),
    ("WITHDRAWN", "Withdrawn", "Trukket tilbake", "Consent was withdrawn; the data is not used for this purpose."),
]

SOURCES = [
    ("USER", "Created by user", "Opprettet av bruker"),
    ("EMAIL", "E-mail", "E-post"),
    ("REQUEST", "Incoming request", "Innkommende forespørsel"),
    ("CHAT", "Chat", "Chat"),
    ("FORM", "Web form", "Webskjema"),
    ("PORTAL", "Customer portal", "Kundesenter"),
    ("IMPORT", "Import", "Import"),
    ("INTEGRATION", "Other integration", "Annen integrasjon"),
    ("UNKNOWN", "Unknown", "Ukjent"),
]

PURPOSES = [
    {
        "key": "STORE",
        "rank": 1,
        "en": {
            "name": "Sales and service",
            "description": "We store your contact details to sell to you and to serve you as a customer.",
            "approval_text": "I accept that my contact details are stored for sales and service.",
            "customer_centre_description": (
                "We store your name, company, email addresses and phone number so that we can "
                "answer your questions, deliver what you have ordered and follow up our agreements "
                "with you. The data is stored securely and is not shared with others. "
                "You can withdraw your consent at any time on this page."
            ),
            "privacy_statement_title": "Privacy statement",
        },
        "nb": {
            "name": "Salg og service",
            "description": "Vi lagrer kontaktopplysningene dine for å selge til deg og gi deg service som kunde.",
            "approval_text": "Jeg godtar at kontaktopplysningene mine lagres for salg og service.",
            "customer_centre_description": (
                "Vi lagrer navn, firma, e-postadresser og telefonnummer slik at vi kan svare på "
                "spørsmålene dine, levere det du har bestilt og følge opp avtalene våre med deg. "
                "Opplysningene lagres sikkert og deles ikke med andre. "
                "Du kan når som helst trekke tilbake samtykket på denne siden."
            ),
            "privacy_statement_title": "Personvernerklæring",
        },
    },
    {
        "key": "EMARKETING",
        "rank": 2,
        "en": {
            "name": "E-marketing",
            "description": "We send you news, offers and invitations by email.",
            "approval_text": "Yes, I want to receive news, offers and invitations by email.",
            "customer_centre_description": (
                "We use your email address to send you news, offers and invitations. "
                "We do not share your address with others. You can say no at any time."
            ),
            "privacy_statement_title": "Privacy statement",
        },
        "nb": {
            "name": "E-markedsføring",
            "description": "Vi sender deg nyheter, tilbud og invitasjoner på e-post.",
            "approval_text": "Ja, jeg vil motta nyheter, tilbud og invitasjoner på e-post.",
            "customer_centre_description": (
                "Vi bruker e-postadressen din til å sende deg nyheter, tilbud og invitasjoner. "
                "Vi deler ikke adressen din med andre. Du kan når som helst si nei takk."
            ),
            "privacy_statement_title": "Personvernerklæring",
        },
    },
]

SUBSCRIPTION_TYPES = [
    ("NEWSLETTER", "Newsletter", "Nyhetsbrev", "A monthly newsletter.", "Et månedlig nyhetsbrev."),
    ("EVENTS", "Events and webinars", "Arrangementer og webinarer", "Invitations to events and webinars.", "Invitasjoner til arrangementer og webinarer."),
]


def create_defaults(apps, schema_editor):
    LegalBasis = apps.get_model("contacts", "LegalBasis")
    ConsentSource = apps.get_model("contacts", "ConsentSource")
    Purpose = apps.get_model("contacts", "Purpose")
    PurposeTranslation = apps.get_model("contacts", "PurposeTranslation")
    SubscriptionType = apps.get_model("contacts", "SubscriptionType")
    SubscriptionTypeTranslation = apps.get_model("contacts", "SubscriptionTypeTranslation")
    OrganisationSettings = apps.get_model("contacts", "OrganisationSettings")

    for rank, (key, name, name_nb, description) in enumerate(LEGAL_BASES, start=1):
        LegalBasis.objects.update_or_create(
            key=key,
            defaults={"name": name, "name_translations": {"nb": name_nb}, "description": description, "rank": rank},
        )
    for rank, (key, name, name_nb) in enumerate(SOURCES, start=1):
        ConsentSource.objects.update_or_create(
            key=key, defaults={"name": name, "name_translations": {"nb": name_nb}, "rank": rank}
        )
    for data in PURPOSES:
        purpose, _ = Purpose.objects.update_or_create(key=data["key"], defaults={"rank": data["rank"], **data["en"]})
        PurposeTranslation.objects.update_or_create(purpose=purpose, language="nb", defaults=data["nb"])
    for rank, (key, name, name_nb, description, description_nb) in enumerate(SUBSCRIPTION_TYPES, start=1):
        subscription_type, _ = SubscriptionType.objects.update_or_create(
            key=key, defaults={"name": name, "description": description, "rank": rank}
        )
        SubscriptionTypeTranslation.objects.update_or_create(
            subscription_type=subscription_type, language="nb", defaults={"name": name_nb, "description": description_nb}
        )
    OrganisationSettings.objects.update_or_create(
        pk=1, defaults={"default_store_legal_basis": LegalBasis.objects.get(key="61F")}
    )


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
