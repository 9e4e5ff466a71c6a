"""GET /api/v1/services: the catalogue search people type into."""

import pytest

from tests.e2e import support
from tests.e2e.support import problem
from tests.factories import places


@pytest.fixture(scope="module", autouse=True)
def catalogue(engine):
    with engine.begin() as conn:
        places.ensure_reference(conn)
        support.ensure_catalogue(conn)


def codes(client, headers, q: str, **params) -> list[str]:
    response = client.get("/api/v1/services", params={"q": q, **params},
                          headers=headers)
    assert response.status_code == 200, response.text
    return [s["code"] for s in response.json()["items"]]


class TestSearchServices:
    def test_an_item_carries_code_description_branch_tariff_and_kind(
        self, client, world,
    ):
        response = client.get("/api/v1/services", params={"q": "elettrocardiogramma"},
                              headers=world.auth())

        first = response.json()["items"][0]
        assert first["code"] == places.ECG
        assert first["description"] == "ELETTROCARDIOGRAMMA"
        assert first["branch"] == "Cardiologia"
        assert first["tariff_eur"] == 11.62
        assert first["kind"] == "diagnostic"

    def test_case_does_not_matter(self, client, world):
        assert codes(client, world.auth(), "ECOGRAFIA Addome")[0] == "88.76.1"

    def test_accents_do_not_matter(self, client, world):
        assert codes(client, world.auth(), "elettrocardiogràmma")[0] == places.ECG

    def test_word_order_does_not_matter(self, client, world):
        found = codes(client, world.auth(), "addome completo ecografia")

        assert found[0] == "88.76.1"

    def test_a_small_typo_is_forgiven(self, client, world):
        assert codes(client, world.auth(), "ecogafia addome")[0] == "88.76.1"
        assert codes(client, world.auth(), "elettrocardiogrmma")[0] == places.ECG

    def test_both_cardiology_visits_match_a_plain_query(self, client, world):
        found = codes(client, world.auth(), "visita cardiologica")

        assert {places.CARDIO_VISIT, places.CARDIO_FOLLOW_UP} <= set(found)
        assert "88.76.1" not in found

    def test_a_code_finds_its_service_first(self, client, world):
        assert codes(client, world.auth(), "89.7a.3")[0] == places.CARDIO_VISIT

    def test_limit_caps_the_list(self, client, world):
        assert len(codes(client, world.auth(), "visita", limit=1)) == 1

    def test_nothing_matching_is_an_empty_list(self, client, world):
        assert codes(client, world.auth(), "zzqxjw") == []


class TestSearchServicesRefusals:
    @pytest.mark.parametrize("q", ["", "a", " ! "])
    def test_a_query_without_two_letters_is_refused(self, client, world, q):
        response = client.get("/api/v1/services", params={"q": q},
                              headers=world.auth())

        problem(response, 422, "q")

    def test_a_missing_query_is_refused(self, client, world):
        problem(client.get("/api/v1/services", headers=world.auth()), 422, "q")

    @pytest.mark.parametrize("limit", ["0", "101", "many"])
    def test_a_limit_out_of_range_is_refused(self, client, world, limit):
        response = client.get("/api/v1/services",
                              params={"q": "visita", "limit": limit},
                              headers=world.auth())

        problem(response, 422, "limit")
