"""The catalogue rules: branch, kind, illustrative tariff, preparation, search text.

Worked examples name real rows of the national catalogue (as shipped in
retecup/data); the last tests run every row and every curated agenda offer.
"""

import csv
import io
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retecup.domain.catalogue import (
    ILLUSTRATIVE,
    branch_code,
    derive,
    parse_tariff_eur,
    principal_clause,
    service_kind,
)
from retecup.loader.offers import OFFERS


def _catalogue() -> dict[str, str]:
    text = (resources.files("retecup") / "data" / "prestazioni_catalogo_nazionale.csv"
            ).read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return {row["codice"]: row["descrizione"] for row in rows}


CATALOGUE = _catalogue()


def info(code: str):
    return derive(code, CATALOGUE[code])


@pytest.mark.parametrize(
    ("code", "branch", "kind"),
    [
        ("89.7A.3", "02", "visit"),       # "PRMA VISITA CARDIOLOGICA" (sic)
        ("89.01.3", "02", "visit"),       # cardiology follow-up
        ("89.52", "02", "diagnostic"),    # ECG
        ("88.72.2", "02", "diagnostic"),  # echocardiography is cardiology
        ("88.76.1", "08", "diagnostic"),  # abdominal ultrasound is radiology
        ("88.91.1", "08", "diagnostic"),  # MRI of the brain
        ("87.03", "08", "diagnostic"),    # CT of the head
        ("88.77.4", "05", "diagnostic"),  # leg Doppler: vascular
        ("88.78.2", "20", "diagnostic"),  # gynaecological ultrasound
        ("95.02", "16", "visit"),         # first eye visit
        ("95.13", "16", "diagnostic"),    # eye ultrasound is not radiology
        ("45.23", "10", "diagnostic"),    # colonoscopy
        ("90.27.1", "11", "diagnostic"),  # glucose: laboratory
        ("89.7B.8", "19", "visit"),       # first orthopaedic visit
        ("89.7C.1", "22", "visit"),       # first pneumology visit
        ("94.19.1", "23", "visit"),       # first psychiatric visit
        ("89.01.S", "17", "visit"),       # "MAXILLLO FACCIALE" (sic)
    ],
)
def test_worked_examples(code, branch, kind):
    assert (info(code).branch_code, info(code).kind) == (branch, kind)


def test_qualifiers_do_not_decide_the_branch():
    # "Incluso: Visita anestesiologica ..." is part of a hernia repair.
    hernia = info("53.00.1")
    assert CATALOGUE["53.00.1"].startswith("RIPARAZIONE MONOLATERALE DI ERNIA")
    assert (hernia.branch_code, hernia.kind) == ("03", "other")


def test_generic_visits_have_no_branch():
    assert info("89.7").branch_code is None
    assert info("89.7").kind == "visit"


def test_principal_clause_stops_at_the_first_qualifier():
    assert principal_clause("PRMA VISITA CARDIOLOGICA. Incluso: ECG (89.52)") == (
        "prma visita cardiologica")
    assert principal_clause("RX DEL GINOCCHIO") == "rx del ginocchio"


def test_illustrative_tariffs_are_plausible():
    euros = {code: info(code).tariff_cents / 100 for code in (
        "89.7A.3", "89.01.3", "89.52", "88.74.1", "88.76.1", "87.03", "88.01.6",
        "88.93.4", "88.91.1")}
    assert 20 <= euros["89.7A.3"] <= 25
    assert 20 <= euros["89.01.3"] <= 25
    assert euros["89.52"] == 11
    assert 30 <= euros["88.74.1"] <= 60 and 30 <= euros["88.76.1"] <= 60
    assert 100 <= euros["87.03"] <= 200 and 100 <= euros["88.01.6"] <= 200
    assert 150 <= euros["88.93.4"] <= 250 and 150 <= euros["88.91.1"] <= 250
    assert info("89.7A.3").tariff_source == ILLUSTRATIVE


def test_preparations_in_italian_marked_illustrative():
    assert "Digiuno" in info("88.74.1").preparation
    assert "vescica piena" in info("88.75.1").preparation
    assert "scorie" in info("45.23").preparation
    assert "referti" in info("89.7A.3").preparation
    assert "metallici" in info("88.91.1").preparation
    assert info("89.52").preparation is None
    assert info("88.75.1").preparation.endswith(
        "(Indicazioni illustrative: verificare con la struttura.)")


def test_search_text_keeps_the_code_and_folds_the_description():
    assert info("89.7A.3").search_text == "89.7a.3 prma visita cardiologica"


def test_search_text_spells_out_the_imaging_short_forms():
    assert "risonanza magnetica" in info("88.92.9").search_text
    assert "tomografia" in info("88.39.4").search_text
    assert info("89.7A.3").duplicate_group == "89.7A.3"


@pytest.mark.parametrize(("text", "cents"), [
    ("22,50", 2250), ("22.50", 2250), ("22.5", 2250), ("1.234,50", 123450),
    (" 11 ", 1100), ("€ 7,3", 730),
])
def test_parse_tariff_eur(text, cents):
    assert parse_tariff_eur(text) == cents


@pytest.mark.parametrize("text", ["", "undici", "-3,00"])
def test_parse_tariff_eur_refuses_nonsense(text):
    with pytest.raises(ValueError):
        parse_tariff_eur(text)


@given(st.sampled_from(sorted(CATALOGUE)), st.text(max_size=60))
def test_text_after_a_qualifier_never_changes_branch_or_kind(code, tail):
    # For any row and any text appended after "Incluso:", the derived branch
    # and kind are those of the row's own principal clause.
    head = principal_clause(CATALOGUE[code]).upper()
    extended = f"{head}. Incluso: {tail}"
    assert branch_code(code, extended) == branch_code(code, head)
    assert service_kind(code, extended) == service_kind(code, head)


def test_every_row_derives_valid_attributes():
    branches = {f"{n:02d}" for n in range(1, 27)}
    for code, description in CATALOGUE.items():
        derived = derive(code, description)
        assert derived.kind in {"visit", "diagnostic", "other"}
        assert derived.branch_code is None or derived.branch_code in branches
        assert 0 < derived.tariff_cents <= 100_000
        assert derived.search_text.startswith(code.lower())
    assert len(CATALOGUE) == 2108


def test_every_curated_offer_is_real_and_of_its_branch():
    imaging = ("TC ", "RM ", "ANGIO TC", "ANGIO RM", "ANGIO- RM")  # not OCT
    for offer in OFFERS:
        for code in offer.codes:
            assert code in CATALOGUE, code
            assert info(code).branch_code == offer.branch, (offer.label, code)
        if not offer.hospital_only:
            assert not any(CATALOGUE[c].startswith(imaging) for c in offer.codes)
    cardiology = next(o for o in OFFERS if o.label == "Ambulatorio di cardiologia")
    assert set(cardiology.codes) == {"89.7A.3", "89.01.3", "89.52"}
