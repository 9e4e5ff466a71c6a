"""The printable booking confirmation (promemoria), as a one-page PDF.

The QR code holds the appointment code alone: the check-in desk reads it and
looks the appointment up, so the code on paper tells nothing about the person.
"""

import io

import segno
from fpdf import FPDF

from retecup.web.render import STATUS, euro, long_datetime, short_date

# The built-in PDF fonts speak Latin-1: enough for Italian, not for the euro
# sign, so amounts are written with "euro" in words.
MARGIN = 18


def promemoria(ap: dict, patient: dict | None, service: dict) -> bytes:
    doc = FPDF(format="A4")
    doc.set_title(f"Promemoria appuntamento {ap['code']}")
    doc.set_author("retecup")
    doc.set_margins(MARGIN, MARGIN, MARGIN)
    doc.add_page()

    _header(doc, ap)
    _qr(doc, ap["code"])
    _rows(doc, _facts(ap, patient, service))
    _preparation(doc, service)
    _footer(doc)
    return bytes(doc.output())


def _header(doc: FPDF, ap: dict) -> None:
    doc.set_font("Helvetica", "B", 18)
    doc.cell(0, 10, "Promemoria di prenotazione", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 11)
    doc.cell(0, 7, "Rete regionale di prenotazione - Regione Lombardia",
             new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    doc.set_font("Helvetica", "B", 14)
    doc.cell(0, 9, f"Codice appuntamento: {ap['code']}", new_x="LMARGIN",
             new_y="NEXT")
    doc.set_font("Helvetica", "", 11)
    doc.cell(0, 7, f"Stato: {STATUS.get(ap['status'], ap['status'])}",
             new_x="LMARGIN", new_y="NEXT")


def _qr(doc: FPDF, code: str) -> None:
    image = io.BytesIO()
    segno.make(code, error="m").save(image, kind="png", scale=6, border=2)
    image.seek(0)
    doc.image(image, x=doc.w - MARGIN - 40, y=MARGIN, w=40, h=40,
              alt_text=f"Codice QR dell'appuntamento {code}")


def _facts(ap: dict, patient: dict | None, service: dict) -> list[tuple[str, str]]:
    name = f"{patient['given_name']} {patient['family_name']}" if patient else ""
    place = f"{ap['site_address']}, {ap.get('site_comune_name', '')}".strip(", ")
    tariff = euro(service["tariff_cents"]).replace(" €", " euro")
    facts = [
        ("Assistito", f"{name} - {ap['patient_cf']}".strip(" -")),
        ("Prestazione", f"{ap['service_description']} ({ap['service_code']})"),
        ("Data e ora", long_datetime(ap["starts_at"])),
        ("Ente", ap["provider_name"]),
        ("Sede", ap["site_name"]),
        ("Indirizzo", place),
        ("Tariffa", f"{tariff} ({_tariff_note(service)})"),
    ]
    if ap.get("nre"):
        facts.append(("Ricetta (NRE)", f"{ap['nre']} - priorità {ap['priority']}, "
                                       f"del {short_date(ap['prescribed_on'])}"))
    facts.append(("Prenotato il", long_datetime(ap["booked_at"])))
    return facts


def _tariff_note(service: dict) -> str:
    if service.get("tariff_source") == "region":
        return "tariffa regionale, non è il ticket"
    return "tariffa illustrativa, non è il ticket"


def _rows(doc: FPDF, facts: list[tuple[str, str]]) -> None:
    doc.set_y(max(doc.get_y() + 6, MARGIN + 46))
    for label, value in facts:
        doc.set_font("Helvetica", "B", 11)
        doc.cell(42, 7, label)
        doc.set_font("Helvetica", "", 11)
        doc.multi_cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")


def _preparation(doc: FPDF, service: dict) -> None:
    doc.ln(4)
    doc.set_font("Helvetica", "B", 12)
    doc.cell(0, 8, "Come prepararsi", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 11)
    text = service.get("preparation") or (
        "Nessuna preparazione particolare. Porti con sé la ricetta, la tessera "
        "sanitaria e gli esami precedenti.")
    doc.multi_cell(0, 6, _latin1(text), align="L", new_x="LMARGIN",
                   new_y="NEXT")


def _footer(doc: FPDF) -> None:
    doc.ln(6)
    doc.set_font("Helvetica", "I", 10)
    doc.multi_cell(
        0, 5,
        "Se non può presentarsi, disdica l'appuntamento almeno tre giorni prima "
        "dal sito, in farmacia o al Contact Center: il posto tornerà libero per "
        "altri. Si presenti 15 minuti prima con questo promemoria.",
        align="L", new_x="LMARGIN", new_y="NEXT")


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")
