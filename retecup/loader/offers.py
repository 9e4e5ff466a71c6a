"""Curated, commonly booked services per kind of outpatient agenda.

Every code is a real row of the national catalogue; the grouping into agendas,
the durations and the weights are generated-data choices, plausible but not
taken from any provider. An agenda serves one branch and offers a few services
of it: a cardiology clinic offers first visit, follow-up and ECG, never MRI;
CT, MRI, endoscopy and other hospital equipment only at hospital sites.
"""

from dataclasses import dataclass

FIRST_CHANNELS = ("web", "app", "pharmacy", "contact_center", "front_office", "gp")
FOLLOW_UP_CHANNELS = ("specialist", "front_office")
CARE_PLAN_CHANNELS = ("care_manager", "front_office")

Service = tuple[str, int]  # catalogue code, minutes


@dataclass(frozen=True)
class Offer:
    label: str                 # agenda name stem shown to users (Italian)
    branch: str
    first: tuple[Service, ...]
    follow_up: tuple[Service, ...] = ()
    weight: int = 10
    hospital_only: bool = False
    capacity: int = 1
    private_practice: bool = False   # also run as 'alpi' agendas
    care_plan: bool = False          # chronic-care pathways book it

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.first + self.follow_up)


OFFERS: tuple[Offer, ...] = (
    Offer("Ambulatorio di cardiologia", "02", (("89.7A.3", 30), ("89.52", 15)),
          (("89.01.3", 20), ("89.52", 15)), 60, private_practice=True,
          care_plan=True),
    Offer("Ecocardiografia", "02", (("88.72.2", 30),), weight=25),
    Offer("Holter e monitoraggio pressorio", "02", (("89.50", 20), ("89.61.1", 20)),
          weight=12),
    Offer("Test da sforzo", "02", (("89.41", 45),), weight=6, hospital_only=True),
    Offer("Ambulatorio oculistico", "16", (("95.02", 30),), (("89.01.D", 20),), 60,
          private_practice=True),
    Offer("Diagnostica oculistica", "16", (("95.03.3", 20), ("95.05", 20)),
          weight=15),
    Offer("Ambulatorio dermatologico", "06", (("89.7A.7", 20), ("89.39.6", 20)),
          (("89.01.7", 15),), 45, private_practice=True),
    Offer("Ambulatorio ortopedico", "19", (("89.7B.8", 20),), (("89.01.G", 15),), 45,
          private_practice=True),
    Offer("Ambulatorio otorinolaringoiatrico", "21",
          (("89.7B.9", 20), ("95.41.1", 30), ("95.42", 20)), (("89.01.H", 15),), 35,
          private_practice=True),
    Offer("Ambulatorio ginecologico", "20", (("89.26.1", 30), ("88.78.2", 20)),
          (("89.26.2", 20),), 35, private_practice=True),
    Offer("Ambulatorio ostetrico", "20", (("89.26.3", 30), ("88.78", 30)),
          (("89.26.4", 20),), 12, hospital_only=True),
    Offer("Ambulatorio neurologico", "15", (("89.13", 30),), (("89.01.C", 20),), 30,
          private_practice=True, care_plan=True),
    Offer("Neurofisiologia", "15", (("89.14", 40), ("89.15.4", 40)), weight=8,
          hospital_only=True),
    Offer("Ambulatorio gastroenterologico", "10", (("89.7A.9", 30),),
          (("89.01.9", 20),), 20, private_practice=True),
    Offer("Endoscopia digestiva", "10", (("45.13", 30), ("45.23", 45)), weight=15,
          hospital_only=True),
    Offer("Ambulatorio endocrinologico", "09", (("89.7A.8", 30),),
          (("89.01.8", 20),), 30, private_practice=True, care_plan=True),
    Offer("Ambulatorio pneumologico", "22", (("89.7C.1", 30), ("89.37.1", 20)),
          (("89.01.L", 20), ("89.37.1", 20)), 25, care_plan=True),
    Offer("Ambulatorio urologico", "25", (("89.7C.3", 20), ("89.24", 20)),
          (("89.01.Q", 15),), 25, private_practice=True),
    Offer("Ambulatorio di angiologia", "05",
          (("89.7A.2", 30), ("88.73.5", 30), ("88.77.4", 30)), (("89.01.2", 20),), 20),
    Offer("Ambulatorio di chirurgia generale", "03", (("89.7A.4", 20),),
          (("89.01.4", 15),), 20),
    Offer("Ambulatorio di medicina fisica e riabilitazione", "12",
          (("89.7B.3", 30),), (("89.01.W", 20),), 20),
    Offer("Ambulatorio oncologico", "18", (("89.7B.7", 40),), (("89.01.F", 20),), 10,
          hospital_only=True),
    Offer("Ambulatorio nefrologico", "13", (("89.7B.5", 30),), (("89.01.B", 20),), 8,
          hospital_only=True, care_plan=True),
    Offer("Ambulatorio odontoiatrico", "17", (("89.7B.6", 30),), (("89.01.E", 20),),
          8),
    Offer("Terapia del dolore", "01", (("89.7A.1", 30),), (("89.01.1", 20),), 5,
          hospital_only=True),
    Offer("Ambulatorio psichiatrico", "23", (("94.19.1", 45),), (("94.12.1", 30),), 5),
    Offer("Ecografia", "08", (("88.74.1", 20), ("88.76.1", 30), ("88.75.1", 20),
                              ("88.71.4", 20), ("88.73.1", 20)), weight=70),
    Offer("Radiologia tradizionale", "08", (("87.44.1", 10), ("88.27.2", 10),
                                            ("87.24", 15)), weight=25),
    Offer("Mammografia", "08", (("87.37.1", 15),), weight=15),
    Offer("Densitometria ossea", "08", (("88.99.6", 15), ("88.99.7", 15)), weight=8),
    Offer("Tomografia computerizzata (TC)", "08",
          (("87.03", 15), ("87.41", 15), ("88.01.6", 30)), weight=20,
          hospital_only=True),
    Offer("Risonanza magnetica (RM)", "08",
          (("88.91.1", 30), ("88.93.4", 30), ("88.94.D", 30)), weight=20,
          hospital_only=True),
    Offer("Punto prelievi", "11", (("91.49.2", 10),), weight=15, capacity=3),
)
