"""Health, authentication on every endpoint, and the published contract."""

import pytest

from retecup.api.app import create_app
from tests.e2e.support import TestClient, problem, snapshot

PROTECTED = [
    ("GET", "/api/v1/services?q=visita", None),
    ("GET", "/api/v1/availability?service=89.52", None),
    ("POST", "/api/v1/patients", {"cf": "X"}),
    ("GET", "/api/v1/patients/RSSMRA80A01F205X/appointments", None),
    ("POST", "/api/v1/appointments", {"patient_cf": "X", "slot_id": 1,
                                      "service": "89.52"}),
    ("GET", "/api/v1/appointments/1", None),
    ("GET", "/api/v1/appointments/1/history", None),
    ("POST", "/api/v1/appointments/1/move", {"slot_id": 2}),
    ("POST", "/api/v1/appointments/1/cancel", {}),
    ("POST", "/api/v1/holds", {"slot_id": 1}),
    ("GET", "/api/v1/agendas", None),
    ("GET", "/api/v1/agendas/1", None),
    ("POST", "/api/v1/agendas/1/closures", {}),
    ("POST", "/api/v1/agendas/1/templates", {}),
    ("POST", "/api/v1/agendas/1/suspend", None),
    ("GET", "/api/v1/agendas/1/affected", None),
]
BAD_CREDENTIALS = [
    {},
    {"Authorization": "Bearer not-a-token-we-issued"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic dXNlcjpwYXNz"},
]


class TestHealth:
    def test_health_answers_ok_without_a_token(self, client):
        response = client.get("/api/v1/health")

        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"status": "ok"}


class TestAuthentication:
    @pytest.mark.parametrize("method, path, body", PROTECTED)
    @pytest.mark.parametrize("headers", BAD_CREDENTIALS,
                             ids=["none", "unknown", "empty", "basic"])
    def test_every_other_endpoint_refuses_a_missing_or_bad_token(
        self, client, engine, method, path, body, headers,
    ):
        before = snapshot(engine)

        response = client.request(method, path, json=body, headers=headers)

        problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
        assert snapshot(engine) == before

    def test_a_token_is_checked_before_the_body(self, client):
        response = client.post("/api/v1/appointments", json={"nonsense": True})

        problem(response, 401)


class TestUnknownRoutes:
    def test_an_unknown_path_is_a_problem_not_an_html_page(self, client, world):
        response = client.get("/api/v1/nowhere", headers=world.auth())

        problem(response, 404)

    def test_a_wrong_method_is_a_problem(self, client, world):
        response = client.delete("/api/v1/health", headers=world.auth())

        problem(response, 405)


class TestServerErrors:
    def test_an_unexpected_error_is_a_problem_that_reveals_nothing(self, engine):
        app = create_app(engine)

        @app.get("/api/v1/boom")
        def boom():
            raise RuntimeError('SELECT secret FROM x; File "/srv/app.py", line 1')

        response = TestClient(app, raise_server_exceptions=False).get(
            "/api/v1/boom")

        problem(response, 500)
        assert "secret" not in response.text


class TestOpenApi:
    def test_the_published_document_describes_every_contract_endpoint(self, client):
        paths = client.get("/openapi.json").json()["paths"]

        assert {
            "/api/v1/health": {"get"},
            "/api/v1/services": {"get"},
            "/api/v1/availability": {"get"},
            "/api/v1/patients": {"post"},
            "/api/v1/patients/{cf}/appointments": {"get"},
            "/api/v1/appointments": {"post"},
            "/api/v1/appointments/{appointment_id}": {"get"},
            "/api/v1/appointments/{appointment_id}/move": {"post"},
            "/api/v1/appointments/{appointment_id}/cancel": {"post"},
            "/api/v1/holds": {"post"},
        }.items() <= {p: set(ops) for p, ops in paths.items()}.items()

    def test_the_document_declares_the_bearer_scheme(self, client):
        schemes = client.get("/openapi.json").json()["components"][
            "securitySchemes"]

        assert any(s.get("scheme", "").lower() == "bearer" for s in schemes.values())
