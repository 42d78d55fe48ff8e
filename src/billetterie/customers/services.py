"""Customer accounts (issue 12, item 5; decisions 0021 and 0023): sign-in by emailed link or by
password, contact details, the data download and the account's deletion.

An account belongs to one organiser. Signing in with a link proves the address: the guest
orders and member records of that organiser with the same address then join the account. A
password sign-in proves nothing about the address, so it joins nothing for an account whose
address was never proved.

Nothing here says whether an address has an account: asking for a link answers the same, and
writes the same rows, either way; a wrong password and an unknown address get the same message.

This domain sits below orders, memberships and notifications. What they keep about an account
(its orders, its member records) they register here at start-up (`account_part_register`), and
the email that carries a link is queued by the mailer notifications registers
(`sign_in_mailer_register`), in the transaction that writes the link."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billetterie.core import clock
from billetterie.core.audit import audit_record
from billetterie.core.errors import DomainError, InvalidInput
from billetterie.core.ratelimit import Limit, bump, count, refusal
from billetterie.core.validation import email_is_valid
from billetterie.organizers.models import Organizer

from .models import Customer, LinkPurpose, SignInLink

LINK_VALIDITY = timedelta(minutes=30)
# links asked for one address of one organiser, and from one client, per 15 minutes
LINKS_PER_ADDRESS = Limit("customer_link_address", per_window=3, window_seconds=900)
LINKS_PER_CLIENT = Limit("customer_link_client", per_window=10, window_seconds=900)
# wrong passwords for one address of one organiser, and from one client, per 15 minutes
PASSWORD_FAILS_PER_ADDRESS = Limit("customer_password_address", per_window=5, window_seconds=900)
PASSWORD_FAILS_PER_CLIENT = Limit("customer_password_client", per_window=20, window_seconds=900)
# the confirmation emails one account may ask again, per hour
RESENDS_PER_CUSTOMER = Limit("customer_resend", per_window=5, window_seconds=3600)
NAME_MAX, PHONE_MAX = 200, 40


# --- what the domains above register ----------------------------------------------------------


@dataclass(frozen=True)
class AccountPart:
    """What a domain above keeps about an account (the orders, the member records)."""

    name: str  # its key in the data download: "orders", "members"
    # the organiser's records with the account's (proved) address and no account join it; how many
    join: Callable[[Customer], int]
    # the personal data it holds about the account, as JSON values
    export: Callable[[Customer], list[dict[str, Any]]]
    # before the account goes: erase or anonymise what it holds (decision 0023); how many
    erase: Callable[[Customer], int]


_PARTS: dict[str, AccountPart] = {}
SignInMailer = Callable[[SignInLink], None]
_MAILER: list[SignInMailer] = []


def account_part_register(part: AccountPart) -> None:
    _PARTS[part.name] = part


def sign_in_mailer_register(mailer: SignInMailer) -> None:
    """The email with a link is queued by `mailer`, in the transaction that writes the link."""
    _MAILER[:] = [mailer]


def _mail(link: SignInLink) -> None:
    if not _MAILER:
        raise RuntimeError("no sign-in mailer registered (notifications.customers)")
    _MAILER[0](link)


# --- links --------------------------------------------------------------------------------------


def email_normalise(email: str) -> str:
    return email.strip().lower()


def _address_subject(organizer_id: int, email: str) -> str:
    return f"{organizer_id}:{hashlib.sha256(email.encode()).hexdigest()[:32]}"


def link_token(link: SignInLink) -> str:
    """The token in the link's address: an HMAC of its salt under the site's secret key."""
    key = hashlib.sha256(f"billetterie.customers.sign-in:{settings.SECRET_KEY}".encode()).digest()
    digest = hmac.new(key, link.salt.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_link_limits(organizer: Organizer, email: str, client: str) -> None:
    """Counted for every request, whether the address has an account or not."""
    if bump(LINKS_PER_CLIENT, client) > LINKS_PER_CLIENT.per_window:
        raise refusal(LINKS_PER_CLIENT, _("Too many sign-in links asked for: wait a few minutes and try again."))
    if bump(LINKS_PER_ADDRESS, _address_subject(organizer.pk, email)) > LINKS_PER_ADDRESS.per_window:
        raise refusal(LINKS_PER_ADDRESS, _("Too many sign-in links asked for: wait a few minutes and try again."))


def _clean_email(raw: str) -> str:
    email = email_normalise(raw)
    if not email_is_valid(email) or len(email) > 254:
        raise InvalidInput(_("Enter a valid email address."), code="email_invalid", details={"field": "email"})
    return email


def _safe_next(organizer: Organizer, next_path: str) -> str:
    """Only a page of this organiser's shop, on this site (never an address elsewhere)."""
    path = (next_path or "").strip()
    prefix = f"/{organizer.slug}/"
    if not path.startswith(prefix) or "//" in path or "\\" in path or len(path) > 500:
        return ""
    return path


