"""Demo data: the "Association des étudiants BTS FED", its memberships page and its yearly event.

Idempotent: every row is found by its natural key (slug, name) and refreshed, never duplicated.
The vegetarian meal is sold out the honest way: paid demo orders hold its 20 places, placed and
paid through the same services as a buyer's order (cart → order → sandbox payment notice)."""

from __future__ import annotations

import io
import os
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from PIL import Image, ImageDraw

from billetterie.cart.services import CartAdd, cart_add, cart_get_or_create
from billetterie.catalog.models import (
    Event,
    EventDate,
    Price,
    Product,
    ProductKind,
    Publication,
    Question,
    QuestionKind,
    Quota,
    Section,
)
from billetterie.catalog.selectors import Visibility, availability_for
from billetterie.catalog.services import date_capacity_sync
from billetterie.core import clock
from billetterie.invoicing.models import VatRegime
from billetterie.invoicing.services import invoicing_settings_set
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import Checkout, Person, order_cancel, order_place
from billetterie.organizers.models import Organizer, Role, TeamMember
from billetterie.payments.services import payment_record_external
from billetterie.taxreceipts.models import OrganismStatus, TaxReceiptSettings
from billetterie.taxreceipts.services import settings_update as tax_receipt_settings_update
from billetterie.taxreceipts.services import signature_set

PARIS = ZoneInfo("Europe/Paris")
ORGANIZER_SLUG = "bts-fed"
STAFF_USERNAME = "demo"
STAFF_EMAIL = "demo@example.org"  # signs in to the back office, /gestion/, as the team's administrator
# one more person per other role of the team, same password: what each role sees in /gestion/
ROLE_EMAILS = {
    Role.TREASURY: "tresorerie@example.org",
    Role.TICKETING: "billetterie@example.org",
    Role.BOX_OFFICE: "guichet@example.org",
    Role.CHECKIN: "controle@example.org",
    Role.READ_ONLY: "lecture@example.org",
}
# the platform's operator: the only kind of login the Django admin (/admin/) opens, in no team
OPERATOR_USERNAME = "operateur"
OPERATOR_EMAIL = "operateur@example.org"
# the group earlier demos gave the `demo` login for the Django admin; taken away on loading again
FORMER_STAFF_GROUP = "Équipe organisateur (démo)"

ORGANIZER = {
    "name": "Association des étudiants BTS FED",
    "legal_name": "Association des étudiants et anciens étudiants du BTS FED du lycée Louis Vicat",
    "address": "Lycée Louis Vicat\n1 rue Pierre Bourthoumieux\n46200 Souillac",
    "siret": "77987654900006",  # made up (its check digits are right)
    "contact_email": "assocbtsfed@example.org",
    "noreply_email": "ne-pas-repondre@example.org",
    "hold_minutes": 60,
    "description": (
        "L'association réunit les étudiants et les anciens étudiants du BTS Fluides, Énergies, Domotique "
        "(FED) du lycée Louis Vicat de Souillac. Elle fait vivre le réseau des promotions, aide les "
        "étudiants dans leur recherche de stage et d'emploi, et organise chaque année la JIP, la "
        "Journée de l'Ingénierie et du Partenariat, avec les entreprises partenaires de la filière."
    ),
    "terms": (
        "Conditions générales de vente\n\n"
        "1. Vendeur. Les adhésions, billets et repas sont vendus par l'Association des étudiants BTS FED, "
        "association loi 1901, lycée Louis Vicat, 46200 Souillac (assocbtsfed@example.org).\n"
        "2. Prix. Les prix sont indiqués en euros, toutes taxes comprises ; l'association n'est pas "
        "assujettie à la TVA (article 261-7-1° du CGI).\n"
        "3. Paiement. Le paiement se fait en ligne par carte bancaire ou PayPal. La commande est "
        "confirmée à la réception du paiement ; un courriel de confirmation contenant le reçu et, pour "
        "la JIP, les billets est alors envoyé.\n"
        "4. Rétractation. Conformément à l'article L221-28 du Code de la consommation, le droit de "
        "rétractation ne s'applique pas aux prestations de loisirs fournies à une date déterminée. Les "
        "billets ne sont ni échangés ni remboursés, sauf annulation de l'événement.\n"
        "5. Adhésion. L'adhésion est valable du 1er septembre 2026 au 31 août 2027. Elle est personnelle : "
        "une adhésion par personne, avec ses propres coordonnées.\n"
        "6. Données personnelles. Les données recueillies servent à la gestion des adhésions et des "
        "inscriptions ; elles ne sont jamais cédées. Vous pouvez y accéder ou les faire rectifier en "
        "écrivant à assocbtsfed@example.org."
    ),
}

