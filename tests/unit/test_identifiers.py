"""Codice fiscale, NRE, ISTAT codes, appointment codes."""

from datetime import date

import pytest
from codicefiscale import codicefiscale

from retecup.domain import identifiers
from retecup.domain.errors import InvalidInput

MARIO = codicefiscale.encode(lastname="Rossi", firstname="Mario", gender="M",
                             birthdate="01/01/1980", birthplace="F205")
MARIA = codicefiscale.encode(lastname="Bianchi", firstname="Maria", gender="F",
                             birthdate="29/02/1984", birthplace="F704")
# Omocodia: when two people share a code, digits are swapped for letters.
MARIO_OMOCODE = next(c for c in codicefiscale.decode(MARIO)["omocodes"]
                     if c != MARIO)


def refused(check, value, field) -> InvalidInput:
    with pytest.raises(InvalidInput) as error:
        check(value)
    assert error.value.field == field
    assert error.value.detail.startswith(f"{field}: ")
    return error.value


class TestCodiceFiscale:
    @pytest.mark.parametrize("cf", [MARIO, MARIA, MARIO_OMOCODE])
    def test_a_valid_code_is_accepted_as_is(self, cf):
        assert identifiers.codice_fiscale(cf) == cf

    def test_an_omocode_variant_is_a_different_valid_code(self):
        assert MARIO_OMOCODE != MARIO
        assert codicefiscale.is_omocode(MARIO_OMOCODE)

    def test_case_and_surrounding_spaces_are_forgiven(self):
        assert identifiers.codice_fiscale(f"  {MARIO.lower()} ") == MARIO

    @pytest.mark.parametrize("cf", [
        MARIO[:-1] + ("A" if MARIO[-1] != "A" else "B"),  # wrong check letter
        MARIO[:15],
        MARIO + "X",
        "RSSMRA80A41F205",
        "0" * 16,
        "",
        None,
    ])
    def test_a_malformed_code_is_refused_naming_the_field(self, cf):
        refused(identifiers.codice_fiscale, cf, "cf")

    def test_the_refusal_names_the_field_it_was_given(self):
        with pytest.raises(InvalidInput) as error:
            identifiers.codice_fiscale("nope", field="patient_cf")

        assert error.value.field == "patient_cf"

    def test_the_birth_date_is_read_from_the_code(self):
        assert identifiers.birth_date_matches(MARIO, date(1980, 1, 1))
        assert identifiers.birth_date_matches(MARIA, date(1984, 2, 29))
        assert not identifiers.birth_date_matches(MARIO, date(1980, 1, 2))

    def test_the_birth_date_is_read_from_an_omocode_too(self):
        assert identifiers.birth_date_matches(MARIO_OMOCODE, date(1980, 1, 1))


class TestNre:
    @pytest.mark.parametrize("nre", ["030A12345678901", "030123456789012",
                                     "190ABCDEFGHIJKL"])
    def test_three_digits_then_twelve_letters_or_digits(self, nre):
        assert identifiers.nre(nre) == nre

    def test_case_and_spaces_are_forgiven(self):
        assert identifiers.nre(" 030a12345678901 ") == "030A12345678901"

    @pytest.mark.parametrize("nre", ["030A1234567890", "030A123456789012",
                                     "A30A12345678901", "030A1234567890-",
                                     "", None])
    def test_anything_else_is_refused_naming_the_field(self, nre):
        refused(identifiers.nre, nre, "prescription.nre")


class TestIstatCode:
    def test_six_digits_are_a_comune_code(self):
        assert identifiers.istat_code("015146") == "015146"

    @pytest.mark.parametrize("code", ["15146", "0151460", "01514A", " 015146",
                                      "", None])
    def test_anything_else_is_refused_naming_the_field(self, code):
        refused(identifiers.istat_code, code, "comune")


class TestAppointmentCode:
    def test_eight_characters_that_cannot_be_misread_aloud(self):
        codes = {identifiers.appointment_code() for _ in range(200)}

        assert len(codes) == 200
        assert all(len(c) == 8 for c in codes)
        assert not set("".join(codes)) & set("01OIL")
