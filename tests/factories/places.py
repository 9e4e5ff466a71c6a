"""Agencies, comuni, providers, sites and services: the few rows tests need.

The values are real (ISTAT codes, ministerial codes, catalogue codes) so that
tests read like the region; a test loads them once with `ensure_reference`.
"""

from sqlalchemy import Connection, text

ATS_MILANO = "030321"
ASST_NIGUARDA = "030701"
ATS_BRIANZA = "030324"
ASST_BRIANZA = "030717"
MILANO = "015146"
MONZA = "108033"
CARDIO_VISIT = "89.7A.3"
CARDIO_FOLLOW_UP = "89.01.3"
ECG = "89.52"

_ROWS = [
    ("""INSERT INTO health_agency (code, name, kind, active) VALUES
        ('030321', 'ATS DELLA CITTA'' METROPOLITANA DI MILANO', 'ATS', true),
        ('030324', 'ATS DELLA BRIANZA', 'ATS', true)""", {}),
    ("""INSERT INTO health_agency (code, name, kind, active, ats_code) VALUES
        ('030701', 'ASST GRANDE OSPEDALE METROPOLITANO NIGUARDA', 'ASST', true,
         '030321'),
        ('030717', 'ASST DELLA BRIANZA', 'ASST', true, '030324')""", {}),
    ("""INSERT INTO comune (istat, name, province, belfiore, is_capital, lat, lon,
        population, ats_code) VALUES
        ('015146', 'Milano', 'MI', 'F205', true, 45.4642, 9.19, 1354196, '030321'),
        ('108033', 'Monza', 'MB', 'F704', true, 45.5845, 9.2744, 122955, '030324'),
        ('015077', 'Cinisello Balsamo', 'MI', 'C707', false, 45.5557, 9.2146,
         74522, '030321')""", {}),
    ("""INSERT INTO provider (code, name, kind, ats_code, source) VALUES
        ('030701', 'ASST GRANDE OSPEDALE METROPOLITANO NIGUARDA', 'ASST',
         '030321', 'test'),
        ('030717', 'ASST DELLA BRIANZA', 'ASST', '030324', 'test')""", {}),
    ("""INSERT INTO branch (code, name) VALUES ('02', 'Cardiologia')""", {}),
    ("""INSERT INTO service (code, description, branch_code, kind, tariff_cents,
        tariff_source, duplicate_group, search_text) VALUES
        ('89.7A.3', 'PRMA VISITA CARDIOLOGICA', '02', 'visit', 2250,
         'illustrative', '89.7A.3', '89 7a 3 prma visita cardiologica'),
        ('89.01.3', 'VISITA CARDIOLOGICA DI CONTROLLO', '02', 'visit', 1800,
         'illustrative', '89.01.3', '89 01 3 visita cardiologica di controllo'),
        ('89.52', 'ELETTROCARDIOGRAMMA', '02', 'diagnostic', 1162,
         'illustrative', '89.52', '89 52 elettrocardiogramma')""", {}),
]


def ensure_reference(conn: Connection) -> None:
    for sql, params in _ROWS:
        conn.execute(text(sql + " ON CONFLICT DO NOTHING"), params)


def site(conn: Connection, provider: str = ASST_NIGUARDA, comune: str = MILANO,
         name: str = "Ospedale di prova") -> int:
    found = conn.execute(
        text("SELECT id FROM site WHERE provider_code = :p AND name = :n"),
        {"p": provider, "n": name},
    ).scalar()
    if found:
        return found
    lat, lon = conn.execute(text("SELECT lat, lon FROM comune WHERE istat = :c"),
                            {"c": comune}).one()
    return conn.execute(
        text("""INSERT INTO site (provider_code, name, address, comune_istat, lat,
                lon, source) VALUES (:p, :n, 'Via di Prova 1', :c, :lat, :lon,
                'test') RETURNING id"""),
        {"p": provider, "n": name, "c": comune, "lat": lat, "lon": lon},
    ).scalar_one()
