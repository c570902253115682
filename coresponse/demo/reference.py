"""Reference data: staff, teams, places, names, providers, and the words notes are made of.

Placeholders in the words: {Subj} {subj} {obj} {poss} {Poss} with {has} {is} {was}
agreeing, {name}, {street} {cross} {landmark}, {relation} ("his mother").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import ClosureReason
from coresponse.contacts.models import ContactOutcome, ContactType
from coresponse.linkages.models import LinkageKind, LinkageStatus, VerificationMethod
from coresponse.people.models import Borough
from coresponse.referrals.models import ReferralSource, RiskIndicator

_L = LinkageStatus


DEMO_TEAM = "Brooklyn North"  # the team of the `clinician` and `officer` logins


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: Role
    discipline: Discipline | None
    what: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", "Dana Whitfield", Role.ADMIN, None, "accounts and teams"),
    DemoLogin(
        "supervisor",
        "Nadia Okafor",
        Role.SUPERVISOR,
        Discipline.CLINICAL,
        "clinical supervisor: triage, dispatch, clinical view",
    ),
    DemoLogin(
        "sergeant",
        "Michael Russo",
        Role.SUPERVISOR,
        Discipline.POLICE,
        "police supervisor (sergeant): dispatch, operational view",
    ),
    DemoLogin("clinician", "Camila Reyes", Role.CLINICIAN, None, f"clinician, {DEMO_TEAM}"),
    DemoLogin(
        "officer", "Andre Thompson", Role.OFFICER, None, f"officer, {DEMO_TEAM}: operational view"
    ),
    DemoLogin("analyst", "Priya Raman", Role.ANALYST, None, "reports without identities"),
)


@dataclass(frozen=True)
class StaffMember:
    username: str
    full_name: str
    role: Role


TEAM_STAFF: tuple[StaffMember, ...] = (
    StaffMember("jmorales", "José Morales", Role.OFFICER),
    StaffMember("twalker", "Tanisha Walker", Role.OFFICER),
    StaffMember("aesposito", "Anthony Esposito", Role.OFFICER),
    StaffMember("lsantiago", "Luis Santiago", Role.OFFICER),
    StaffMember("kobrien", "Kevin O'Brien", Role.OFFICER),
    StaffMember("mvega", "Marisol Vega", Role.OFFICER),
    StaffMember("dcho", "Daniel Cho", Role.OFFICER),
    StaffMember("sgrant", "Shanice Grant", Role.OFFICER),
    StaffMember("bkowalski", "Brian Kowalski", Role.OFFICER),
    StaffMember("vsingh", "Vikram Singh", Role.OFFICER),
    StaffMember("pkelly", "Patrick Kelly", Role.OFFICER),
    StaffMember("rpierre", "Raymond Pierre", Role.OFFICER),
    StaffMember("rgoldberg", "Rachel Goldberg", Role.CLINICIAN),
    StaffMember("oadeyemi", "Olumide Adeyemi", Role.CLINICIAN),
    StaffMember("salvarez", "Sofía Álvarez", Role.CLINICIAN),
    StaffMember("fhaque", "Farah Haque", Role.CLINICIAN),
    StaffMember("mlin", "Mei Lin", Role.CLINICIAN),
)

# Added by the administrator, not yet approved by a clinical supervisor: no login yet.
WAITING_ACCOUNT = StaffMember("jpark", "Jin Park", Role.CLINICIAN)


@dataclass(frozen=True)
class Departure:
    """An officer who left a team, and who (if anyone) replaced them."""

    username: str
    days_ago: float
    reason: str
    replaced_by: str | None = None
    replaced_days_ago: float | None = None


@dataclass(frozen=True)
class TeamSpec:
    name: str
    base_address: str
    latitude: float
    longitude: float
    precincts: tuple[str, ...]
    boroughs: tuple[Borough, ...]
    shift: tuple[time, time] | None  # None: around the clock
    clinician: str
    officers: tuple[str, ...]
    departure: Departure | None = None

    @property
    def visit_window(self) -> tuple[float, float]:
        """(start hour, length in hours) of local time in which the team makes visits."""
        if self.shift is None:
            return (8.0, 14.0)  # around-the-clock teams still do most outreach by day
        start = self.shift[0].hour + self.shift[0].minute / 60
        end = self.shift[1].hour + self.shift[1].minute / 60
        return (start + 0.25, (end - start) % 24 - 0.75)


# Bases are real NYPD station houses (coordinates approximate).
TEAM_SPECS: tuple[TeamSpec, ...] = (
    TeamSpec(
        DEMO_TEAM,
        "75th Precinct, 1000 Sutter Avenue, Brooklyn, NY 11208",
        40.6727, -73.8787,
        ("73", "75", "77", "79", "81"), (),
        (time(8), time(20)),
        "clinician", ("officer", "jmorales"),
    ),
    TeamSpec(
        "Brooklyn South",
        "67th Precinct, 2820 Snyder Avenue, Brooklyn, NY 11226",
        40.6490, -73.9477,
        ("60", "61", "62", "63", "66", "67", "68", "69", "70", "71", "72", "76", "78"), (),
        (time(10), time(22)),
        "rgoldberg", ("twalker", "aesposito"),
    ),
    TeamSpec(
        "Bronx",
        "44th Precinct, 2 East 169th Street, Bronx, NY 10452",
        40.8370, -73.9190,
        (), (Borough.BRONX,),
        None,
        "oadeyemi", ("lsantiago", "kobrien"),
        Departure("kobrien", 150, "Transferred to another command", "mvega", 143),
    ),
    TeamSpec(
        "Manhattan North",
        "25th Precinct, 120 East 119th Street, New York, NY 10035",
        40.8005, -73.9405,
        ("23", "25", "26", "28", "30", "32", "33", "34"), (),
        None,
        "salvarez", ("dcho", "sgrant"),
    ),
    TeamSpec(
        "Queens",
        "103rd Precinct, 168-02 91st Avenue, Jamaica, NY 11432",
        40.7068, -73.7920,
        (), (Borough.QUEENS,),
        (time(16), time(4)),
        "fhaque", ("bkowalski", "vsingh"),
    ),
    TeamSpec(
        "Staten Island",
        "120th Precinct, 78 Richmond Terrace, Staten Island, NY 10301",
        40.6435, -74.0765,
        (), (Borough.STATEN_ISLAND,),
        (time(8), time(16)),
        "mlin", ("pkelly", "rpierre"),
        # Deliberately not replaced yet: the demo shows a team that cannot take cases.
        Departure("rpierre", 19, "Promoted to sergeant; reassigned to patrol"),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Neighborhood:
    name: str
    borough: Borough
    precinct: str
    postal_code: str
    city: str
    latitude: float
    longitude: float
    streets: tuple[str, ...]
    landmarks: tuple[str, ...]
    weight: float = 2.0


_MN, _BX, _BK, _QN, _SI = (
    Borough.MANHATTAN,
    Borough.BRONX,
    Borough.BROOKLYN,
    Borough.QUEENS,
    Borough.STATEN_ISLAND,
)

NEIGHBORHOODS: tuple[Neighborhood, ...] = (
    Neighborhood("East Harlem", _MN, "23", "10029", "New York", 40.7930, -73.9440,
                 ("E 104th St", "E 108th St", "Lexington Ave", "1st Ave", "3rd Ave"),
                 ("Thomas Jefferson Park", "the 103rd St (6) station",
                  "the Washington Houses courtyard")),
    Neighborhood("Central Harlem", _MN, "28", "10026", "New York", 40.8027, -73.9527,
                 ("W 118th St", "Frederick Douglass Blvd", "W 121st St", "Malcolm X Blvd",
                  "W 116th St"),
                 ("the 116th St (2/3) station", "the benches on Frederick Douglass Blvd",
                  "the laundromat on W 116th St")),
    Neighborhood("Washington Heights", _MN, "33", "10032", "New York", 40.8384, -73.9405,
                 ("W 162nd St", "Amsterdam Ave", "St Nicholas Ave", "Audubon Ave", "W 165th St"),
                 ("Highbridge Park", "the 168th St station", "the bodega on Amsterdam Ave")),
    Neighborhood("Inwood", _MN, "34", "10034", "New York", 40.8677, -73.9212,
                 ("Dyckman St", "Sherman Ave", "Vermilyea Ave", "Seaman Ave", "W 207th St"),
                 ("Inwood Hill Park", "the Dyckman St (1) station",
                  "the Dyckman Houses courtyard")),
    Neighborhood("Lower East Side", _MN, "7", "10002", "New York", 40.7150, -73.9843,
                 ("Clinton St", "Rivington St", "Pitt St", "Stanton St", "Grand St"),
                 ("Seward Park", "the Delancey St station", "the Essex Market benches")),
    Neighborhood("East Village", _MN, "9", "10009", "New York", 40.7265, -73.9815,
                 ("Avenue B", "E 7th St", "Avenue C", "E 11th St", "E 4th St"),
                 ("Tompkins Square Park", "the 1st Ave (L) station", "the Riis Houses courtyard")),
    Neighborhood("Hell's Kitchen", _MN, "18", "10019", "New York", 40.7649, -73.9904,
                 ("W 47th St", "10th Ave", "W 52nd St", "9th Ave", "W 50th St"),
                 ("DeWitt Clinton Park", "the 50th St (C/E) station", "Hell's Kitchen Park")),
    Neighborhood("Mott Haven", _BX, "40", "10454", "Bronx", 40.8091, -73.9229,
                 ("E 138th St", "Willis Ave", "Brook Ave", "E 141st St", "Alexander Ave"),
                 ("St. Mary's Park", "the 3rd Ave–138th St station",
                  "the Mitchel Houses courtyard"),
                 4),
    Neighborhood("Morrisania", _BX, "42", "10456", "Bronx", 40.8290, -73.9079,
                 ("Boston Rd", "E 169th St", "Washington Ave", "Teller Ave", "E 166th St"),
                 ("Crotona Park", "the Forest Houses courtyard", "the bus stop on 3rd Ave"), 3),
    Neighborhood("Soundview", _BX, "43", "10473", "Bronx", 40.8226, -73.8602,
                 ("Soundview Ave", "Story Ave", "White Plains Rd", "Lafayette Ave", "Rosedale Ave"),
                 ("Soundview Park", "the Soundview Houses courtyard", "the Elder Ave (6) station")),
    Neighborhood("Highbridge", _BX, "44", "10452", "Bronx", 40.8375, -73.9262,
                 ("Ogden Ave", "Woodycrest Ave", "W 167th St", "Nelson Ave", "Shakespeare Ave"),
                 ("the 167th St (B/D) station", "Mullaly Park", "the Highbridge Gardens courtyard"),
                 3),
    Neighborhood("Mount Hope", _BX, "46", "10457", "Bronx", 40.8478, -73.9030,
                 ("E Tremont Ave", "Walton Ave", "E Burnside Ave", "Anthony Ave", "Valentine Ave"),
                 ("the Tremont Ave (B/D) station", "Echo Park",
                  "the drop-in center on Burnside Ave")),
    Neighborhood("Williamsbridge", _BX, "47", "10467", "Bronx", 40.8787, -73.8712,
                 ("White Plains Rd", "E Gun Hill Rd", "Barnes Ave", "E 215th St", "Holland Ave"),
                 ("the Gun Hill Rd (2/5) station", "the laundromat on E Gun Hill Rd",
                  "the bus stop on White Plains Rd")),
    Neighborhood("Brownsville", _BK, "73", "11212", "Brooklyn", 40.6627, -73.9097,
                 ("Pitkin Ave", "Rockaway Ave", "Mother Gaston Blvd", "Livonia Ave", "Amboy St"),
                 ("Betsy Head Park", "the Rockaway Ave (3) station",
                  "the Brownsville Houses courtyard"),
                 5),
    Neighborhood("East New York", _BK, "75", "11207", "Brooklyn", 40.6703, -73.8918,
                 ("Pennsylvania Ave", "Linden Blvd", "New Lots Ave", "Sutter Ave", "Glenmore Ave"),
                 ("the Pennsylvania Ave (3) station", "the Livonia Ave (L) station",
                  "the Cypress Hills Houses courtyard"), 5),
    Neighborhood("Cypress Hills", _BK, "75", "11208", "Brooklyn", 40.6810, -73.8760,
                 ("Fulton St", "Crescent St", "Euclid Ave", "Etna St", "Atlantic Ave"),
                 ("Highland Park", "the Crescent St (J) station",
                  "the Euclid Ave (A/C) station"), 3),
    Neighborhood("Crown Heights", _BK, "77", "11213", "Brooklyn", 40.6710, -73.9363,
                 ("Eastern Pkwy", "Utica Ave", "St Johns Pl", "Sterling Pl", "Prospect Pl"),
                 ("Brower Park", "the Utica Ave (3/4) station", "the Albany Houses courtyard"), 4),
    Neighborhood("Bedford-Stuyvesant", _BK, "79", "11216", "Brooklyn", 40.6816, -73.9493,
                 ("Gates Ave", "Nostrand Ave", "Madison St", "Jefferson Ave", "Tompkins Ave"),
                 ("Herbert Von King Park", "the Nostrand Ave (A/C) station",
                  "the Marcy Houses courtyard"), 4),
    Neighborhood("Stuyvesant Heights", _BK, "81", "11233", "Brooklyn", 40.6820, -73.9260,
                 ("Ralph Ave", "Halsey St", "Malcolm X Blvd", "Chauncey St", "Howard Ave"),
                 ("Fulton Park", "the Utica Ave (A/C) station", "the benches at Saratoga Park"), 3),
    Neighborhood("Coney Island", _BK, "60", "11224", "Brooklyn", 40.5770, -73.9888,
                 ("Mermaid Ave", "Surf Ave", "W 33rd St", "Neptune Ave", "W 25th St"),
                 ("the boardwalk at W 27th St", "the Stillwell Ave station",
                  "the Gravesend Houses courtyard")),
    Neighborhood("Brighton Beach", _BK, "60", "11235", "Brooklyn", 40.5776, -73.9612,
                 ("Brighton Beach Ave", "Brighton 6th St", "Coney Island Ave", "Brighton 3rd St"),
                 ("the Brighton Beach boardwalk", "the Brighton Beach (B/Q) station",
                  "the benches on Brighton 6th St")),
    Neighborhood("Flatbush", _BK, "70", "11226", "Brooklyn", 40.6464, -73.9566,
                 ("Flatbush Ave", "Cortelyou Rd", "Ocean Ave", "E 21st St", "Church Ave"),
                 ("the Church Ave (B/Q) station", "the Parade Ground benches",
                  "the bus stop on Flatbush Ave"), 3),
    Neighborhood("East Flatbush", _BK, "67", "11203", "Brooklyn", 40.6494, -73.9340,
                 ("Linden Blvd", "E 49th St", "Church Ave", "Clarkson Ave", "Utica Ave"),
                 ("the bus stop on Utica Ave", "the laundromat on Church Ave",
                  "the steps of Kings County Hospital"), 3),
    Neighborhood("Sunset Park", _BK, "72", "11220", "Brooklyn", 40.6412, -74.0155,
                 ("4th Ave", "5th Ave", "44th St", "52nd St", "8th Ave"),
                 ("Sunset Park", "the 45th St (R) station", "the bakery corner on 8th Ave")),
    Neighborhood("Borough Park", _BK, "66", "11219", "Brooklyn", 40.6331, -73.9967,
                 ("13th Ave", "47th St", "New Utrecht Ave", "16th Ave", "50th St"),
                 ("the 50th St (D) station", "Gravesend Park", "the bus stop on 13th Ave"), 1.5),
    Neighborhood("Bay Ridge", _BK, "68", "11209", "Brooklyn", 40.6264, -74.0299,
                 ("5th Ave", "3rd Ave", "Bay Ridge Ave", "86th St", "Ovington Ave"),
                 ("Owl's Head Park", "the 86th St (R) station", "Shore Road Park"), 1.5),
    Neighborhood("Williamsburg", _BK, "90", "11211", "Brooklyn", 40.7081, -73.9571,
                 ("Lee Ave", "Bedford Ave", "Division Ave", "Marcy Ave", "Broadway"),
                 ("the Marcy Ave (J/M) station", "the Williamsburg Houses courtyard",
                  "the bus stop on Lee Ave"), 1.5),
    Neighborhood("Greenpoint", _BK, "94", "11222", "Brooklyn", 40.7299, -73.9539,
                 ("Manhattan Ave", "Nassau Ave", "Driggs Ave", "Franklin St", "Calyer St"),
                 ("McCarren Park", "the Nassau Ave (G) station", "the Greenpoint Ave (G) station"),
                 1.5),
    Neighborhood("Jamaica", _QN, "103", "11432", "Jamaica", 40.7040, -73.7950,
                 ("Jamaica Ave", "165th St", "89th Ave", "Parsons Blvd", "Merrick Blvd"),
                 ("the Jamaica Center station", "Rufus King Park", "the 165th St bus terminal"), 3),
    Neighborhood("Jackson Heights", _QN, "115", "11372", "Jackson Heights", 40.7515, -73.8828,
                 ("Roosevelt Ave", "37th Ave", "82nd St", "74th St", "35th Ave"),
                 ("Travers Park", "the 74th St–Broadway station", "Diversity Plaza")),
    Neighborhood("Corona", _QN, "110", "11368", "Corona", 40.7486, -73.8620,
                 ("Roosevelt Ave", "Junction Blvd", "104th St", "37th Ave", "National St"),
                 ("Corona Plaza", "the 103rd St–Corona Plaza station", "the Unisphere lawn")),
    Neighborhood("Flushing", _QN, "109", "11354", "Flushing", 40.7596, -73.8303,
                 ("Main St", "Roosevelt Ave", "Sanford Ave", "41st Ave", "Kissena Blvd"),
                 ("the Flushing–Main St station", "Kissena Park", "the library plaza on Main St")),
    Neighborhood("Far Rockaway", _QN, "101", "11691", "Far Rockaway", 40.6013, -73.7540,
                 ("Beach 20th St", "Mott Ave", "Seagirt Blvd", "Cornaga Ave", "Beach 19th St"),
                 ("the Far Rockaway–Mott Ave station", "the Redfern Houses courtyard",
                  "the boardwalk at Beach 20th St")),
    Neighborhood("Astoria", _QN, "114", "11103", "Astoria", 40.7626, -73.9130,
                 ("31st Ave", "Steinway St", "30th Ave", "Broadway", "36th St"),
                 ("Astoria Park", "the Steinway St (M/R) station", "the Astoria Houses courtyard")),
    Neighborhood("St. George", _SI, "120", "10301", "Staten Island", 40.6432, -74.0796,
                 ("Richmond Terrace", "Jersey St", "Victory Blvd", "Bay St", "St Marks Pl"),
                 ("the St. George ferry terminal", "Tompkinsville Park",
                  "the bus stop on Jersey St")),
    Neighborhood("Port Richmond", _SI, "121", "10302", "Staten Island", 40.6355, -74.1377,
                 ("Port Richmond Ave", "Castleton Ave", "Richmond Ave", "Heberton Ave"),
                 ("Veterans Park", "the laundromat on Castleton Ave",
                  "the bus stop on Port Richmond Ave"), 1.5),
    Neighborhood("New Dorp", _SI, "122", "10306", "Staten Island", 40.5731, -74.1174,
                 ("New Dorp Ln", "Hylan Blvd", "Rose Ave", "Tysens Ln"),
                 ("the New Dorp station", "Miller Field", "the strip mall on Hylan Blvd"), 1.5),
)  # fmt: skip

NEIGHBORHOODS_BY_NAME = {n.name: n for n in NEIGHBORHOODS}


@dataclass(frozen=True)
class Community:
    """Names, languages and neighborhoods that go together, for believable people."""

    weight: float
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    languages: tuple[tuple[str, float], ...]  # preferred language and how often
    neighborhoods: tuple[str, ...]


COMMUNITIES: tuple[Community, ...] = (
    Community(
        30,
        ("José", "Luis", "Carlos", "Juan", "Miguel", "Ángel", "Rafael", "Héctor", "Víctor",
         "Jorge", "Francisco", "Manuel", "Edwin", "Wilfredo", "Julio", "Ramón", "Christian",
         "Jonathan", "Anthony"),
        ("María", "Carmen", "Ana", "Rosa", "Yesenia", "Marisol", "Gladys", "Lucía", "Daniela",
         "Stephanie", "Jessica", "Yolanda", "Maribel", "Altagracia", "Sofía", "Nilda"),
        ("Rodríguez", "Martínez", "García", "Hernández", "López", "González", "Pérez",
         "Ramírez", "Torres", "Rivera", "Cruz", "Reyes", "Ortiz", "Morales", "Santiago", "Peña",
         "Vásquez", "Jiménez", "Castillo", "Medina", "Núñez", "Almonte", "Colón", "Figueroa",
         "Muñoz", "De la Cruz"),
        (("Spanish", 50), ("English", 50)),
        ("Washington Heights", "Inwood", "East Harlem", "Mott Haven", "Soundview", "Mount Hope",
         "Sunset Park", "Cypress Hills", "East New York", "Corona", "Jackson Heights",
         "Lower East Side", "Highbridge"),
    ),
    Community(
        25,
        ("Andre", "Darnell", "Tyrone", "Marcus", "Jamal", "Terrence", "Kevin", "Malik",
         "Derrick", "Curtis", "Jerome", "Lamont", "Isaiah", "Dwayne", "Reginald"),
        ("Tanisha", "Keisha", "Latoya", "Shanice", "Monique", "Denise", "Aaliyah", "Brenda",
         "Tiffany", "Yvonne", "Jasmine", "Ebony", "Sharon", "Imani"),
        ("Johnson", "Williams", "Brown", "Jackson", "Davis", "Robinson", "Harris", "Washington",
         "Jenkins", "Coleman", "Simmons", "Bryant", "Mitchell", "Wright", "Carter", "Boyd",
         "Spencer", "Freeman", "Hill", "Greene"),
        (("English", 1),),
        ("Brownsville", "East New York", "Bedford-Stuyvesant", "Stuyvesant Heights",
         "Crown Heights", "Central Harlem", "Jamaica", "Far Rockaway", "Morrisania",
         "Williamsbridge", "St. George", "Port Richmond"),
    ),
    Community(
        8,
        ("Delroy", "Winston", "Kareem", "Omar", "Devon", "Everton", "Shane", "Clive", "Trevor"),
        ("Marcia", "Sharelle", "Nadine", "Simone", "Kerry-Ann", "Claudette", "Tamika", "Camille"),
        ("Campbell", "Thompson", "Clarke", "Forbes", "Grant", "Francis", "Henry", "Reid",
         "Morgan", "Baptiste", "Charles"),
        (("English", 1),),
        ("Crown Heights", "East Flatbush", "Flatbush", "Williamsbridge", "Jamaica"),
    ),
    Community(
        4,
        ("Jean-Claude", "Pierre", "Wilner", "Fritz", "Jacques", "Emmanuel", "Ricardo", "Frantz"),
        ("Marie", "Nadège", "Fabiola", "Guerline", "Rose-Marie", "Mirlande", "Widline", "Nathalie"),
        ("Jean-Baptiste", "Pierre", "Joseph", "Louis", "Saint-Louis", "Étienne", "Dorvil",
         "Théodore", "Desir", "Laguerre", "Célestin"),
        (("Haitian Creole", 55), ("English", 35), ("French", 10)),
        ("Flatbush", "East Flatbush", "Crown Heights"),
    ),
    Community(
        6,
        ("Wei", "Jian", "Ming", "Hao", "Jun", "Kai", "Tony", "Zhiwei"),
        ("Mei", "Li", "Xiu Ying", "Yan", "Hui", "Jing", "Lily", "Fang"),
        ("Chen", "Wang", "Li", "Zhang", "Liu", "Lin", "Huang", "Wu", "Zhou", "Zheng", "Chan",
         "Wong", "Ng"),
        (("Mandarin", 45), ("Cantonese", 40), ("English", 15)),
        ("Sunset Park", "Flushing", "Lower East Side"),
    ),
    Community(
        4,
        ("Dmitri", "Sergei", "Alexei", "Igor", "Vladimir", "Yuri", "Mikhail", "Oleg"),
        ("Olga", "Natalia", "Svetlana", "Irina", "Tatiana", "Yelena", "Galina"),
        ("Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Volkov", "Sokolov", "Levin", "Kogan",
         "Shevchenko", "Bondarenko"),
        (("Russian", 70), ("English", 30)),
        ("Brighton Beach", "Coney Island"),
    ),
    Community(
        3,
        ("Mohammed", "Rahim", "Abdul", "Kamal", "Sohel", "Rafiq", "Tanvir", "Imran"),
        ("Fatema", "Nasrin", "Roksana", "Shirin", "Tahmina", "Sultana"),
        ("Rahman", "Hossain", "Ahmed", "Islam", "Uddin", "Chowdhury", "Miah", "Akter"),
        (("Bengali", 65), ("English", 35)),
        ("Jackson Heights", "Jamaica"),
    ),
    Community(
        2,
        ("Min-jun", "Sung-ho", "Jae-won", "Dong-hyun", "Hyun-woo"),
        ("Ji-yeon", "Soo-jin", "Eun-ji", "Hye-won", "Min-ji"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"),
        (("Korean", 65), ("English", 35)),
        ("Flushing",),
    ),
    Community(
        3,
        ("Mohamed", "Ahmed", "Omar", "Khaled", "Youssef", "Hassan", "Tarek", "Samir"),
        ("Fatima", "Amira", "Layla", "Nour", "Mariam", "Rania"),
        ("Haddad", "Mansour", "Saleh", "Khalil", "Nasser", "Aziz", "Hamdan", "El-Sayed"),
        (("Arabic", 60), ("English", 40)),
        ("Astoria", "Bay Ridge"),
    ),
    Community(
        3,
        ("Yosef", "Moshe", "Chaim", "Shmuel", "Avraham", "Yaakov", "Mendel"),
        ("Rivka", "Chaya", "Esther", "Leah", "Miriam", "Devorah"),
        ("Friedman", "Weiss", "Klein", "Schwartz", "Rosenberg", "Gross", "Katz", "Stern"),
        (("English", 60), ("Yiddish", 40)),
        ("Borough Park", "Williamsburg"),
    ),
    Community(
        2,
        ("Piotr", "Tomasz", "Krzysztof", "Marek", "Paweł", "Andrzej", "Grzegorz"),
        ("Agnieszka", "Katarzyna", "Małgorzata", "Ewa", "Joanna", "Magdalena"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński"),
        (("Polish", 55), ("English", 45)),
        ("Greenpoint",),
    ),
    Community(
        3,
        ("Mamadou", "Ibrahima", "Ousmane", "Abdoulaye", "Moussa", "Cheikh", "Seydou"),
        ("Aminata", "Fatoumata", "Mariama", "Aïssatou", "Khady", "Awa"),
        ("Diallo", "Traoré", "Sow", "Bah", "Camara", "Koné", "Ndiaye", "Diop", "Touré", "Sylla"),
        (("French", 60), ("English", 40)),
        ("Highbridge", "Morrisania", "Mount Hope", "Central Harlem"),
    ),
    Community(
        8,
        ("Michael", "John", "Thomas", "Patrick", "Joseph", "Robert", "Daniel", "Christopher",
         "James", "Vincent", "Brian", "Matthew"),
        ("Mary", "Kathleen", "Elizabeth", "Jennifer", "Christine", "Maureen", "Laura", "Nicole",
         "Theresa", "Danielle"),
        ("Murphy", "Kelly", "O'Connor", "Sullivan", "Russo", "Esposito", "Romano", "Ferraro",
         "Walsh", "McCarthy", "Miller", "Smith", "Cohen", "Schneider", "Bianchi"),
        (("English", 1),),
        ("New Dorp", "St. George", "Bay Ridge", "Astoria", "Hell's Kitchen", "East Village",
         "Greenpoint"),
    ),
)  # fmt: skip


PREFERRED_NAMES = {
    "Michael": "Mike", "Anthony": "Tony", "Jonathan": "Jon", "Christopher": "Chris",
    "Francisco": "Paco", "Wilfredo": "Willie", "Robert": "Bobby", "Daniel": "Danny",
    "Vincent": "Vinny", "Patrick": "Pat", "Elizabeth": "Liz", "Kathleen": "Kathy",
    "Jennifer": "Jen", "Dmitri": "Dima", "Mohammed": "Mo", "Shmuel": "Sam",
    "Xiu Ying": "Susan", "Wei": "David", "Ji-yeon": "Jenny", "Altagracia": "Tati",
    "Reginald": "Reggie", "Terrence": "Terry", "Yesenia": "Jessie",
}  # fmt: skip

STREET_NAMES = (
    "Smokey", "Junior", "Flaco", "Dre", "Red", "Tiny", "Boogie", "Pops", "Sunny", "Lefty",
    "Shorty", "Professor", "Preacher", "Kiki", "Ma", "Nene", "Bishop", "Doc",
)  # fmt: skip

MISSPELLINGS = (
    ("guez", "gues"), ("ez", "es"), ("ph", "f"), ("ck", "k"), ("ie", "ei"), ("y", "i"),
    ("ll", "l"), ("ss", "s"), ("tt", "t"), ("é", "e"), ("ñ", "n"), ("v", "b"),
)  # fmt: skip

WHEREABOUTS = (
    "Often at the shelter on {street}; staff there know {obj}.",
    "Spends most afternoons at {landmark}.",
    "Sleeps at {landmark} some nights.",
    "Usually at the bodega on {street} and {cross} in the morning.",
    "Goes to the soup kitchen on {street} around noon.",
    "Stays with a cousin on {street} when things are bad at home.",
)

CASE_MANAGER_ORGANIZATIONS = (
    "Atlantic Avenue Men's Shelter",
    "Bronx Supportive Housing Network",
    "Harlem Support and Connection Center",
    "Citywide Benefits Help Desk",
    "Brooklyn Peer Recovery Network",
)

TREATING_ORGANIZATIONS = (
    "Eastern Parkway Behavioral Health Clinic",
    "Bronx Riverside Outpatient Clinic",
    "Harlem Wellness Counseling Center",
    "Flushing Family Mental Health Clinic",
    "Brownsville Community Health Center",
)


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    kind: LinkageKind
    address: str
    borough: Borough
    latitude: float
    longitude: float
    phone: str
    languages: str
    accepting: bool = True


_K = LinkageKind

# Invented programs (public hospitals keep their real names); every phone is fictional.
PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec("Bronx Riverside Outpatient Clinic", _K.OUTPATIENT_CLINIC,
                 "1250 Grand Concourse, Bronx, NY 10456", _BX, 40.8338, -73.9186,
                 "(718) 555-0142", "English, Spanish"),
    ProviderSpec("Eastern Parkway Behavioral Health Clinic", _K.OUTPATIENT_CLINIC,
                 "1045 Eastern Pkwy, Brooklyn, NY 11213", _BK, 40.6689, -73.9306,
                 "(718) 555-0117", "English, Haitian Creole, French"),
    ProviderSpec("Harlem Wellness Counseling Center", _K.OUTPATIENT_CLINIC,
                 "2160 Madison Ave, New York, NY 10037", _MN, 40.8086, -73.9392,
                 "(212) 555-0163", "English, Spanish"),
    ProviderSpec("Flushing Family Mental Health Clinic", _K.OUTPATIENT_CLINIC,
                 "136-20 38th Ave, Flushing, NY 11354", _QN, 40.7601, -73.8296,
                 "(718) 555-0188", "English, Mandarin, Cantonese, Korean"),
    ProviderSpec("North Shore Counseling Services", _K.OUTPATIENT_CLINIC,
                 "350 Bay St, Staten Island, NY 10301", _SI, 40.6383, -74.0758,
                 "(718) 555-0129", "English, Spanish"),
    ProviderSpec("Sunrise Health IMT Team (Brooklyn)", _K.IMT,
                 "2094 Pitkin Ave, Brooklyn, NY 11207", _BK, 40.6720, -73.8950,
                 "(718) 555-0171", "English, Spanish", accepting=False),
    ProviderSpec("Bronx Intensive Mobile Treatment, Team B", _K.IMT,
                 "2967 3rd Ave, Bronx, NY 10455", _BX, 40.8185, -73.9146,
                 "(718) 555-0156", "English, Spanish"),
    ProviderSpec("Hudson Bridge IMT (Manhattan)", _K.IMT,
                 "520 W 135th St, New York, NY 10031", _MN, 40.8194, -73.9519,
                 "(212) 555-0135", "English, Spanish, French"),
    ProviderSpec("Atlantic Community Care ACT Team", _K.ACT,
                 "1556 Atlantic Ave, Brooklyn, NY 11213", _BK, 40.6779, -73.9383,
                 "(718) 555-0194", "English", accepting=False),
    ProviderSpec("Queens Assertive Community Treatment", _K.ACT,
                 "90-04 161st St, Jamaica, NY 11432", _QN, 40.7052, -73.7991,
                 "(718) 555-0108", "English, Spanish, Bengali"),
    ProviderSpec("Fulton Street Recovery Center", _K.SUBSTANCE_USE_PROGRAM,
                 "2351 Fulton St, Brooklyn, NY 11233", _BK, 40.6783, -73.9050,
                 "(718) 555-0123", "English, Spanish"),
    ProviderSpec("Bronx Horizons Addiction Services", _K.SUBSTANCE_USE_PROGRAM,
                 "890 Prospect Ave, Bronx, NY 10459", _BX, 40.8215, -73.9013,
                 "(718) 555-0177", "English, Spanish"),
    ProviderSpec("Lower East Side Harm Reduction Program", _K.SUBSTANCE_USE_PROGRAM,
                 "25 Allen St, New York, NY 10002", _MN, 40.7150, -73.9913,
                 "(212) 555-0151", "English, Spanish, Mandarin"),
    ProviderSpec("Kings County Hospital, Behavioral Health", _K.HOSPITAL,
                 "451 Clarkson Ave, Brooklyn, NY 11203", _BK, 40.6559, -73.9442,
                 "(718) 555-0100", "English, Spanish, Haitian Creole"),
    ProviderSpec("Bellevue Hospital, Psychiatry", _K.HOSPITAL,
                 "462 1st Ave, New York, NY 10016", _MN, 40.7394, -73.9757,
                 "(212) 555-0101", "English, Spanish, Mandarin"),
    ProviderSpec("Lincoln Hospital, Behavioral Health", _K.HOSPITAL,
                 "234 E 149th St, Bronx, NY 10451", _BX, 40.8169, -73.9244,
                 "(718) 555-0199", "English, Spanish"),
    ProviderSpec("Elmhurst Hospital, Psychiatry", _K.HOSPITAL,
                 "79-01 Broadway, Elmhurst, NY 11373", _QN, 40.7449, -73.8852,
                 "(718) 555-0190", "English, Spanish, Bengali, Mandarin"),
    ProviderSpec("Harlem Support and Connection Center", _K.SUPPORT_CONNECTION_CENTER,
                 "55 E 124th St, New York, NY 10035", _MN, 40.8052, -73.9413,
                 "(212) 555-0114", "English, Spanish"),
    ProviderSpec("Bronx Support and Connection Center", _K.SUPPORT_CONNECTION_CENTER,
                 "680 Westchester Ave, Bronx, NY 10455", _BX, 40.8163, -73.9075,
                 "(718) 555-0139", "English, Spanish"),
    ProviderSpec("Brownsville Community Health Center", _K.PRIMARY_CARE,
                 "592 Rockaway Ave, Brooklyn, NY 11212", _BK, 40.6622, -73.9085,
                 "(718) 555-0146", "English, Spanish"),
    ProviderSpec("Jamaica Family Medicine Practice", _K.PRIMARY_CARE,
                 "89-31 161st St, Jamaica, NY 11432", _QN, 40.7055, -73.7990,
                 "(718) 555-0132", "English, Bengali"),
    ProviderSpec("Atlantic Avenue Safe Haven", _K.HOUSING,
                 "2402 Atlantic Ave, Brooklyn, NY 11233", _BK, 40.6767, -73.9020,
                 "(718) 555-0185", "English, Spanish", accepting=False),
    ProviderSpec("Bronx Supportive Housing Network", _K.HOUSING,
                 "965 Longwood Ave, Bronx, NY 10459", _BX, 40.8167, -73.8962,
                 "(718) 555-0161", "English, Spanish"),
    ProviderSpec("Citywide Benefits Help Desk", _K.BENEFITS,
                 "109 E 16th St, New York, NY 10003", _MN, 40.7365, -73.9883,
                 "(212) 555-0126", "English, Spanish, Mandarin, Russian, Arabic"),
    ProviderSpec("Brooklyn Peer Recovery Network", _K.PEER_SUPPORT,
                 "1360 Fulton St, Brooklyn, NY 11216", _BK, 40.6800, -73.9460,
                 "(718) 555-0112", "English, Spanish"),
    ProviderSpec("Staten Island Peer Clubhouse", _K.PEER_SUPPORT,
                 "25 Hyatt St, Staten Island, NY 10301", _SI, 40.6416, -74.0780,
                 "(718) 555-0158", "English"),
    ProviderSpec("Bronx Community Legal Services", _K.LEGAL,
                 "360 E 161st St, Bronx, NY 10451", _BX, 40.8253, -73.9177,
                 "(718) 555-0173", "English, Spanish, French"),
)  # fmt: skip


HOSPITAL_EDS: dict[Borough, tuple[str, ...]] = {
    _MN: ("Bellevue CPEP", "Harlem Hospital ED", "Mount Sinai Hospital ED"),
    _BX: ("Lincoln Hospital ED", "BronxCare CPEP", "Jacobi Medical Center ED"),
    _BK: ("Kings County Hospital ED", "Woodhull Hospital ED", "Brookdale Hospital ED"),
    _QN: ("Elmhurst Hospital CPEP", "Jamaica Hospital ED", "Queens Hospital Center ED"),
    _SI: ("Richmond University Medical Center ED", "Staten Island University Hospital ED"),
}

CRISIS_DESTINATIONS: dict[Borough, tuple[str, ...]] = {
    _MN: ("Bellevue CPEP", "Harlem Hospital CPEP"),
    _BX: ("Lincoln Hospital CPEP", "BronxCare CPEP"),
    _BK: ("Kings County Hospital CPEP", "Woodhull Hospital psychiatric ED"),
    _QN: ("Elmhurst Hospital CPEP", "Jamaica Hospital CPEP"),
    _SI: ("Richmond University Medical Center CPEP",),
}

STATE_HOSPITALS = (
    "Creedmoor Psychiatric Center",
    "Kingsboro Psychiatric Center",
    "Manhattan Psychiatric Center",
    "Bronx Psychiatric Center",
    "South Beach Psychiatric Center",
)

MOVED_TO = (
    "family in Yonkers",
    "a sister in Newark, NJ",
    "family in Puerto Rico",
    "an aunt in Philadelphia",
    "Nassau County",
    "family in the Dominican Republic",
)

SOURCE_DETAILS: dict[ReferralSource, tuple[str, ...]] = {
    ReferralSource.DOHMH: (
        "DOHMH Bureau of Mental Health",
        "DOHMH Office of Behavioral Health",
        "DOHMH Assisted Outpatient Treatment office",
    ),
    ReferralSource.NYC_WELL_988: ("NYC Well", "988 Suicide & Crisis Lifeline (NYC Well)"),
    ReferralSource.CALL_911: (
        "911 call review, repeat caller",
        "911 EDP call follow-up",
        "EMS dispatch",
    ),
    ReferralSource.SHELTER: (
        "Atlantic Avenue Men's Shelter",
        "Bedford Women's Shelter",
        "Fordham Drop-in Center",
        "Harlem Family Residence",
    ),
    ReferralSource.OTHER_PROVIDER: (
        "Eastern Parkway Behavioral Health Clinic",
        "Bronx Riverside Outpatient Clinic",
        "Harlem Wellness Counseling Center",
        "Fulton Street Recovery Center",
    ),
    ReferralSource.OTHER: (
        "Community Board district office",
        "Building management",
        "Local pastor",
        "MTA station staff",
    ),
}

FAMILY_REFERRERS = ("Mother", "Sister", "Brother", "Daughter", "Aunt", "Neighbor", "Pastor")

OTHER_SERVICES = (
    "Mobile Crisis Team (NYC Well)",
    "B-HEARD",
    "Intensive Mobile Treatment (IMT)",
    "Adult Protective Services",
    "DHS street outreach",
    "Assisted Outpatient Treatment (AOT) evaluation",
)


REASON_OPENINGS = (
    "{Subj} {has} been {behaviour} for {period}.",
    "Over the past {period} {subj} {has} been {behaviour}.",
    "Referrer reports {name} {has} been {behaviour} for about {period}.",
)

BEHAVIOURS = (
    "increasingly paranoid and barricading the apartment door",
    "not sleeping and pacing the hallway at night",
    "talking to people who are not there and shouting at neighbors",
    "isolating in the apartment and barely eating",
    "walking into traffic on {street}",
    "getting into loud arguments with the building super",
    "refusing to leave {landmark} at night",
    "accusing family of poisoning {poss} food",
    "calling 911 several times a week about voices in the walls",
)

INDICATOR_PHRASES: dict[RiskIndicator, tuple[str, ...]] = {
    RiskIndicator.HARM_TO_SELF: (
        "Told {relation} that everyone would be better off without {obj}.",
        "Made statements about wanting to die; mentioned jumping from the roof.",
        "Cut {poss} arm last month; treated and released.",
    ),
    RiskIndicator.HARM_TO_OTHERS: (
        "Threatened a neighbor during an argument in the hallway.",
        "Punched a wall and threatened {relation}.",
        "Shelter staff report threats toward other residents.",
    ),
    RiskIndicator.WEAPONS_ACCESS: (
        "Family found a kitchen knife under {poss} mattress.",
        "Reported to carry a box cutter.",
        "Keeps a bat by the door 'for protection'.",
    ),
    RiskIndicator.RECENT_HOSPITALIZATION: (
        "Discharged from {hospital} last week without a follow-up appointment.",
        "Three psychiatric ED visits in the last two months.",
        "Left {hospital} against medical advice.",
    ),
    RiskIndicator.SUBSTANCE_USE: (
        "Drinking heavily every day.",
        "Using K2 near {landmark}; EMS called twice.",
        "Relapsed on opioids after a year in recovery.",
    ),
    RiskIndicator.PRIOR_VIOLENCE: (
        "History of assault arrests several years ago.",
        "Past incident of hitting a family member, per the precinct.",
        "Fought with shelter staff last winter.",
    ),
}

REASON_CONTEXTS = (
    "Family wants help but {subj} {has} refused to go to a clinic.",
    "Stopped taking medication after {poss} Medicaid lapsed.",
    "Not connected to any treatment; was followed by an ACT team years ago.",
    "Known to the {precinct}: repeated 911 calls from the building.",
    "Speaks mainly {language}; {relation} can help with contact.",
    "Lives alone; the building super has a key and is willing to help.",
)

INFO_REQUESTS = (
    "Asked {referrer} for a current address and phone number.",
    "Asked {referrer} for the discharge summary and any weapons history.",
    "Asked {referrer} whether {subj} {is} still staying at the listed address.",
    "Asked {referrer} for recent incident reports (last 90 days).",
)

ACCEPT_NOTES = (
    "Meets criteria: elevated risk, not engaged in care.",
    "Accepted: repeated crises and weapons concern; not eligible for mobile crisis follow-up.",
    "Accepted: recent hospitalization without follow-up; family asking for help.",
    "Accepted after the {precinct} confirmed the address.",
)

NOT_ELIGIBLE_NOTES = (
    "Not eligible: no elevated risk identified; referrer given outpatient options.",
    "Not eligible: lives in Nassau County, outside the program area.",
    "Not eligible: already enrolled with an ACT team that sees {obj} weekly.",
    "Not eligible: concern is a housing dispute without behavioral health risk.",
)

REASSIGN_REASONS = (
    "Caseload balancing: {old} is at capacity.",
    "{old} is short an officer this month; {new} can visit sooner.",
    "{Subj} now spends most days in {new}'s area.",
)

CLOSURE_NOTES: dict[ClosureReason, tuple[str, ...]] = {
    ClosureReason.CONNECTED_TO_CARE: (
        "Connected to {provider}; attending regularly. Closed after a stable month.",
        "Engaged with {provider} (verified with the program). No crises in 30 days.",
    ),
    ClosureReason.DECLINED_SERVICES: (
        "Declined services at repeated contacts; no imminent risk on last assessment. "
        "Given NYC Well and the team number.",
        "Clear, consistent refusal; capacity not in question. Family told how to re-refer.",
    ),
    ClosureReason.UNABLE_TO_LOCATE: (
        "Not found after repeated attempts at the last known address, shelters and hospitals.",
        "No contact in six weeks; {relation} has not seen {obj}. Flag for re-referral.",
    ),
    ClosureReason.MOVED_OUT_OF_AREA: (
        "Moved to {moved_to}; local services given with consent.",
        "Relocated to {moved_to}; warm handoff to a local clinic arranged.",
    ),
    ClosureReason.LONG_TERM_HOSPITALIZATION: (
        "Admitted to {hospital} for long-term care after an involuntary evaluation.",
        "Transferred to {hospital}; discharge planning will re-refer if needed.",
    ),
    ClosureReason.INCARCERATED: (
        "In DOC custody after an arrest; Correctional Health Services informed with consent.",
        "Held on a warrant; jail mental health team has the history (with consent).",
    ),
    ClosureReason.DECEASED: (
        "{Relation} informed the team that {name} died (medical cause). Team debrief held.",
    ),
    ClosureReason.OTHER: (
        "Entered a residential program outside the city; program staff will follow up.",
        "Forensic team now leads care; joint closure agreed.",
    ),
}

# (for the team, clinical): what the whole team reads, and what only clinicians do.
REOPEN_NOTES: tuple[tuple[str, str | None], ...] = (
    (
        "Reopened: {relation} called asking the team to come back.",
        "{Subj} stopped {poss} medication and {is} not sleeping.",
    ),
    ("Reopened after a new 911 call from the building on {street}.", None),
    ("Reopened: shelter staff report {name} is back and threatening residents.", None),
)

# The closing note's part for the whole team: nothing about treatment or where it happens.
TEAM_CLOSURE_NOTES: dict[ClosureReason, str] = {
    ClosureReason.CONNECTED_TO_CARE: "Closed by the clinician; no further visits planned.",
    ClosureReason.DECLINED_SERVICES: "Closed by the clinician; no further visits planned.",
    ClosureReason.UNABLE_TO_LOCATE: "Not found at the last known address after repeated visits.",
    ClosureReason.MOVED_OUT_OF_AREA: "Moved to {moved_to}; no longer in the program area.",
    ClosureReason.LONG_TERM_HOSPITALIZATION: "Closed by the clinician; no further visits planned.",
    ClosureReason.INCARCERATED: "In DOC custody; the team stops outreach.",
    ClosureReason.DECEASED: "{Relation} informed the team that {name} died.",
    ClosureReason.OTHER: "Closed by the clinician; no further visits planned.",
}

_T, _CO = ContactType, ContactOutcome

OPERATIONAL_NOTES: dict[tuple[ContactType, ContactOutcome], tuple[str, ...]] = {
    (_T.IN_PERSON_HOME, _CO.ENGAGED): (
        "Met at the apartment door; {relation} let us in. Calm; talked about 25 minutes.",
        "Buzzed in by the super; met {obj} in the lobby. Calm and cooperative.",
        "Met in the hallway; dog in the apartment, ask to secure it next visit. Calm.",
        "Sat in the kitchen with {obj}. Calm throughout; agreed to the next visit.",
    ),
    (_T.IN_PERSON_HOME, _CO.BRIEF_ENGAGEMENT): (
        "Spoke briefly at the door; asked us to come back another day. Calm.",
        "Five minutes in the lobby before {subj} went back upstairs. No safety concerns.",
    ),
    (_T.IN_PERSON_HOME, _CO.REFUSED): (
        "Spoke through the door; declined to open. Calm voice. Left a card.",
        "Answered the door, declined to talk and closed it. No threats made.",
    ),
    (_T.IN_PERSON_HOME, _CO.CRISIS_TRANSPORT_VOLUNTARY): (
        "{Subj} agreed to go to the hospital; EMS took {obj} to {destination}. "
        "Officers escorted; no force.",
    ),
    (_T.IN_PERSON_HOME, _CO.CRISIS_TRANSPORT_INVOLUNTARY): (
        "Removed under MHL 9.41 after {subj} threatened to jump; EMS transported to "
        "{destination}, officers escorted. No injuries.",
        "Barricaded with a knife, then came out after an hour of talking; removed under "
        "MHL 9.41 to {destination}. No injuries.",
    ),
    (_T.IN_PERSON_HOME, _CO.ARREST): (
        "Arrested by precinct officers on an outstanding warrant during the visit; team "
        "present, no force used.",
    ),
    (_T.IN_PERSON_OTHER, _CO.ENGAGED): (
        "Found on the corner of {street} and {cross}; talked on a bench for 20 minutes. Calm.",
        "Met at {landmark}; walked with {obj} to get coffee. Cooperative.",
        "Met at the shelter intake desk with staff present. Calm.",
    ),
    (_T.IN_PERSON_OTHER, _CO.BRIEF_ENGAGEMENT): (
        "Seen at {landmark}; short conversation, then walked away. No safety concerns.",
        "Spotted on {street}; took water and the team card, did not want to talk long.",
    ),
    (_T.IN_PERSON_OTHER, _CO.REFUSED): (
        "Located at {landmark}; told us to leave. Kept our distance; no threats.",
        "Found near {street}; refused to engage and walked off. Did not follow.",
    ),
    (_T.IN_PERSON_OTHER, _CO.CRISIS_TRANSPORT_VOLUNTARY): (
        "Found at {landmark}, distressed; agreed to EMS transport to {destination}.",
    ),
    (_T.IN_PERSON_OTHER, _CO.CRISIS_TRANSPORT_INVOLUNTARY): (
        "Standing in traffic on {street}; removed under MHL 9.41 and taken by EMS to "
        "{destination}. No injuries.",
    ),
    (_T.IN_PERSON_OTHER, _CO.ARREST): (
        "Arrested by responding officers after a fight at {landmark}; team present.",
    ),
    (_T.PHONE, _CO.ENGAGED): (
        "Called {poss} mobile; talked about 15 minutes. Confirmed the next visit.",
        "{Subj} called the team phone; talked 10 minutes.",
    ),
    (_T.PHONE, _CO.BRIEF_ENGAGEMENT): (
        "Short call; {subj} {was} on the bus and asked us to call back.",
        "Picked up, said things are okay, hung up after two minutes.",
    ),
    (_T.PHONE, _CO.REFUSED): ("Picked up and asked us not to call again. Polite.",),
    (_T.PHONE, _CO.NOT_FOUND): (
        "No answer; voicemail full. Texted the team number.",
        "Number out of service; will ask family for a new one.",
    ),
    (_T.VIDEO, _CO.ENGAGED): ("Video call from the clinic; 20 minutes.",),
    (_T.VIDEO, _CO.BRIEF_ENGAGEMENT): ("Video call on {relation}'s phone; a few minutes.",),
    (_T.VIDEO, _CO.REFUSED): ("Joined the video call, then hung up after a minute.",),
    (_T.COLLATERAL_FAMILY, _CO.ENGAGED): (
        "Spoke with {relation} by phone; {subj} {is} staying there most nights.",
        "{Relation} called the team: things calmer this week.",
    ),
    (_T.COLLATERAL_FAMILY, _CO.BRIEF_ENGAGEMENT): (
        "Met {relation} in the lobby; will tell {obj} we came by.",
    ),
    (_T.COLLATERAL_PROVIDER, _CO.ENGAGED): (
        "Spoke with the intake coordinator at {provider}.",
        "Case conference by phone with {provider} staff.",
    ),
    (_T.COLLATERAL_PROVIDER, _CO.BRIEF_ENGAGEMENT): (
        "Left a message with {provider}; they called back briefly.",
    ),
    (_T.ATTEMPT, _CO.NOT_FOUND): (
        "No answer at the apartment; left a card under the door.",
        "Checked {landmark} and the block on {street}; not found.",
        "Neighbor says {subj} {has} not been around for a week.",
        "Shelter staff say {subj} left this morning; left a card with staff.",
    ),
}

CLOSING_NOTES: dict[ClosureReason | None, tuple[str, ...]] = {
    ClosureReason.DECEASED: (
        "{Relation} called: {name} died last week. Condolences offered; no further visits.",
    ),
    ClosureReason.MOVED_OUT_OF_AREA: (
        "{Subj} called from {poss} new place outside the city; gave local numbers.",
    ),
    ClosureReason.CONNECTED_TO_CARE: (
        "{provider} confirms {name} is attending; agreed to close with them leading care.",
    ),
}

CLINICAL_NOTES: dict[ContactOutcome, tuple[str, ...]] = {
    _CO.ENGAGED: (
        "Euthymic, linear; reports taking medication most days. Denies SI/HI. "
        "Agreed to an intake appointment.",
        "Guarded but engaged; paranoid ideation about neighbors, no intent to harm. Discussed IMT.",
        "Tearful about a recent loss; passive SI without plan or intent. Safety plan reviewed.",
        "Pressured speech, poor sleep for a week; possible mania. Accepted a clinic referral.",
        "Reports drinking less; cravings at night. Open to a substance-use program.",
        "Hears voices daily but 'they are quieter'. Restarted medication two weeks ago.",
    ),
    _CO.BRIEF_ENGAGEMENT: (
        "Limited interview; appeared internally preoccupied. No acute risk observed.",
        "Brief check-in; mood 'okay'. Declined to discuss medication.",
        "Appeared intoxicated; brief safety check only.",
    ),
    _CO.REFUSED: (
        "Refused assessment; no signs of acute distress.",
        "Irritable, declined services; no statements of harm.",
    ),
    _CO.CRISIS_TRANSPORT_VOLUNTARY: (
        "Escalating SI with a plan; agreed to evaluation at {destination}.",
        "Acute psychosis, not eating for days; accepted voluntary evaluation.",
    ),
    _CO.CRISIS_TRANSPORT_INVOLUNTARY: (
        "Imminent risk to self; could not engage in safety planning. Removal for evaluation.",
        "Command hallucinations to harm others; imminent risk. Removal for evaluation.",
    ),
    _CO.ARREST: (
        "Agitated and disorganized before the arrest; will follow up with Correctional Health.",
    ),
}

CLINICAL_COLLATERAL_FAMILY = (
    "{Relation} reports {subj} stopped medication a month ago and sleeps all day.",
    "{Relation} worried about talk of 'ending it'; reviewed warning signs and 988.",
    "{Relation} says {name} is eating again and took medication this week.",
)

CLINICAL_COLLATERAL_PROVIDER = (
    "{provider} confirms intake booked; psychiatrist visit pending.",
    "{provider} reports missed appointments; agreed to joint outreach.",
    "Shared history with {provider} under the signed consent.",
)

ADDENDA: tuple[tuple[str, str | None, str | None], ...] = (
    ("Corrected time of visit", "Visit was an hour earlier than entered.", None),
    ("Added detail after a call with shelter staff", "Shelter bed held until Friday.", None),
    ("Late entry: no signal in the building", "Entered from the office after the visit.", None),
    ("Added clinical detail", None, "Also reported poor sleep for five nights."),
    ("Corrected location", "Met on the next block, not at the listed corner.", None),
)

OPERATIONAL_ADDENDA = tuple(a for a in ADDENDA if a[1] is not None)

TARGET_NAMES: dict[LinkageKind, tuple[str, ...]] = {
    LinkageKind.OUTPATIENT_CLINIC: ("Private psychiatrist (Dr. Feldman)", "Clinic in Yonkers"),
    LinkageKind.SUBSTANCE_USE_PROGRAM: ("Methadone program (OTP) on Lafayette Ave",),
    LinkageKind.PRIMARY_CARE: ("Family doctor on Church Ave",),
    LinkageKind.HOUSING: ("NYCHA transfer application", "Safe Haven bed via DHS"),
    LinkageKind.BENEFITS: ("SNAP recertification at HRA", "SSI application"),
    LinkageKind.PEER_SUPPORT: ("Clubhouse near home",),
    LinkageKind.LEGAL: ("Legal Aid Society housing unit",),
}

LINKAGE_NOTES = (
    "Prefers a clinician who speaks {language}.",
    "Needs a MetroCard to get there.",
    "{Subj} would rather go in the afternoon.",
    "Ask for the walk-in hours first.",
)

STEP_NOTES: dict[LinkageStatus, tuple[str, ...]] = {
    _L.IDENTIFIED: ("Discussed at a visit; {subj} {is} interested.", "Raised by {relation}."),
    _L.REFERRED: ("Referral sent to {target} with consent.", "Called {target}; paperwork sent."),
    _L.WAITLISTED: ("On the waitlist at {target}; about {weeks} weeks.",),
    _L.APPOINTMENT_SCHEDULED: ("Intake booked at {target}.", "Appointment set; team will escort."),
    _L.CONNECTED: ("Attended; confirmed.", "Now seeing {target} regularly."),
    _L.NOT_CONNECTED: ("Closed the referral.", "Did not happen; see reason."),
}

RESCHEDULE_NOTES = (
    "Missed the first appointment; rebooked.",
    "{target} moved the appointment.",
    "Rebooked for an afternoon slot; mornings are hard for {obj}.",
)

VERIFIERS: dict[VerificationMethod, tuple[str, ...]] = {
    VerificationMethod.PROVIDER_CONFIRMED: (
        "Intake coordinator, {target}",
        "Program director, {target}",
    ),
    VerificationMethod.ATTENDED_WITH_STAFF: ("{clinician} (attended with the person)",),
    VerificationMethod.RECORDS: ("PSYCKES record, checked by {clinician}", "Appointment record"),
    VerificationMethod.PERSON_REPORTED_AND_CONFIRMED: (
        "Appointment card seen by {clinician}",
        "Medication bottle from {target} seen at home visit",
    ),
}

NOT_CONNECTED_REASONS = (
    "Declined after the intake appointment was scheduled.",
    "Missed three appointments; the program closed the referral.",
    "Program not taking new referrals.",
    "Insurance not accepted; looking for another program.",
    "Family member declined contact.",
    "Moved out of the program's catchment area.",
)
