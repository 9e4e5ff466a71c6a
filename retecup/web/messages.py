"""Domain errors as sentences a citizen or an operator can act on.

The services speak to the API (`field: detail`); the pages say what happened
and what to do next. An error class without a sentence here still reads
sensibly, through its title and detail, and never as a stack trace.
"""

from retecup.domain.errors import (
    Forbidden,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    OverlappingAppointment,
    PrescriptionAlreadyUsed,
    RetecupError,
    SlotClosed,
    SlotTaken,
    StateForbids,
    Unauthenticated,
)

_FIELDS = {
    "cf": "Il codice fiscale non è valido: controlli le 16 lettere e cifre.",
    "patient_cf": "Il codice fiscale non è valido: controlli le 16 lettere e cifre.",
    "prescription.nre": (
        "Il numero di ricetta elettronica (NRE) non è valido: sono 15 caratteri, "
        "le prime tre cifre sono il codice della regione (030 per la Lombardia)."),
    "prescription.priority": "Indichi la classe di priorità scritta sulla ricetta.",
    "prescription.prescribed_on": "Indichi la data della ricetta (non nel futuro).",
    "birth_date": "La data di nascita non corrisponde al codice fiscale.",
    "comune": "Il comune di residenza non è stato riconosciuto.",
    "phone": "Il numero di telefono non è valido.",
    "email": "L'indirizzo e-mail non è valido.",
    "given_name": "Il nome è obbligatorio.",
    "family_name": "Il cognome è obbligatorio.",
    "q": "Scriva almeno due lettere del nome della prestazione.",
    "service": "La prestazione non è disponibile su questa agenda.",
    "first_day": "Le date della chiusura non sono valide.",
    "last_day": "L'ultimo giorno della chiusura precede il primo.",
    "reason": "Indichi il motivo.",
    "valid_to": "La fine della validità precede l'inizio.",
    "to": "L'intervallo di date non è valido.",
}


def explain(error: RetecupError) -> str:
    """One or two sentences in Italian for the person in front of the page."""
    detail = _after_field(error.detail)
    if isinstance(error, SlotTaken):
        return ("Il posto scelto non è più disponibile: è appena stato prenotato "
                "da qualcun altro, o la riserva temporanea è scaduta. "
                "Scelga un altro orario.")
    if isinstance(error, SlotClosed):
        return f"Questo orario non è più prenotabile ({detail}). Ne scelga un altro."
    if isinstance(error, OverlappingAppointment):
        return (f"Nello stesso orario c'è già un altro appuntamento ({detail}). "
                "Scelga un altro orario oppure disdica prima l'altro appuntamento.")
    if isinstance(error, PrescriptionAlreadyUsed):
        return ("Questa ricetta è già stata usata per prenotare questa "
                "prestazione. Per cambiare data, sposti l'appuntamento esistente.")
    if isinstance(error, StateForbids):
        return f"Operazione non possibile: {detail}."
    if isinstance(error, IdempotencyKeyReused):
        return "La richiesta è già stata inviata: ricarichi la pagina."
    return _generic(error, detail)


def _generic(error: RetecupError, detail: str) -> str:
    if isinstance(error, InvalidInput):
        return _FIELDS.get(error.field, f"Dati non validi: {detail}.")
    if isinstance(error, Forbidden):
        return f"Operazione non consentita: {detail}."
    if isinstance(error, NotFound):
        return f"Non trovato: {detail}."
    if isinstance(error, Unauthenticated):
        return "Occorre accedere di nuovo."
    return f"{error.title}: {detail}."


def _after_field(detail: str) -> str:
    # "slot_id: il posto è ..." -> "il posto è ..."; details without a field
    # prefix are kept whole.
    head, sep, tail = detail.partition(": ")
    if sep and " " not in head:
        return tail
    return detail
