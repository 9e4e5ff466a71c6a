"""The errors of the booking rules, translated once, at the edge, into problems.

    RetecupError
    ├── InvalidInput            422  a field is malformed or out of range
    ├── Unauthenticated         401  no token, or a token we do not know
    ├── Forbidden               403  the principal may not do this
    ├── NotFound                404  no such record (or not visible to the caller)
    └── Conflict                409  the state of things forbids it
        ├── SlotTaken               the slot is full (or the hold is gone)
        ├── SlotClosed              a closure, a template change or the past
        ├── OverlappingAppointment  the patient is booked elsewhere then
        ├── PrescriptionAlreadyUsed the NRE already books this service
        ├── StateForbids            e.g. moving a cancelled appointment
        └── IdempotencyKeyReused    same key, different request
"""


class RetecupError(Exception):
    status = 500
    title = "Errore interno"
    slug = "internal"

    def __init__(self, detail: str, **data):
        super().__init__(detail)
        self.detail = detail
        self.data = data


class InvalidInput(RetecupError):
    status = 422
    title = "Dati non validi"
    slug = "invalid-input"

    def __init__(self, field: str, detail: str):
        super().__init__(f"{field}: {detail}", field=field)
        self.field = field


class Unauthenticated(RetecupError):
    status = 401
    title = "Autenticazione richiesta"
    slug = "unauthenticated"


class Forbidden(RetecupError):
    status = 403
    title = "Operazione non consentita"
    slug = "forbidden"


class NotFound(RetecupError):
    status = 404
    title = "Non trovato"
    slug = "not-found"


class Conflict(RetecupError):
    status = 409
    title = "Conflitto"
    slug = "conflict"


class SlotTaken(Conflict):
    title = "Posto non più disponibile"
    slug = "slot-taken"


class SlotClosed(Conflict):
    title = "Posto non prenotabile"
    slug = "slot-closed"


class OverlappingAppointment(Conflict):
    title = "Appuntamento sovrapposto"
    slug = "overlapping-appointment"


class PrescriptionAlreadyUsed(Conflict):
    title = "Ricetta già utilizzata"
    slug = "prescription-already-used"


class StateForbids(Conflict):
    title = "Stato dell'appuntamento incompatibile"
    slug = "state-forbids"


class IdempotencyKeyReused(Conflict):
    title = "Chiave di idempotenza già usata"
    slug = "idempotency-key-reused"