# buyers of the demo orders that fill the vegetarian meal (fictitious people)
DEMO_GROUPS: list[list[tuple[str, str]]] = [
    [("Léa Martin", "Étudiant"), ("Hugo Bernard", "Étudiant"), ("Chloé Petit", "Étudiant")],
    [("Camille Durand", "Adulte"), ("Julien Durand", "Adulte"), ("Manon Durand", "Étudiant")],
    [("Inès Moreau", "Adulte"), ("Thomas Girard", "Adulte"), ("Sarah Lefèvre", "Étudiant")],
    [("Nathan Roux", "Adulte"), ("Lucas Fournier", "Étudiant"), ("Emma Fournier", "Adulte")],
    [("Louis Mercier", "Adulte"), ("Jade Blanc", "Adulte")],
    [("Gabriel Faure", "Étudiant"), ("Zoé Garnier", "Étudiant")],
    [("Arthur Chevalier", "Adulte"), ("Alice Lambert", "Adulte")],
    [("Paul Bonnet", "Adulte"), ("Louise Fontaine", "Étudiant")],
]


@dataclass
class Demo:
    organizer: Organizer
    jip: Event
    ticket: Product
    veg_meal: Product
    password: str


def _local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day.date(), time(hour, minute), tzinfo=PARIS)


def _price(product: Product, name: str, cents: int, position: int, **fields: Any) -> Price:
    price, _created = Price.objects.update_or_create(
        product=product, name=name,
        defaults={"amount_cents": cents, "position": position, "active": True, **fields},
    )
    return price


def _product(event: Event, name: str, kind: str, position: int, **fields: Any) -> Product:
    product, _created = Product.objects.update_or_create(
        event=event, name=name, defaults={"kind": kind, "position": position, "active": True, **fields}
    )
    return product


def _quota(event: Event, name: str, size: int) -> Quota:
    quota, _created = Quota.objects.update_or_create(
        event=event, name=name, date=None, defaults={"size": size}
    )
    return quota


def _event(organizer: Organizer, slug: str, **fields: Any) -> Event:
    event, _created = Event.objects.update_or_create(
        organizer=organizer, slug=slug, defaults={"publication": Publication.PUBLISHED, **fields}
    )
    return event


def _date(event: Event, start: datetime, end: datetime, capacity: int) -> EventDate:
    """The event's first date; moved forward when it has passed (a demo loaded months ago)."""
    date = event.dates.order_by("start").first()
    if date is None:
        date = EventDate.objects.create(event=event, start=start, end=end, capacity=capacity)
    else:
        fields = ["capacity"]
        date.capacity = capacity
        if date.start <= clock.now():
            date.start, date.end = start, end
            fields += ["start", "end"]
        date.save(update_fields=fields)
    date_capacity_sync(date=date)
    return date


def organizer_load() -> Organizer:
    organizer, _created = Organizer.objects.update_or_create(slug=ORGANIZER_SLUG, defaults=ORGANIZER)
    return organizer


def memberships_load(organizer: Organizer) -> Event:
    page = _event(
        organizer, "adhesions-2026-2027", title="Adhésions 2026-2027", section=Section.MEMBERSHIPS,
        theme="Adhésions", position=0,
        description=(
            "Adhérez à l'association pour l'année 2026-2027 (du 1er septembre au 31 août). Votre adhésion "
            "soutient la JIP et l'entraide entre promotions, et vous donne accès au réseau des anciens.\n\n"
            "Important : une adhésion par achat. Nous avons besoin des coordonnées de chaque adhérent "
            "pour lui envoyer son justificatif et tenir notre fichier à jour."
        ),
    )
    membership = _product(
        page, "Adhésion annuelle", ProductKind.MEMBERSHIP, 1, max_per_order=1,
        description="Valable du 1er septembre 2026 au 31 août 2027.",
    )
    _price(
        membership, "Étudiant", 500, 1,
        eligibility="Étudiants en BTS FED ou en poursuite d'études après le BTS",
    )
    _price(
        membership, "Ancien étudiant", 1000, 2,
        eligibility="Anciens étudiants du BTS FED entrés dans la vie professionnelle",
    )
    _price(
        membership, "Membre bienfaiteur", 3000, 3, publication=Publication.PREVIEW,
        eligibility="Pour soutenir l'association au-delà de l'adhésion (tarif en préparation)",
    )
    Question.objects.update_or_create(
        product=membership, label="Promotion (année d'obtention du BTS, ou année en cours)",
        defaults={"kind": QuestionKind.TEXT, "required": False, "position": 1},
    )
    return page


