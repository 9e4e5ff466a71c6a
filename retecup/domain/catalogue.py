"""The outpatient catalogue: what a service's code and description imply.

The national catalogue gives only codes and descriptions (data/SOURCES.md): no
branch, no tariff, no preparation. Everything derived from the text lives here,
in one place, so that the loader, the search and the tests agree. Rules read
the *principal clause* of a description, the text before its qualifiers
("Incluso: ...", "Non associabile a ..."), because a surgical row that says
"Incluso: visita anestesiologica" is not an anaesthesia visit.

Tariffs and preparation notes made here are illustrative: no public tariff
list was reachable, and preparations vary by provider.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from retecup.domain.text import fold

ILLUSTRATIVE = "illustrative"
REGION = "region"

_QUALIFIER = re.compile(
    r"\b(incluso|inclusa|inclusi|incluse|escluso|esclusa|esclusi|escluse"
    r"|non associabile|non ripetibile|erogabile)\b"
)


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    description: str
    branch_code: str | None
    kind: str
    tariff_cents: int
    tariff_source: str
    duplicate_group: str
    search_text: str
    preparation: str | None


def principal_clause(description: str) -> str:
    """The folded description up to its first qualifier."""
    folded = fold(description)
    match = _QUALIFIER.search(folded)
    head = folded[: match.start()] if match else folded
    return head.strip() or folded


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# Branch rules, first match wins. Order matters: instruments and modalities
# before specialty adjectives (an echo of the heart is cardiology, an angio-CT
# of the legs is radiology), specific surgery before general surgery.
_BRANCH_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("06", _rx(r"epicutane|patch test|prick|tolleranza|siero autologo"
               r"|desensibilizzazione|immunoterapia specifica")),
    ("09", _rx(r"glicemi")),
    ("11", _rx(r"prelievo di sangue|genetic|aferesi|trasfusione|salasso"
               r"|fattori della coagulazione|immunoglobuline")),
    ("07", _rx(r"scintigrafi|tomoscintigrafi|emissione di positroni|\bpet\b|\bspet\b"
               r"|medicina nucleare|iodio 131")),
    ("24", _rx(r"radioterapi|teleterapia|adroterapia|irradiazione|brachiterapia"
               r"|volume bersaglio|sistema di immobilizzazione|dosimetri")),
    ("08", _rx(r"^(angio |cine |colangio |artro |clisma )?(tc|rm|rx)\b|radiografia"
               r"|mammografia|ortopanoramica|densitometria|urografia|clisma"
               r"|cistouretrografia|pielografia|flebografia|cavografia|arteriografia"
               r"|aortografia|defecografia|isterosalpingografia|galattografia"
               r"|dacriocistografia|faringografia|fistolografia|stratigrafia"
               r"|artrografia|eta ossea|radiolog|colangiografia|studio seriato"
               r"|ansogramma|sotto stress")),
    ("02", _rx(r"cardiolog|elettrocardiogra|\becg\b|holter|dopplergrafia cardiaca"
               r"|cardiovascolar|da sforzo|aritmi|pace maker|defibrillatore"
               r"|pressione arteriosa|loop recorder|tilt test")),
    ("05", _rx(r"angiolog|chirurgica vascolare|chirurgia vascolare"
               r"|(ecocolordoppler|dopplergrafia) (degli arti|dei tronchi"
               r"|dei vasi venosi|dei grossi vasi)|pletismografia degli arti"
               r"|indice pressorio|vene varicose|varicectomia|sclerosant"
               r"|vena perforante|safen")),
    ("20", _rx(r"ostetric|ginecolog|isterosonografia|colposcop|isteroscop|\bpap test"
               r"|fetale|fetoplacentare|traslucenza nucale|ciclo ovulatorio"
               r"|amniocentesi|villi coriali|contraccettiv|ovai|follicol|fecondazione"
               r"|inseminazione|embrion|gamet|materiale seminale|funicolocentesi"
               r"|cardiotocografia|vaginal|cefalica|isterosalpingo")),
    ("16", _rx(r"oculist|ocular|\bocchio|\bretin|cornea|cristallino|cataratta"
               r"|campo visivo|fundus|pupillometria|tonometri|glaucoma|papilla ottica"
               r"|palpebr|lacrimal|congiuntiv|vitre|\biride|orbitari|pachimetria"
               r"|ortottic|funzione visiva|potenziali evocati visivi|elettroretino"
               r"|elettrooculo|scler|blefar|\birid|trabecul|refrazione|corioretin"
               r"|retrobulbare|segmento anteriore|cantot|entropion|gonio|ciclocrio"
               r"|pneumoretino|esoftalmometria|cheratoestesiometria|aberrometria"
               r"|biometri|fluoresceina|verde indocianina|pterigium|\bhess\b"
               r"|adattabilita al buio|sensibilita al (colore|contrasto)"
               r"|camera anteriore|fotocoagulazione")),
    ("21", _rx(r"otorinolaringoiatr|audiolog|foniatr|audiometri|impedenzometria"
               r"|rinomanometria|vestibolar|cerume|acufenometria|protesic"
               r"|impianti cocleari|laring|\bnaso\b|nasal|timpan|miringo"
               r"|otomicroscopia|olfattometria|gustometria|nistagmo"
               r"|potenziali evocati acustici|tonsill|peritonsillare|promontorio"
               r"|preauricolare|cocle|otoacustic|eustachio|epistassi|settoplastica"
               r"|\bvoce\b|fonatori")),
    ("10", _rx(r"gastroenterolog|egds|esofagogastroduodenoscop|colonscop"
               r"|rettosigmoidoscop|enteroscop|polipectomia|mucosectomia|breath test"
               r"|manometria (esofagea|anorettale)|\bph metria|ecoendoscop"
               r"|transito intestinale|permeabilita intestinale|esofag|stomaco|piloro"
               r"|intragastric|dilatazione dell intestino|\bano\b|anal[ei]\b|anoscop"
               r"|ano rettale|rettal|fecaloma|gastric|gastroenterorragie")),
    ("08", _rx(r"^eco|ecografi|ecocolordoppler|doppler|ecoencefalografia")),
    ("06", _rx(r"dermatolog|allergolog|unghi|ungue|onico|videodermatoscop"
               r"|epiluminescenza|fototerapia|ultraviolett|\bcute\b|\bcutane")),
    ("01", _rx(r"anestesiolog|algolog|terapia del dolore|anestetico|\bblocco\b"
               r"|peridural|neurolitic|sedazione|agopuntura")),
    ("22", _rx(r"pneumolog|spirometri|broncodilatazione|provocazione bronchiale"
               r"|emogasanalisi|pulsossimetria|saturazione arteriosa"
               r"|alveolo capillare|vie aeree|compliance polmonare|pattern respiratorio"
               r"|ventilazione|pressioni inspiratorie|broncoscop|toracentesi"
               r"|polisonnografia|cardiorespiratorio|test del cammino"
               r"|secrezioni bronchiali|ossido nitrico|broncoinstillazion|ventilatori"
               r"|tracheostom|pleurodesi|cavita toracica|\bp 0 1\b")),
    ("15", _rx(r"neurolog|neurochirurg|elettroencefalogra|elettromiografia"
               r"|potenziali evocati|conduzione nervosa|neurofisiolog"
               r"|sistema nervoso vegetativo|poligrafia|neuropatia|deterioramento"
               r"|funzioni esecutive|neurostimolatore|rachicentesi|cranic|riflesse"
               r"|stimolazione ripetitiva|tetania|ischemia prolungata|\bemg\b|levodopa"
               r"|afasia")),
    ("25", _rx(r"urolog|androlog|uroflussometria|urodinamic|cistoscop|litotripsia"
               r"|vescic|prostat|uretr|penie|penis|scrot|testicol|deferent|varicocele"
               r"|circoncisione|prepuzi|nefrostom|gonade maschile|cistosonografia")),
    ("09", _rx(r"endocrinolog|diabetolog|diabetic|microinfusore|tiroid")),
    ("13", _rx(r"nefrolog|dialisi|emodialisi|emodiafiltrazione|emofiltrazione"
               r"|fistola arterovenosa|ricircolo")),
    ("18", _rx(r"oncolog|antitumorali|chemioterap")),
    ("23", _rx(r"psichiatr|psicoterapia|psicolog|colloquio|personalita")),
    ("12", _rx(r"medicina fisica|riabilitazion|rieducazion|valutazione (funzionale"
               r"|monofunzionale|globale|del livello|ortesica)|fisiatr|chinesi"
               r"|terapia fisica|ortesi|training|cinematica|dinamica del passo"
               r"|elettroterapia|linfodrenaggio|monofunzionale|posturograf|stabilometric"
               r"|dinamometric|manipolazione|mobilizzazione|bendaggio|splint"
               r"|correzioni forzate|addestramento|esercizi|fasciatura")),
    ("17", _rx(r"odontostomatolog|maxill|protesi (fissa|rimovibile)|corona"
               r"|apicectomia|chirurgia orale|frenul|interocclusale|sigillatura"
               r"|osteointegrat|mantenitore di spazio|oss[oa] faccial|orosinusale"
               r"|ugola|\bdent|gengiv|pulp|ortodont|canal[ei] "
               r"|parodont|\bradici\b|tartaro|\barcat|lingua|palato|cavo orale"
               r"|\bbocca\b|mandibol|mascell|saliv")),
    ("04", _rx(r"chirurgi(a|ca) plastic|\blemb|sindattilia|tatuaggio")),
    ("19", _rx(r"ortopedic|artroscop|artrodesi|artroplastica|gessat|tendin"
               r"|tunnel (carpale|tarsale|cubitale)|dito a (martello|artiglio)"
               r"|borsectomia|borsotomia|amputazione|moncone|\bmano\b|legament"
               r"|\btrazion|gesso|stecca")),
    ("03", _rx(r"chirurgic|chirurgia generale|ernia|emorroid|ragad|pilonidal"
               r"|ascesso|sutura|asportazione|biopsia|medicazione|drenaggio"
               r"|incisione|escissione")),
    ("26", _rx(r"cure palliative")),
)

# A service is a visit when its principal clause opens with the word (the
# catalogue spells 89.7A.3 "PRMA VISITA CARDIOLOGICA").
_VISIT = _rx(r"^(prima |prma )?visit[ae]\b")
_THERAPY = _rx(r"^(terapia|trattament|iniezione|infusione|somministrazione"
               r"|riabilitazione|rieducazione|intervento|riparazione|asportazione"
               r"|emodialisi|dialisi|emodiafiltrazione|teleterapia|irradiazione"
               r"|psicoterapia|training|inserzione|impianto|sutura|medicazione"
               r"|\w*aferesi|salasso|trasfusione|immunoterapia)")
_DIAGNOSTIC = _rx(r"^(eco|rx|tc|rm|angio)|grafia|grafi[ae]\b|scopia|metria|gramma"
                  r"|\btest\b|esame|studio|monitoraggio|potenziali evocati|holter"
                  r"|biopsia|valutazione|analisi|dosaggio|ricerca|determinazione"
                  r"|misura|\bprove\b|controllo e programmazione|prelievo|conduzione"
                  r"|stimolazione ripetitiva|resistenze|osservazione")
_DIAGNOSTIC_BRANCHES = frozenset({"07", "08", "11"})


def _is_lab_code(code: str) -> bool:
    return code.startswith(("90.", "91.")) or code.startswith("G")


def branch_code(code: str, description: str) -> str | None:
    """The branch (branca specialistica) a service belongs to, if a rule fits."""
    if _is_lab_code(code) and not code.startswith("91.90"):
        return "11"
    if code.startswith(("92.0", "92.1", "92.28")):
        return "07"
    if code.startswith("92.2"):
        return "24"

    clause = principal_clause(description)
    for branch, pattern in _BRANCH_RULES:
        if pattern.search(clause):
            return branch
    return None


def service_kind(code: str, description: str, branch: str | None = None) -> str:
    """'visit', 'diagnostic' or 'other'."""
    clause = principal_clause(description)
    if _VISIT.search(clause):
        return "visit"
    if _THERAPY.search(clause):
        return "other"
    if branch is None:
        branch = branch_code(code, description)
    if branch in _DIAGNOSTIC_BRANCHES or _DIAGNOSTIC.search(clause):
        return "diagnostic"
    return "other"


# The catalogue writes imaging in the trade's short forms; people type the
# words. Each short form found as a word adds the words people use.
_SPELLED_OUT = {
    "rm": "risonanza magnetica",
    "tc": "tac tomografia computerizzata",
    "rx": "radiografia lastra",
    "ecg": "elettrocardiogramma",
    "mdc": "mezzo di contrasto",
    "eco": "ecografia",
}


def search_text(code: str, description: str) -> str:
    # The code is kept verbatim (dots included) so that "89.7a.3" finds it.
    # Only the principal clause is searched: the qualifiers name other
    # services ("Incluso: visita anestesiologica"), which would then match.
    folded = principal_clause(description)
    words = set(folded.split())
    extra = " ".join(v for k, v in _SPELLED_OUT.items() if k in words)
    return f"{code.lower()} {folded}" + (f" {extra}" if extra else "")


def derive(code: str, description: str) -> ServiceInfo:
    """Every derived attribute of one catalogue row."""
    branch = branch_code(code, description)
    kind = service_kind(code, description, branch)
    return ServiceInfo(
        code=code,
        description=description,
        branch_code=branch,
        kind=kind,
        tariff_cents=illustrative_tariff_cents(code, description, kind, branch),
        tariff_source=ILLUSTRATIVE,
        duplicate_group=code,
        search_text=search_text(code, description),
        preparation=preparation(description, kind),
    )


def parse_tariff_eur(text: str) -> int:
    """Cents from a euro amount written '22,50', '22.50' or '1.234,50'."""
    cleaned = text.strip().replace("€", "").replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"not a euro amount: {text!r}") from error
    if amount < 0:
        raise ValueError(f"negative tariff: {text!r}")
    return int((amount * 100).quantize(Decimal(1)))


# Illustrative tariffs in cents, first match wins, read on the principal
# clause. Amounts are plausible orders of magnitude for the Italian
# outpatient nomenclature, not any region's list.
_TARIFF_RULES: tuple[tuple[re.Pattern[str], int], ...] = (
    (_rx(r"^(prima |prma )visit"), 2400),
    (_rx(r"^visita .*di controllo|^visita di controllo"), 2000),
    (_rx(r"^visit"), 2200),
    (_rx(r"^elettrocardiogramma$"), 1100),
    (_rx(r"holter|dopplergrafia cardiaca"), 6000),
    (_rx(r"cardiovascolar[ei] da sforzo|test da sforzo"), 5500),
    (_rx(r"emissione di positroni|\bpet\b"), 90000),
    (_rx(r"scintigrafi|tomoscintigrafi|\bspet\b"), 15000),
    (_rx(r"^angio (tc|rm)|^angio rm"), 20000),
    (_rx(r"^(cine )?rm\b.*senza e con mdc|^cine rm"), 23000),
    (_rx(r"^(colangio )?rm\b"), 16000),
    (_rx(r"^tc\b.*(senza e con mdc|total body)"), 17000),
    (_rx(r"^(artro )?tc\b"), 11000),
    (_rx(r"^(eco|ecografia).*(completo|doppler)|ecocolordoppler"), 5500),
    (_rx(r"ecografia ostetrica"), 5000),
    (_rx(r"mammella"), 3500),
    (_rx(r"^eco|ecografi"), 4000),
    (_rx(r"mammografia|densitometria"), 4000),
    (_rx(r"clisma|urografia|con mdc|con doppio"), 6000),
    (_rx(r"^rx\b|radiografia|ortopanoramica"), 2500),
    (_rx(r"colonscop|ileocolonscop"), 9000),
    (_rx(r"egds|esofagogastroduodenoscop|rettosigmoidoscop|enteroscop"), 7000),
    (_rx(r"intervento|ernia|artrodesi|artroplastica|artroscopia|cataratta"
         r"|cristallino|liberazione del tunnel|amputazione|litotripsia"), 50000),
    (_rx(r"dialisi|emodiafiltrazione"), 25000),
    (_rx(r"teleterapia|irradiazione|adroterapia|radioterapi"), 12000),
    (_rx(r"riabilitazion|rieducazion|training|seduta"), 1500),
)
_LAB_CENTS = 500
_GENETICS_CENTS = 25000
_DEFAULT_CENTS = {"visit": 2200, "diagnostic": 3000, "other": 3000}


def illustrative_tariff_cents(
    code: str, description: str, kind: str, branch: str | None
) -> int:
    """A plausible tariff, the same for the same row on every run."""
    if code.startswith("G"):
        return _GENETICS_CENTS
    if _is_lab_code(code) and branch == "11":
        return _LAB_CENTS

    clause = principal_clause(description)
    for pattern, cents in _TARIFF_RULES:
        if pattern.search(clause):
            return cents
    return _DEFAULT_CENTS[kind]


_ILLUSTRATIVE_NOTE = "(Indicazioni illustrative: verificare con la struttura.)"

# Preparation sentences, all that match are given, in this order.
_PREPARATION_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_rx(r"ecografia dell addome (superiore|completo)"),
     "Digiuno da almeno 6 ore prima dell'esame; si può bere acqua naturale."),
    (_rx(r"ecografia dell addome inferiore|ecografia (ginecologica|ostetrica)"
         r"|uroflussometria"),
     "Presentarsi a vescica piena: bere circa un litro d'acqua un'ora prima "
     "dell'esame e non urinare."),
    (_rx(r"colonscop|rettosigmoidoscop"),
     "Dieta priva di scorie nei tre giorni precedenti e preparazione intestinale "
     "secondo le istruzioni ricevute alla prenotazione."),
    (_rx(r"egds|esofagogastroduodenoscop|gastroscop"),
     "Digiuno da almeno 8 ore. Segnalare l'assunzione di anticoagulanti o "
     "antiaggreganti."),
    (_rx(r"^(angio |cine |colangio )?(tc|rm)\b.*mdc|^angio (tc|rm)"),
     "Digiuno da almeno 6 ore. Portare un esame recente della creatinina e "
     "segnalare allergie o reazioni a mezzi di contrasto."),
    (_rx(r"^(angio |cine |colangio )?rm\b"),
     "Togliere oggetti metallici; segnalare pacemaker, protesi, clip o altri "
     "dispositivi impiantati."),
    (_rx(r"mammografia"),
     "Non applicare deodoranti, talco o creme su seno e ascelle il giorno "
     "dell'esame."),
    (_rx(r"spirometri|broncodilatazione"),
     "Non fumare nelle due ore precedenti ed evitare pasti abbondanti."),
    (_rx(r"da sforzo"),
     "Indossare abiti e scarpe comodi; non sospendere la terapia senza "
     "indicazione del medico."),
    (_rx(r"holter|pressione arteriosa"),
     "Il dispositivo si porta per 24 ore e non va bagnato: fare la doccia prima."),
    (_rx(r"prelievo di sangue"),
     "Presentarsi a digiuno da almeno 8 ore; si può bere acqua naturale."),
    (_rx(r"^(eco|rx|tc|rm|angio|cine|colangio)\b|mammografia|ecografi"),
     "Portare gli esami precedenti dello stesso distretto."),
)
_VISIT_PREPARATION = (
    "Portare la richiesta del medico, i referti e gli esami precedenti e "
    "l'elenco dei farmaci in uso."
)


def preparation(description: str, kind: str) -> str | None:
    """Illustrative preparation notes in Italian, or None when none apply."""
    clause = principal_clause(description)
    sentences = [text for pattern, text in _PREPARATION_RULES if pattern.search(clause)]
    if kind == "visit":
        sentences.append(_VISIT_PREPARATION)
    if not sentences:
        return None
    return " ".join([*sentences, _ILLUSTRATIVE_NOTE])
