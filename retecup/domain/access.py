"""Who may do what: principals, their roles and channels.

A token stands for one principal: a role, the channel it books through, and
either the patient it is (citizens) or the provider it works for (operators,
specialists, provider administrators).
"""

from dataclasses import dataclass
from enum import StrEnum

from retecup.domain.errors import Forbidden, InvalidInput


class Role(StrEnum):
    CITIZEN = "citizen"
    OPERATOR = "operator"
    PHARMACIST = "pharmacist"
    CONTACT_CENTER = "contact_center"
    GP = "gp"
    SPECIALIST = "specialist"
    PROVIDER_ADMIN = "provider_admin"
    REGION_ADMIN = "region_admin"


class Channel(StrEnum):
    WEB = "web"
    APP = "app"
    PHARMACY = "pharmacy"
    CONTACT_CENTER = "contact_center"
    FRONT_OFFICE = "front_office"
    GP = "gp"
    SPECIALIST = "specialist"
    CARE_MANAGER = "care_manager"


PROVIDER_ROLES = {Role.OPERATOR, Role.SPECIALIST, Role.PROVIDER_ADMIN}
# Roles that book for any patient of the region, through their channel.
REGIONWIDE_BOOKERS = {Role.PHARMACIST, Role.CONTACT_CENTER, Role.GP, Role.REGION_ADMIN}
# Roles that may book past a slot's capacity, with a recorded reason.
OVERRIDE_ROLES = {Role.OPERATOR, Role.PROVIDER_ADMIN, Role.REGION_ADMIN}


@dataclass(frozen=True)
class Principal:
    id: int
    role: Role
    channel: Channel
    cf: str | None = None
    provider_code: str | None = None


def check_principal_fields(role: Role, cf: str | None, provider: str | None) -> None:
    if role is Role.CITIZEN and not cf:
        raise InvalidInput("cf", "un cittadino ha bisogno del codice fiscale")
    if role in PROVIDER_ROLES and not provider:
        raise InvalidInput("provider", f"il ruolo {role} ha bisogno dell'ente")


def may_see_patient(principal: Principal, patient_cf: str) -> bool:
    if principal.role is Role.CITIZEN:
        return principal.cf == patient_cf
    return True


def may_see_appointment(principal: Principal, patient_cf: str, provider: str) -> bool:
    if principal.role is Role.CITIZEN:
        return principal.cf == patient_cf
    if principal.role in PROVIDER_ROLES:
        return principal.provider_code == provider
    return True


def check_may_book(
    principal: Principal, patient_cf: str, provider: str, channels: list[str]
) -> None:
    """Raises unless the principal may book this patient on this agenda."""
    if principal.role is Role.CITIZEN and principal.cf != patient_cf:
        raise Forbidden("un cittadino prenota solo per sé")
    if principal.role in PROVIDER_ROLES and principal.provider_code != provider:
        raise Forbidden("l'agenda appartiene a un altro ente")
    if principal.role is not Role.REGION_ADMIN and principal.channel not in channels:
        raise Forbidden(f"l'agenda non è prenotabile dal canale {principal.channel}")


def check_may_administer(principal: Principal, provider: str) -> None:
    if principal.role is Role.REGION_ADMIN:
        return
    if principal.role is Role.PROVIDER_ADMIN and principal.provider_code == provider:
        return
    raise Forbidden("solo l'amministrazione dell'ente gestisce le agende")