def jip_load(organizer: Organizer) -> tuple[Event, Product, Product]:
    jip = _event(
        organizer, "jip-2027", title="JIP 2027 — Journée de l'Ingénierie et du Partenariat",
        section=Section.TICKETS, theme="Événements", venue="Lycée Louis Vicat, Souillac", position=1,
        description=(
            "La Journée de l'Ingénierie et du Partenariat réunit étudiants, anciens, enseignants et "
            "entreprises de la filière : conférences et démonstrations l'après-midi, forum des stages et "
            "des emplois, puis repas du soir et soirée festive. Les billets sont envoyés par courriel avec "
            "leur QR code, à présenter à l'entrée, imprimé ou sur téléphone."
        ),
    )
    day = clock.now().astimezone(PARIS) + timedelta(days=91)
    _date(jip, _local(day, 14), _local(day, 23), capacity=300)
    ticket = _product(jip, "Entrée", ProductKind.TICKET, 1, description="Accès à la journée et à la soirée.")
    _price(ticket, "Adulte", 1500, 1)
    _price(ticket, "Étudiant", 800, 2, eligibility="Sur présentation de la carte d'étudiant à l'entrée")

    meal = _product(
        jip, "Repas du soir", ProductKind.ADDON, 2, addon_standalone=False,
        description="Buffet servi à partir de 19 h 30 (entrée, plat, dessert). Avec un billet d'entrée.",
    )
    meal.quotas.set([_quota(jip, "Repas", 120)])
    _price(meal, "Repas complet", 1200, 1)

    veg = _product(
        jip, "Repas végétarien", ProductKind.ADDON, 3, addon_standalone=False,
        description="Le même buffet en version végétarienne. Avec un billet d'entrée.",
    )
    veg.quotas.set([_quota(jip, "Repas végétarien", 20)])
    _price(veg, "Repas végétarien", 1200, 1)

    _product(
        jip, "Don à l'association", ProductKind.DONATION, 9, donation_min_cents=100, donation_max_cents=50000,
        donation_suggested="500,1000,2000",
        description="Un don, du montant de votre choix, pour soutenir les projets de l'association.",
    )
    return jip, ticket, veg


def workshop_load(organizer: Organizer) -> Event:
    workshop = _event(
        organizer, "atelier-soudure", title="Atelier soudure", section=Section.TICKETS, theme="Ateliers",
        venue="Atelier du BTS FED, lycée Louis Vicat, Souillac", position=2,
        description=(
            "Initiation au brasage et à la soudure des tubes cuivre, encadrée par un enseignant de la "
            "section. Équipements de protection fournis ; prévoir une tenue couvrante. Douze places."
        ),
    )
    day = clock.now().astimezone(PARIS) + timedelta(days=45)
    day += timedelta(days=(5 - day.weekday()) % 7)  # a Saturday morning
    _date(workshop, _local(day, 9), _local(day, 12), capacity=12)
    seat = _product(workshop, "Inscription", ProductKind.TICKET, 1)
    _price(seat, "Adhérent", 500, 1, eligibility="Membres de l'association à jour de leur adhésion")
    _price(seat, "Non adhérent", 1000, 2)
    return workshop


def _left(product: Product) -> int:
    return availability_for(product=product, dates=[]).get(None, 0)


def demo_orders_load(organizer: Organizer, jip: Event, ticket: Product, veg: Product) -> int:
    """Paid orders of tickets with the vegetarian meal, until its 20 places are all sold.

    Each order goes the buyer's way (cart → order → sandbox payment → verified notice), in one
    transaction so an interrupted load leaves nothing half done."""
    date = jip.dates.order_by("start").first()
    assert date is not None
    prices = {p.name: p for p in ticket.prices.all()}
    veg_price = veg.prices.get()
    # an unpaid demo order (from an interrupted load) would hold places until it expires
    demo_emails = {_email(name) for group in DEMO_GROUPS for name, _price_name in group}
    for order_id in Order.objects.filter(
        organizer=organizer, state=OrderState.PENDING, email__in=demo_emails
    ).values_list("pk", flat=True):
        order_cancel(order_id=order_id)
    placed = 0
    for group in DEMO_GROUPS:
        left = _left(veg)
        if left <= 0:
            break
        with transaction.atomic():
            _demo_order_place(organizer, date, ticket, prices, veg, veg_price, group[:left])
        placed += 1
    return placed


