"""Identifiers the network receives or issues: codice fiscale, NRE, codes."""

import re
import secrets
from datetime import date

from codicefiscale import codicefiscale

from retecup.domain.errors import InvalidInput

# Electronic prescription numbers (NRE) are 15 characters: the region's
# three-digit code, then twelve letters or digits. Lombardy is 030.
_NRE = re.compile(r"^[0-9]{3}[0-9A-Z]{12}$")
_ISTAT = re.compile(r"^[0-9]{6}$")
# No 0/O, 1/I/L: the appointment code is read aloud over the phone.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def codice_fiscale(value: str, field: str = "cf") -> str:
    cf = (value or "").strip().upper()
    if len(cf) != 16 or not codicefiscale.is_valid(cf):
        raise InvalidInput(field, "codice fiscale non valido")
    return cf


def nre(value: str, field: str = "prescription.nre") -> str:
    number = (value or "").strip().upper()
    if not _NRE.match(number):
        raise InvalidInput(field, "numero di ricetta elettronica (NRE) non valido")
    return number


def istat_code(value: str, field: str = "comune") -> str:
    if not _ISTAT.match(value or ""):
        raise InvalidInput(field, "codice ISTAT del comune non valido (6 cifre)")
    return value


def birth_date_matches(cf: str, birth_date: date) -> bool:
    # The CF carries the year in two digits; the library guesses the century
    # (1926 reads as 2026), so compare day, month and the last two digits.
    decoded = codicefiscale.decode(cf)["birthdate"].date()
    return (decoded.day, decoded.month, decoded.year % 100) == (
        birth_date.day, birth_date.month, birth_date.year % 100)


def appointment_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