def _link_create(*, organizer: Organizer, customer: Customer | None, email: str, purpose: str,
                 next_path: str, locale: str) -> SignInLink:
    now = clock.now()
    salt = secrets.token_hex(32)
    link = SignInLink(organizer=organizer, customer=customer, email=email, purpose=purpose, salt=salt,
                      next_path=_safe_next(organizer, next_path), locale=(locale or "fr")[:10],
                      created_at=now, expires_at=now + LINK_VALIDITY)
    link.token_hash = _token_hash(link_token(link))
    link.save()
    _mail(link)
    return link


def sign_in_link_request(*, organizer: Organizer, email: str, client: str, next_path: str = "",
                         locale: str = "fr") -> None:
    """Email a sign-in link to `email`, valid LINK_VALIDITY and once. The same rows are written
    and the same answer given whether the address has an account or not: for an unknown one the
    account is created when the link is used. RateLimited past the limits."""
    email = _clean_email(email)
    _check_link_limits(organizer, email, client)
    with transaction.atomic():
        # links of this address that ran out long ago are of no use to anyone
        SignInLink.objects.filter(organizer=organizer, email=email,
                                  expires_at__lt=clock.now() - timedelta(days=1)).delete()
        customer = Customer.objects.filter(organizer=organizer, email=email).first()
        _link_create(organizer=organizer, customer=customer, email=email, purpose=LinkPurpose.SIGN_IN,
                     next_path=next_path, locale=locale)


def _link_of(organizer: Organizer, token: str) -> SignInLink | None:
    if not token or len(token) > 100:
        return None
    digest = _token_hash(token)
    link = SignInLink.objects.filter(organizer=organizer, token_hash=digest).first()
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        return None
    return link


def sign_in_link_valid(*, organizer: Organizer, token: str) -> SignInLink | None:
    """The link of this token if it may still be used (for the page that asks to confirm)."""
    link = _link_of(organizer, token)
    if link is None or link.used_at is not None or link.expires_at <= clock.now():
        return None
    return link


class LinkRefused(DomainError):
    code = "link_invalid"
    status = 410  # gone: it was used, or its time ran out


def _link_refused() -> LinkRefused:
    return LinkRefused(_("This link has expired or has already been used. Ask for a new one."))


def sign_in_link_use(*, organizer: Organizer, token: str) -> tuple[Customer, SignInLink]:
    """Use a link once: sign in (the account is created for a new address) or confirm the new
    address of an account. Either proves the address: it is marked verified and the organiser's
    guest records with that address join the account. InvalidInput when used, expired or wrong."""
    now = clock.now()
    with transaction.atomic():
        found = _link_of(organizer, token)
        link = SignInLink.objects.select_for_update().filter(pk=found.pk).first() if found else None
        if link is None or link.used_at is not None or link.expires_at <= now:
            raise _link_refused()
        link.used_at = now
        link.save(update_fields=["used_at"])
        if link.purpose == LinkPurpose.EMAIL_CHANGE:
            customer = _email_change_apply(link)
        else:
            customer = _customer_for_link(link)
        customer.last_login_at = now
        if customer.email_verified_at is None:
            customer.email_verified_at = now
        customer.save(update_fields=["last_login_at", "email_verified_at"])
        _join(customer)
    return customer, link