def _demo_order_place(
    organizer: Organizer, date: EventDate, ticket: Product, prices: dict[str, Price],
    veg: Product, veg_price: Price, group: list[tuple[str, str]],
) -> None:
    cart = cart_get_or_create(organizer=organizer, token=None)
    people: dict[int, Person] = {}
    for name, price_name in group:
        item = CartAdd(product=ticket, price=prices[price_name], date=date)
        (position,) = cart_add(cart=cart, item=item, visibility=Visibility())
        people[position.pk] = Person(name=name, email=_email(name))
    meals = CartAdd(product=veg, price=veg_price, quantity=len(group))
    cart_add(cart=cart, item=meals, visibility=Visibility())
    buyer = group[0][0]
    order = order_place(
        cart_token=cart.token,
        checkout=Checkout(email=_email(buyer), name=buyer, terms_accepted=True, people=people),
    )
    # sold at the door of last year's box office: a real payment row, no payment service involved
    payment_record_external(
        order_id=order.pk, method="card_terminal", amount_cents=order.total_cents, reference=f"DEMO-{order.code}"
    )


def _email(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.lower().replace(" ", ".") + "@example.org"


def staff_load(organizer: Organizer, password: str) -> AbstractUser:
    """The `demo` login: the team's administrator in the back office (/gestion/), not a Django
    admin user (the admin is for the platform's operators: `operator_load`)."""
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(username=STAFF_USERNAME)
    assert isinstance(user, AbstractUser)
    user.first_name, user.last_name = "Compte", "de démonstration"
    user.email = STAFF_EMAIL
    user.is_staff, user.is_superuser, user.is_active = False, False, True
    user.set_password(password)
    user.save()
    user.groups.remove(*Group.objects.filter(name=FORMER_STAFF_GROUP))
    TeamMember.objects.update_or_create(organizer=organizer, user=user, defaults={"role": Role.ADMIN})
    team_load(organizer, password)
    operator_load(password)
    return user


def operator_load(password: str) -> AbstractUser:
    """The `operateur` login: a superuser, the platform's operator, who opens /admin/ (and every
    organiser's back office); same password as `demo`."""
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(username=OPERATOR_USERNAME)
    assert isinstance(user, AbstractUser)
    user.email, user.first_name, user.last_name = OPERATOR_EMAIL, "Opérateur", "de la plateforme"
    user.is_staff, user.is_superuser, user.is_active = True, True, True
    user.set_password(password)
    user.save()
    return user


def team_load(organizer: Organizer, password: str) -> None:
    """One back-office login per other role (no Django admin access), same password as `demo`."""
    user_model = get_user_model()
    for role, email in ROLE_EMAILS.items():
        user, _created = user_model.objects.get_or_create(username=email)
        assert isinstance(user, AbstractUser)
        user.email, user.first_name, user.last_name = email, str(Role(role).label), "(démo)"
        user.is_staff, user.is_superuser, user.is_active = False, False, True
        user.set_password(password)
        user.save()
        TeamMember.objects.update_or_create(organizer=organizer, user=user, defaults={"role": role})


def bank_methods_load(organizer: Organizer) -> None:
    """A Lyra (PayZen) and a SIPS (Mercanet) card method in sandbox mode with no credentials: with
    settings.PAYMENT_FAKES on (the demo sets it), they pay at the stand-ins' bank pages (devtools/)."""
    from billetterie.payments.models import PaymentMethodConfig

    PaymentMethodConfig.objects.get_or_create(organizer=organizer, provider="sandbox", defaults={"position": 0})
    for position, provider in enumerate(("payzen", "mercanet"), start=20):
        PaymentMethodConfig.objects.get_or_create(organizer=organizer, provider=provider,
                                                  defaults={"position": position, "mode": "sandbox"})


DEMO_STRIPE_CREDENTIALS = {"publishable_key": "pk_test_demo", "secret_key": "sk_test_demo",
                           "webhook_secret": "whsec_demo"}
DEMO_PAYPAL_CREDENTIALS = {"client_id": "demo-client", "client_secret": "demo-secret", "webhook_id": "WH-DEMO"}


def card_methods_load(organizer: Organizer) -> None:
    """Stripe, PayPal and PayFiP in sandbox mode, when their local stand-ins are running (`billetterie
    demo` starts them and sets STRIPE_API_BASE, PAYPAL_API_BASE and PAYFIP_API_BASE)."""
    from django.conf import settings

    from billetterie.payments.models import PaymentMethodConfig
    from billetterie.payments.services import payment_method_credentials_set

    for position, (provider, base, credentials) in enumerate((
        ("stripe", settings.STRIPE_API_BASE, DEMO_STRIPE_CREDENTIALS),
        ("paypal", settings.PAYPAL_API_BASE, DEMO_PAYPAL_CREDENTIALS),
        ("payfip", settings.PAYFIP_API_BASE, {"numcli": "123456"}),  # any 6 digits: the stand-in knows no client
    ), start=10):
        if not base:
            continue
        config, _created = PaymentMethodConfig.objects.get_or_create(
            organizer=organizer, provider=provider, defaults={"position": position, "mode": "sandbox"}
        )
        payment_method_credentials_set(config=config, mode="sandbox", values=credentials)


def books_load(organizer: Organizer) -> None:
    """Invoices for every paid order (an association not subject to VAT) and tax receipts for
    donations, so that the demo's « Comptabilité » has documents to show. Settings changed only
    where the demo's differ (each change is audited)."""
    invoicing_settings_set(organizer=organizer, values={
        "enabled": True, "vat_regime": VatRegime.NOT_SUBJECT, "payment_days": 30,
        "payment_terms": "Paiement à la commande, par carte, virement ou chèque.",
    })
    if not TaxReceiptSettings.objects.filter(organizer=organizer, signature__isnull=False).exists():
        signature_set(organizer_id=organizer.pk, data=_signature_drawn())
    tax_receipt_settings_update(organizer_id=organizer.pk, values={
        "enabled": True, "name": ORGANIZER["legal_name"], "address": ORGANIZER["address"],
        "purpose": "Faire vivre le réseau des étudiants et anciens étudiants du BTS FED, les aider dans leur "
                   "recherche de stage et d'emploi, organiser la Journée de l'Ingénierie et du Partenariat",
        "status": OrganismStatus.GENERAL_INTEREST, "articles": ["200"],
        "signatory_name": "Claire Dupont", "signatory_quality": "Présidente",
    })


def _signature_drawn() -> bytes:
    """A scribble standing for the signatory's scanned signature."""
    image = Image.new("RGB", (360, 120), "white")
    ImageDraw.Draw(image).line([(16, 90), (80, 24), (130, 84), (200, 30), (260, 80), (340, 40)],
                               fill="#1f2a5c", width=5, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def checkin_load(jip: Event) -> None:
    """The JIP's door: one check-in list for all its tickets (the scanner page opens on it). It
    accepts test tickets: a visitor of the demo pays with the test card, then scans the ticket."""
    from billetterie.checkin.services import checkin_list_create

    if not jip.checkin_lists.exists():
        checkin_list_create(event=jip, name="Entrée", accept_test_tickets=True)


def demo_load(*, password: str) -> Demo:
    with transaction.atomic():
        organizer = organizer_load()
        memberships_load(organizer)
        jip, ticket, veg = jip_load(organizer)
        workshop_load(organizer)
        staff_load(organizer, password)
        bank_methods_load(organizer)
        card_methods_load(organizer)
        checkin_load(jip)
        books_load(organizer)
    demo_orders_load(organizer, jip, ticket, veg)
    return Demo(organizer=organizer, jip=jip, ticket=ticket, veg_meal=veg, password=password)


class Command(BaseCommand):
    help = "Load (or refresh) the demo organiser “bts-fed”, its pages, products and a staff login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", ""),
            help="password of the demo logins: 'demo', the other roles, 'operateur' (default: $DEMO_PASSWORD, "
                 "else a new random one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or secrets.token_urlsafe(9)
        demo = demo_load(password=password)
        if options["verbosity"] >= 1:
            org = demo.organizer
            self.stdout.write(self.style.SUCCESS(f"Demo data ready: “{org.name}” (/{org.slug}/)."))
            self.stdout.write(f"Back office (/gestion/): {STAFF_EMAIL} / {password}; other roles: "
                              f"{', '.join(ROLE_EMAILS.values())} (same password)")
            self.stdout.write(f"Django admin (/admin/, the platform's operators only): {OPERATOR_USERNAME} / "
                              f"{password}")
