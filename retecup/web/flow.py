"""What a booking carries from page to page, and where each area's pages are.

The citizen's and the operator's booking pages are the same pages: `Paths`
says under which URLs they live and which layout frames them.
"""

from dataclasses import asdict, dataclass
from datetime import date
from urllib.parse import urlencode

from retecup.domain import identifiers
from retecup.domain.errors import InvalidInput
from retecup.domain.priority import Priority
from retecup.services.booking import Prescription


@dataclass(frozen=True)
class Paths:
    book: str
    appointments: str
    layout: str  # "citizen" or "operator"

    @property
    def base(self) -> str:
        return "layout_operator.html" if self.layout == "operator" else "base.html"


CITIZEN = Paths(book="/prenota", appointments="/appuntamenti", layout="citizen")


def operator_paths(cf: str) -> Paths:
    return Paths(book=f"/operatore/assistiti/{cf}/prenota",
                 appointments="/operatore/appuntamenti", layout="operator")


@dataclass(frozen=True)
class Order:
    """The service asked for and, when there is one, the prescription."""

    service: str = ""
    nre: str = ""
    priority: str = ""
    prescribed_on: str = ""

    @classmethod
    def of(cls, service=None, nre=None, priority=None, prescribed_on=None):
        return cls((service or "").strip().upper(), (nre or "").strip().upper(),
                   (priority or "").strip().upper(), (prescribed_on or "").strip())

    def query(self, **extra) -> str:
        fields = {k: v for k, v in {**asdict(self), **extra}.items() if v}
        return urlencode(fields)

    def prescription(self) -> Prescription | None:
        """The prescription, validated; None when no NRE was given."""
        if not self.nre:
            return None
        nre = identifiers.nre(self.nre)
        if self.priority not in set(Priority):
            raise InvalidInput("prescription.priority",
                               "indichi la classe di priorità scritta sulla ricetta")
        try:
            prescribed_on = date.fromisoformat(self.prescribed_on)
        except ValueError:
            prescribed_on = None
        if prescribed_on is None or prescribed_on > date.today():
            raise InvalidInput("prescription.prescribed_on",
                               "indichi la data della ricetta")
        return Prescription(nre, Priority(self.priority), prescribed_on)