def _customer_for_link(link: SignInLink) -> Customer:
    existing = Customer.objects.select_for_update().filter(organizer_id=link.organizer_id, email=link.email).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            customer = Customer.objects.create(organizer_id=link.organizer_id, email=link.email,
                                               locale=link.locale, created_at=clock.now())
    except IntegrityError:  # a second link of the same address was used at the same moment
        return Customer.objects.select_for_update().get(organizer_id=link.organizer_id, email=link.email)
    audit_record(action="customer.created", subject=customer, organizer_id=customer.organizer_id,
                 changes={"email": [None, customer.email]})
    return customer


def _email_change_apply(link: SignInLink) -> Customer:
    customer = (Customer.objects.select_for_update().filter(pk=link.customer_id).first()
                if link.customer_id is not None else None)
    if customer is None:
        raise _link_refused()
    taken = Customer.objects.filter(organizer_id=link.organizer_id, email=link.email).exclude(pk=customer.pk)
    if taken.exists():
        raise InvalidInput(_("This address is already the address of another account."), code="email_taken")
    before = customer.email
    customer.email = link.email
    customer.email_verified_at = clock.now()
    # The new address's owner takes the account over: the password chosen before (perhaps by
    # someone else who asked for the change) goes, and with it, and with the old address, every
    # session opened before (customers.selectors.session_value). The guest orders of the new
    # address join an account that only the owner of that address can now open.
    had_password = bool(customer.password)
    customer.set_password(None)
    customer.save(update_fields=["email", "email_verified_at", "password"])
    audit_record(action="customer.email_changed", subject=customer, organizer_id=customer.organizer_id,
                 changes={"email": [before, customer.email], "password": [had_password, False]})
    return customer


def _join(customer: Customer) -> int:
    """The organiser's guest records with the account's proved address join it."""
    if customer.email_verified_at is None:
        return 0
    return sum(part.join(customer) for part in _PARTS.values())


# --- passwords ----------------------------------------------------------------------------------


def _password_limits_reached(organizer_id: int, email: str, client: str) -> Limit | None:
    if count(PASSWORD_FAILS_PER_CLIENT, client) >= PASSWORD_FAILS_PER_CLIENT.per_window:
        return PASSWORD_FAILS_PER_CLIENT
    address = _address_subject(organizer_id, email)
    if count(PASSWORD_FAILS_PER_ADDRESS, address) >= PASSWORD_FAILS_PER_ADDRESS.per_window:
        return PASSWORD_FAILS_PER_ADDRESS
    return None


def _password_failed(organizer_id: int, email: str, client: str) -> None:
    bump(PASSWORD_FAILS_PER_CLIENT, client)
    bump(PASSWORD_FAILS_PER_ADDRESS, _address_subject(organizer_id, email))


def _too_many_passwords(limit: Limit) -> Exception:
    return refusal(limit, _("Too many wrong passwords: wait a few minutes, or sign in with a link sent by email."))


def password_sign_in(*, organizer: Organizer, email: str, password: str, client: str) -> Customer:
    """The account of this address and password. The same message for an unknown address and a
    wrong password (and the same work: a password is hashed either way); past the limits of wrong
    tries, refused (RateLimited) before the password is even looked at."""
    email = email_normalise(email)
    limit = _password_limits_reached(organizer.pk, email, client)
    if limit is not None:
        raise _too_many_passwords(limit)
    customer = Customer.objects.filter(organizer=organizer, email=email).first() if email else None
    if customer is None or not customer.password:
        make_password(password)  # as long as checking one: the answer's delay says nothing
        ok = False
    else:
        ok = customer.check_password(password)
    if not ok or customer is None:
        _password_failed(organizer.pk, email, client)
        raise InvalidInput(_("Wrong email address or password."), code="password_wrong")
    with transaction.atomic():
        customer.last_login_at = clock.now()
        customer.save(update_fields=["last_login_at"])
        _join(customer)  # an address proved before, by a link: nothing new is proved here
    return customer


def password_set(*, customer: Customer, password: str, current: str, client: str) -> None:
    """Set (or change, or with an empty one remove) the account's password. Changing one that
    exists asks for it, each wrong try counted against the sign-in's limits."""
    if customer.password:
        limit = _password_limits_reached(customer.organizer_id, customer.email, client)
        if limit is not None:
            raise _too_many_passwords(limit)
        if not customer.check_password(current):
            _password_failed(customer.organizer_id, customer.email, client)
            raise InvalidInput(_("Your current password is not this one."), code="password_wrong",
                               details={"field": "current"})
    if password:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise InvalidInput(" ".join(exc.messages), code="password_weak", details={"field": "password"}) from None
    customer.set_password(password)
    customer.save(update_fields=["password"])


# --- details ------------------------------------------------------------------------------------


def customer_details_update(*, customer: Customer, name: str, phone: str) -> Customer:
    name, phone = name.strip(), phone.strip()
    if len(name) > NAME_MAX:
        raise InvalidInput(_("This name is too long."), code="name_too_long", details={"field": "name"})
    if len(phone) > PHONE_MAX:
        raise InvalidInput(_("This phone number is too long."), code="phone_too_long", details={"field": "phone"})
    changes = {k: [getattr(customer, k), v] for k, v in (("name", name), ("phone", phone)) if getattr(customer, k) != v}
    if changes:
        with transaction.atomic():
            customer.name, customer.phone = name, phone
            customer.save(update_fields=["name", "phone"])
            audit_record(action="customer.updated", subject=customer, organizer_id=customer.organizer_id,
                         changes=changes)
    return customer


def email_change_request(*, customer: Customer, email: str, client: str, locale: str = "fr") -> None:
    """Send a link to the new address: it becomes the account's when that link is used. The
    answer does not say whether another account has it (the link's use does, to its owner)."""
    email = _clean_email(email)
    if email == customer.email:
        raise InvalidInput(_("This is already your address."), code="email_same", details={"field": "email"})
    organizer = customer.organizer
    _check_link_limits(organizer, email, client)
    with transaction.atomic():
        _link_create(organizer=organizer, customer=customer, email=email, purpose=LinkPurpose.EMAIL_CHANGE,
                     next_path="", locale=locale)


def confirmation_resend_check(*, customer: Customer) -> None:
    """An account asks for its confirmation emails again at most RESENDS_PER_CUSTOMER an hour."""
    if bump(RESENDS_PER_CUSTOMER, str(customer.pk)) > RESENDS_PER_CUSTOMER.per_window:
        raise refusal(RESENDS_PER_CUSTOMER, _("You asked for this email too often: try again in an hour."))


# --- personal data ------------------------------------------------------------------------------


def customer_data(*, customer: Customer) -> dict[str, Any]:
    """Everything the organiser's site keeps about the account, for its owner to download."""
    data: dict[str, Any] = {
        "account": {
            "email": customer.email, "name": customer.name, "phone": customer.phone,
            "language": customer.locale, "created_at": customer.created_at.isoformat(),
            "email_verified_at": customer.email_verified_at.isoformat() if customer.email_verified_at else None,
            "last_sign_in_at": customer.last_login_at.isoformat() if customer.last_login_at else None,
            "has_password": bool(customer.password),
            "organizer": customer.organizer.name,
        },
    }
    for part in _PARTS.values():
        data[part.name] = part.export(customer)
    return data


DELETE_WORD = "SUPPRIMER"


def customer_delete(*, customer: Customer, confirmation: str) -> None:
    """Delete the account: what the other domains keep about it is erased, or anonymised where
    the books must keep the sale (decision 0023); its links go with it. `confirmation` must be
    the word DELETE_WORD (or its English "DELETE"), typed by the owner."""
    if confirmation.strip().upper() not in (DELETE_WORD, "DELETE"):
        raise InvalidInput(_("Type %(word)s to confirm.") % {"word": DELETE_WORD}, code="confirmation",
                           details={"field": "confirmation"})
    with transaction.atomic():
        locked = Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if locked is None:
            return  # deleted already (a second click)
        erased = {part.name: part.erase(locked) for part in _PARTS.values()}
        # its links go too, those sent before the account existed included (they name the address)
        SignInLink.objects.filter(organizer_id=locked.organizer_id, email=locked.email).delete()
        audit_record(action="customer.deleted", subject=locked, organizer_id=locked.organizer_id,
                     changes={"anonymised": [None, erased]})
        locked.delete()
