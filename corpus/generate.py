#!/usr/bin/env python3
"""Generate phiscan's labelled accuracy corpus.

    python3 corpus/generate.py [OUTDIR]      (default: the directory of this script)

Deletes and rewrites OUTDIR/files/ and OUTDIR/labels.jsonl. Standard library only and fully
deterministic: every random choice comes from random.Random seeded with a fixed string (string
seeds are hashed with SHA-512, so PYTHONHASHSEED has no effect), no clock is read, and no set is
ever iterated. Running it twice gives byte-identical output.

How labels are made: every generator builds its text from a template in which each expected
finding is a marker returned by Doc.v(kind, display, norm). Rendering replaces the markers and
records one label per occurrence, in order of appearance. Everything else in a file is noise
chosen so that it is *not* a finding under the labelling rules (see README.md).

Self-check (runs after every generation, aborts on any problem): an independent reference
scanner (the "oracle" at the end of this file) re-reads every written file from its bytes,
decodes it, finds every finding the rules define (free text with keyword windows, CSV/TSV
column headers, HL7 v2, X12, FHIR JSON) and must reproduce labels.jsonl exactly, in order.
It also rejects grey-zone constructs the rules leave open (e.g. an unlabelled date within reach
of a DOB keyword, a bare 9-digit number near an SSN-ish word, "ddd ddd dddd" phone layouts), so
the corpus stays unambiguous. Identifiers are re-validated (SSN ranges, Luhn, DEA checksum, MBI
position rules) and file paths are checked for duplicates.
"""
from __future__ import annotations

import bisect
import datetime as dt
import json
import os
import random
import re
import shutil
import struct
import sys
import textwrap
import unicodedata
import zlib

SEED = "phiscan-accuracy-corpus/v1"
KINDS = ("ssn", "mrn", "dob", "insurance_id", "npi", "dea", "credit_card", "itin", "phone", "email")


def rng_for(name: str) -> random.Random:
    return random.Random(f"{SEED}|{name}")


# ----------------------------------------------------------------------------------------------
# Identifier rules (shared by the generator and the oracle)
# ----------------------------------------------------------------------------------------------

FAKE_SSNS = {"078051120", "219099999", "123456789"} | {f"98765432{i}" for i in range(10)}
ITIN_GROUPS = set(range(50, 66)) | set(range(70, 89)) | {90, 91, 92} | set(range(94, 100))
DEA_FIRST = "ABCDEFGHJKLMPRSTUX"
MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"
TEST_CARDS = {"4111111111111111", "4242424242424242", "5555555555554444", "378282246310005",
              "6011111111111117", "4012888888881881"}
HICN_SUFFIXES = ["A", "B", "B1", "C1", "C2", "D", "D1", "E", "HA", "HB", "M", "T", "W"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
MON3 = [m[:3] for m in MONTHS]


def digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def alnum_upper(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", s).upper()


def luhn_ok(num: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(num)):
        d = int(c)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_digit(partial: str) -> str:
    for c in "0123456789":
        if luhn_ok(partial + c):
            return c
    raise AssertionError


def ssn_valid(d9: str) -> bool:
    if not re.fullmatch(r"\d{9}", d9):
        return False
    area, group, serial = int(d9[:3]), int(d9[3:5]), int(d9[5:])
    if area == 0 or area == 666 or area >= 900 or group == 0 or serial == 0:
        return False
    if len(set(d9)) == 1 or d9 in FAKE_SSNS:
        return False
    return True


def itin_valid(d9: str) -> bool:
    return bool(re.fullmatch(r"9\d{8}", d9)) and int(d9[3:5]) in ITIN_GROUPS


def npi_valid(s: str) -> bool:
    return bool(re.fullmatch(r"[12]\d{9}", s)) and luhn_ok("80840" + s)


def dea_valid(s: str) -> bool:
    if not re.fullmatch(rf"[{DEA_FIRST}][A-Z9]\d{{7}}", s):
        return False
    d = [int(c) for c in s[2:]]
    return ((d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


MBI_RE = (rf"[1-9][{MBI_LETTERS}][{MBI_LETTERS}0-9]\d[{MBI_LETTERS}][{MBI_LETTERS}0-9]\d"
          rf"[{MBI_LETTERS}]{{2}}\d{{2}}")


def mbi_valid(s: str) -> bool:
    return bool(re.fullmatch(MBI_RE, s.replace("-", "")))


def card_iin_ok(d: str) -> bool:
    if d[0] == "4":
        return len(d) in (13, 16, 19)
    if len(d) == 16 and (51 <= int(d[:2]) <= 55 or 2221 <= int(d[:4]) <= 2720):
        return True
    if len(d) == 15 and d[:2] in ("34", "37"):
        return True
    if len(d) in (16, 19) and (d.startswith("6011") or 644 <= int(d[:3]) <= 649 or d.startswith("65")):
        return True
    return False


def card_valid(d: str) -> bool:
    return d.isdigit() and 13 <= len(d) <= 19 and luhn_ok(d) and card_iin_ok(d) and d not in TEST_CARDS


def nanp_valid(d10: str) -> bool:
    return bool(re.fullmatch(r"[2-9]\d\d[2-9]\d{6}", d10))


def mrn_token_ok(tok: str) -> bool:
    n = tok.replace("-", "")
    return bool(re.fullmatch(r"[A-Za-z0-9]{5,12}", n)) and sum(c.isdigit() for c in n) >= 4


def ins_token_ok(tok: str) -> bool:
    n = tok.replace("-", "")
    return bool(re.fullmatch(r"[A-Za-z0-9]{6,15}", n)) and sum(c.isdigit() for c in n) >= 4


def hicn_valid(tok: str) -> bool:
    m = re.fullmatch(r"(\d{9})([A-Z][A-Z0-9]?)", tok)
    return bool(m) and ssn_valid(m.group(1)) and m.group(2) in HICN_SUFFIXES


def two_digit_year(yy: int) -> int:
    return 2000 + yy if yy <= 25 else 1900 + yy


def normalize(kind: str, display: str) -> str:
    if kind in ("ssn", "itin"):
        v = digits(display)
        assert len(v) == 9, display
        return v
    if kind in ("mrn", "insurance_id", "npi", "dea"):
        return alnum_upper(display)
    if kind == "credit_card":
        return digits(display)
    if kind == "phone":
        v = digits(display)
        if len(v) == 11 and v[0] == "1":
            v = v[1:]
        assert len(v) == 10, display
        return v
    if kind == "email":
        return display.lower()
    raise ValueError(f"{kind} needs an explicit normalized value")


# ----------------------------------------------------------------------------------------------
# Random identifier generators
# ----------------------------------------------------------------------------------------------

AREA_CODES = ["206", "253", "425", "360", "503", "541", "971", "415", "510", "650", "408", "916",
              "707", "213", "310", "818", "619", "858", "702", "775", "602", "480", "520", "801",
              "303", "720", "512", "214", "713", "312", "773", "617", "212", "718", "646", "305",
              "404", "704", "919", "615", "208", "907", "808", "509", "458", "669", "925", "949"]


class Ids:
    """Generator of unique, format-valid fake identifiers."""

    def __init__(self, rng: random.Random):
        self.r = rng
        self.seen: set[str] = set()

    def _uniq(self, fn):
        for _ in range(1000):
            v = fn()
            if v not in self.seen:
                self.seen.add(v)
                return v
        raise AssertionError("could not make a unique value")

    def ssn(self) -> str:
        def f():
            while True:
                area = self.r.randint(1, 899)
                if area == 666:
                    continue
                v = f"{area:03d}{self.r.randint(1, 99):02d}{self.r.randint(1, 9999):04d}"
                if ssn_valid(v):
                    return v
        return self._uniq(f)

    def itin(self) -> str:
        groups = sorted(ITIN_GROUPS)
        return self._uniq(lambda: f"9{self.r.randint(0, 99):02d}{self.r.choice(groups):02d}"
                                  f"{self.r.randint(1, 9999):04d}")

    def npi(self) -> str:
        def f():
            base = self.r.choice("12") + "".join(self.r.choice("0123456789") for _ in range(8))
            return base + luhn_digit("80840" + base)
        return self._uniq(f)

    def dea(self, last_name: str) -> str:
        init = strip_accents(last_name)[0].upper()
        def f():
            first = self.r.choice("ABFGM" if self.r.random() < 0.9 else "CDPRX")
            second = init if self.r.random() < 0.95 else "9"
            d = [self.r.randint(0, 9) for _ in range(6)]
            chk = ((d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5])) % 10
            return first + second + "".join(map(str, d)) + str(chk)
        return self._uniq(f)

    def mbi(self) -> str:
        L, r = MBI_LETTERS, self.r
        def an():
            return r.choice(L + "0123456789")
        def d():
            return r.choice("0123456789")
        return self._uniq(lambda: r.choice("123456789") + r.choice(L) + an() + d() + r.choice(L) + an()
                          + d() + r.choice(L) + r.choice(L) + d() + d())

    def card(self, brand: str) -> str:
        r = self.r
        def f():
            if brand == "visa":
                p, n = "4", 16
            elif brand == "mc":
                p, n = (str(r.randint(51, 55)) if r.random() < 0.75 else str(r.randint(2221, 2720))), 16
            elif brand == "amex":
                p, n = r.choice(["34", "37"]), 15
            else:
                p, n = r.choice(["6011", "65", str(r.randint(644, 649))]), 16
            body = p + "".join(r.choice("0123456789") for _ in range(n - len(p) - 1))
            v = body + luhn_digit(body)
            assert card_valid(v)
            return v
        return self._uniq(f)

    def phone(self, area: str | None = None) -> str:
        r = self.r
        def f():
            a = area or r.choice(AREA_CODES)
            if r.random() < 0.06:
                ex = "555"
            else:
                while True:
                    ex = str(r.randint(201, 989))
                    if ex[1:] != "11" and ex != "555" and ex[0] in "23456789":
                        break
            return a + ex + f"{r.randint(0, 9999):04d}"
        return self._uniq(f)

    def digits(self, n: int, first: str = "123456789") -> str:
        return self._uniq(lambda: self.r.choice(first) + "".join(self.r.choice("0123456789")
                                                                 for _ in range(n - 1)))


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def fmt_ssn(v: str, style: str = "dash") -> str:
    if style == "dash":
        return f"{v[:3]}-{v[3:5]}-{v[5:]}"
    if style == "space":
        return f"{v[:3]} {v[3:5]} {v[5:]}"
    return v


def fmt_phone(v: str, style: str) -> str:
    a, e, l = v[:3], v[3:6], v[6:]
    return {"paren": f"({a}) {e}-{l}", "dash": f"{a}-{e}-{l}", "dot": f"{a}.{e}.{l}",
            "intl": f"+1 {a} {e} {l}", "one": f"1-{a}-{e}-{l}", "bare": v}[style]


def fmt_card(v: str, sep: str = " ") -> str:
    if len(v) == 15:
        return f"{v[:4]}{sep}{v[4:10]}{sep}{v[10:]}"
    return sep.join(v[i:i + 4] for i in range(0, len(v), 4))


def fmt_mbi(v: str, dashed: bool) -> str:
    return f"{v[:4]}-{v[4:7]}-{v[7:]}" if dashed else v


def yy_ok(d: dt.date) -> bool:
    return two_digit_year(d.year % 100) == d.year


DOB_STYLES = ["us", "us", "us_nopad", "us_short", "iso", "mon", "month", "dmonth", "dmy_abbr", "dotted"]


def dob_style(r: random.Random, d: dt.date) -> str:
    """A varied DOB format for free text; the dotted form only where it cannot be misread."""
    if d.day == d.month and r.random() < 0.8:
        return "dotted"
    return r.choice(DOB_STYLES)


def fmt_date(d: dt.date, style: str) -> str:
    """Format a date. Two-digit-year styles fall back when the year would not round-trip, and
    the dotted style (01.02.1980: month.day or day.month?) is only used when day == month."""
    if style in ("us_short", "dmy_abbr") and not yy_ok(d):
        style = "us"
    if style == "dotted" and d.day != d.month:
        style = "us"
    if style == "us":
        return f"{d.month:02d}/{d.day:02d}/{d.year}"
    if style == "us_nopad":
        return f"{d.month}/{d.day}/{d.year}"
    if style == "us_short":
        return f"{d.month}/{d.day}/{d.year % 100:02d}"
    if style == "iso":
        return d.isoformat()
    if style == "mon":
        return f"{MON3[d.month - 1]} {d.day}, {d.year}"
    if style == "month":
        return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"
    if style == "dmonth":
        return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    if style == "dmy_abbr":
        return f"{d.day}-{MON3[d.month - 1]}-{d.year % 100:02d}"
    if style == "dotted":
        return f"{d.month:02d}.{d.day:02d}.{d.year}"
    if style == "compact":
        return d.strftime("%Y%m%d")
    raise ValueError(style)


# ----------------------------------------------------------------------------------------------
# Documents with labelled values
# ----------------------------------------------------------------------------------------------

MARK_RE = re.compile("\u27e6(\\d+)\u27e7")


class Doc:
    """Collects labelled values; v() returns a marker to embed in the text template."""

    def __init__(self):
        self.vals: list[tuple[str, str, str]] = []

    def v(self, kind: str, display: str, norm: str | None = None) -> str:
        assert kind in KINDS
        if norm is None:
            norm = normalize(kind, display)
        self.vals.append((kind, display, norm))
        return f"\u27e6{len(self.vals) - 1}\u27e7"

    # shorthands
    def dob(self, d: dt.date, style: str) -> str:
        return self.v("dob", fmt_date(d, style), d.isoformat())

    def ssn(self, v: str, style: str = "dash") -> str:
        return self.v("itin" if v[0] == "9" else "ssn", fmt_ssn(v, style), v)

    def phone(self, v: str, style: str) -> str:
        return self.v("phone", fmt_phone(v, style), v)

    def email(self, e: str) -> str:
        return self.v("email", e)

    def card(self, v: str, sep: str = " ") -> str:
        return self.v("credit_card", fmt_card(v, sep) if sep else v, v)

    def render(self, template: str) -> tuple[str, list[tuple[str, str, str]]]:
        labels: list[tuple[str, str, str]] = []

        def rep(m):
            kind, display, norm = self.vals[int(m.group(1))]
            labels.append((kind, norm, display))
            return display
        text = MARK_RE.sub(rep, template)
        assert "\u27e6" not in text and "\u27e7" not in text
        return text, labels


class Corpus:
    def __init__(self):
        self.files: dict[str, dict] = {}

    def free(self, path: str) -> str:
        """Make a colliding generated file name unique (deterministically)."""
        base, ext = os.path.splitext(path)
        n = 2
        while path in self.files:
            path = f"{base}_{n}{ext}"
            n += 1
        return path

    def add(self, path: str, doc: Doc | None, template: str, enc: str = "utf-8", crlf: bool = False):
        path = self.free(path)
        assert not path.startswith("/") and ".." not in path
        if doc is None:
            doc = Doc()
        text, labels = doc.render(template)
        if crlf:
            text = re.sub(r"\r?\n", "\r\n", text)
        self.files[path] = {"text": text, "labels": labels, "enc": enc}

    def add_binary(self, path: str, data: bytes):
        path = self.free(path)
        self.files[path] = {"bytes": data, "labels": [], "enc": "binary"}


def encode_text(text: str, enc: str) -> bytes:
    if enc == "utf-8":
        return text.encode("utf-8")
    if enc == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if enc == "utf-16le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if enc == "utf-16be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    if enc == "utf-16le":
        return text.encode("utf-16-le")
    if enc == "cp1252":
        return text.encode("cp1252")  # raises if a character is not representable
    raise ValueError(enc)


def decode_bytes(data: bytes, enc: str) -> str:
    if enc == "utf-8":
        return data.decode("utf-8")
    if enc == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
        return data[3:].decode("utf-8")
    if enc == "utf-16le-bom":
        assert data.startswith(b"\xff\xfe")
        return data[2:].decode("utf-16-le")
    if enc == "utf-16be-bom":
        assert data.startswith(b"\xfe\xff")
        return data[2:].decode("utf-16-be")
    if enc == "utf-16le":
        return data.decode("utf-16-le")
    if enc == "cp1252":
        return data.decode("cp1252")
    raise ValueError(enc)


# ----------------------------------------------------------------------------------------------
# Synthetic population
# ----------------------------------------------------------------------------------------------

FIRST_F = ["Mary", "Linda", "Susan", "Karen", "Lisa", "Nancy", "Emily", "Jessica", "Ashley", "Amanda",
           "Megan", "Rachel", "Hannah", "Olivia", "Emma", "Ava", "Sophia", "Isabella", "Mia", "Chloe",
           "Grace", "Lily", "Abigail", "Harper", "Madison", "Brooke", "Kayla", "Tiffany", "Deborah",
           "Patricia", "Barbara", "Margaret", "Dorothy", "Helen", "Ruth", "Joan", "Judith", "Carol",
           "Janet", "Gloria", "Teresa", "Rosa", "Ana", "Priya", "Aisha", "Mei", "Yuki", "Fatima",
           "Leilani", "Keiko", "Nadia", "Olga", "Ingrid", "Tamika", "Latoya", "Shanice", "Imani",
           "Guadalupe", "Xiomara", "Daniela", "Valentina", "Camila", "Lucia", "Beatriz", "Thi", "Linh",
           "Hoa", "Sun-Hee", "Ji-woo", "Anjali", "Deepa", "Farah", "Hadley", "Willow", "Quinn"]
FIRST_M = ["James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
           "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Paul", "Andrew", "Joshua",
           "Kevin", "Brian", "George", "Edward", "Ronald", "Timothy", "Jason", "Jeffrey", "Ryan",
           "Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Larry", "Justin", "Scott", "Brandon",
           "Benjamin", "Samuel", "Noah", "Liam", "Ethan", "Mason", "Logan", "Lucas", "Elijah", "Owen",
           "Carlos", "Luis", "Miguel", "Juan", "Diego", "Mateo", "Santiago", "Ahmed", "Omar", "Hassan",
           "Wei", "Hiroshi", "Kenji", "Minh", "Tuan", "Raj", "Arjun", "Vikram", "Dmitri", "Ivan",
           "Kwame", "Tariq", "DeShawn", "Malik", "Tyrone", "Keanu", "Kai", "Rowan", "Emmett", "Silas"]
ACCENT_F = ["José", "María", "Sofía", "Inés", "Renée", "Zoë", "Chloé", "Hélène", "Françoise", "Noémie",
            "Begoña", "Mónica", "Raquel", "Sinéad", "Åsa", "Björg"]
ACCENT_M = ["José", "Andrés", "Raúl", "Jesús", "Joël", "François", "Jürgen", "Günther", "René",
            "Sébastien", "Íñigo", "Néstor", "Óscar", "Ramón", "Zoltán", "Søren"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
        "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark",
        "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green",
        "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell",
        "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers",
        "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox",
        "Richardson", "Wood", "Watson", "Brooks", "Bennett", "Gray", "James", "Hughes", "Price",
        "Sanders", "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins", "Perry", "Russell",
        "Sullivan", "Fisher", "Henderson", "Coleman", "Simmons", "Patterson", "Jordan", "Reynolds",
        "Hamilton", "Graham", "Kim", "Nguyen", "Tran", "Le", "Pham", "Chen", "Wang", "Li", "Zhang",
        "Liu", "Park", "Choi", "Tanaka", "Yamamoto", "Sato", "Patel", "Shah", "Singh", "Kumar",
        "Gupta", "Khan", "Ali", "Hassan", "Garcia", "Rodriguez", "Martinez", "Lopez", "Gonzalez",
        "Perez", "Sanchez", "Ramirez", "Torres", "Flores", "Rivera", "Diaz", "Cruz", "Morales",
        "Reyes", "Ortiz", "Gutierrez", "Chavez", "Ramos", "Ruiz", "Alvarez", "Mendoza", "Castillo",
        "Vasquez", "Kowalski", "Novak", "Ivanov", "Petrov", "Olsen", "Larsen", "Johansson", "O'Brien",
        "O'Connor", "McCarthy", "MacDonald", "Fitzgerald", "Okafor", "Mensah", "Abebe", "Haile",
        "Kealoha", "Akana", "Begay", "Yazzie", "Whitehorse", "Dubois", "Lefebvre", "Rossi", "Bianchi",
        "Schmidt", "Schneider", "Fischer", "Weber", "Hoffmann", "Van der Berg", "De Vries", "Cohen",
        "Levi", "Friedman", "Goldberg", "Nakamura", "Watanabe", "Hayashi", "Lim", "Tan", "Wong"]
ACCENT_LAST = ["Núñez", "Peña", "Muñoz", "Ibáñez", "Hernández", "Gómez", "Jiménez", "Martínez",
               "Rodríguez", "Sánchez", "Pérez", "Müller", "Schröder", "Bäcker", "Grüber", "Lefèvre",
               "Béranger", "Côté", "Gagné", "Ferrão", "Gonçalves", "Castaño", "Ordóñez", "Íñiguez"]
STREETS = ["Hawthorne Blvd", "Division St", "Belmont St", "Alberta St", "Mississippi Ave", "Foster Rd",
           "Powell Blvd", "Sandy Blvd", "Burnside St", "Broadway", "Main St", "Oak St", "Pine St",
           "Maple Ave", "Cedar Ln", "Elm St", "Washington St", "Jefferson St", "Lincoln Ave", "Park Ave",
           "Lakeview Dr", "Hillcrest Rd", "Sunset Blvd", "River Rd", "Mill Plain Blvd", "Fourth Plain Blvd",
           "Pacific Ave", "6th Ave", "Canyon Rd", "Murray Blvd", "Cornell Rd", "Baseline Rd",
           "Boones Ferry Rd", "Kruse Way", "Stark St", "Glisan St", "Killingsworth St", "Lombard St",
           "Columbia Blvd", "Evergreen Pkwy", "Highland Dr", "Meadow Ln", "Birch Ct", "Willow Way",
           "Orchard St", "Chestnut St", "Harbor Dr", "Bay St", "Ridgeview Ct", "Fir Grove Ln"]
STREET_PREFIX = ["", "", "", "NE ", "SE ", "NW ", "SW ", "N ", "S ", "E ", "W "]
CITIES = [("Portland", "OR", ["97201", "97202", "97206", "97211", "97212", "97214", "97217", "97219",
                              "97220", "97230", "97232", "97266"]),
          ("Beaverton", "OR", ["97005", "97006", "97007", "97008"]),
          ("Hillsboro", "OR", ["97123", "97124"]), ("Gresham", "OR", ["97030", "97080"]),
          ("Tigard", "OR", ["97223", "97224"]), ("Lake Oswego", "OR", ["97034", "97035"]),
          ("Milwaukie", "OR", ["97222", "97267"]), ("Oregon City", "OR", ["97045"]),
          ("Salem", "OR", ["97301", "97302", "97304", "97306"]), ("Tualatin", "OR", ["97062"]),
          ("Vancouver", "WA", ["98660", "98661", "98662", "98664", "98682", "98683", "98684", "98686"]),
          ("Camas", "WA", ["98607"]), ("Battle Ground", "WA", ["98604"]),
          ("Tacoma", "WA", ["98402", "98403", "98405", "98406", "98409"]),
          ("Longview", "WA", ["98632"])]


class P:
    """A plain record."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def name(self, style: str = "fl") -> str:
        if style == "fl":
            return f"{self.first} {self.last}"
        if style == "lf":
            return f"{self.last}, {self.first}"
        if style == "LF":
            return f"{self.last.upper()}, {self.first.upper()}"
        if style == "fil":
            return f"{self.first[0]}. {self.last}"
        raise ValueError(style)


def rand_date(r: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=r.randint(0, (end - start).days))


def make_address(r: random.Random) -> dict:
    city, st, zips = r.choice(CITIES)
    z = r.choice(zips)
    return {"street": f"{r.randint(100, 19999)} {r.choice(STREET_PREFIX)}{r.choice(STREETS)}",
            "unit": r.choice(["", "", "", "", f"Apt {r.randint(1, 40)}", f"Unit {r.choice('ABCD')}",
                              f"#{r.randint(100, 420)}"]),
            "city": city, "state": st, "zip": z, "zip4": f"{z}-{r.randint(1, 9999):04d}"}


def addr_line(a: dict, plus4: bool = False) -> str:
    unit = f" {a['unit']}" if a["unit"] else ""
    return f"{a['street']}{unit}, {a['city']}, {a['state']} {a['zip4'] if plus4 else a['zip']}"


def email_for(r: random.Random, first: str, last: str, domain: str | None = None) -> str:
    f = re.sub(r"[^a-z]", "", strip_accents(first).lower()) or "pt"
    l = re.sub(r"[^a-z]", "", strip_accents(last).lower()) or "x"
    if domain:
        local = r.choice([f"{f[0]}{l}", f"{f}.{l}", f"{f}"])
        return f"{local}@{domain}"
    local = r.choice([f"{f}.{l}", f"{f}{l}{r.randint(1, 99)}", f"{f[0]}{l}", f"{f}_{l}",
                      f"{l}{f[0]}{r.randint(60, 99)}", f"{f}{r.randint(1970, 2010)}", f"{f}.{l}{r.randint(1, 9)}"])
    dom = r.choice(["gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com", "hotmail.com",
                    "icloud.com", "comcast.net", "aol.com", "protonmail.com", "msn.com", "live.com"])
    e = f"{local}@{dom}"
    if r.random() < 0.08:
        e = e[0].upper() + e[1:]
    return e


PRACTICES = {
    "fm": P(key="fm", name="Harborview Family Medicine", short="HFM", domain="harborviewfm.com",
            street="2150 NE Broadway, Suite 300", city="Portland", state="OR", zip4="97232-1518",
            ein="93-1847520", mrn_label="MRN"),
    "dental": P(key="dental", name="Bright Smile Dental Group", short="BSDG", domain="brightsmiledental.com",
                street="8705 SW Nimbus Ave, Suite 140", city="Beaverton", state="OR", zip4="97008-7120",
                ein="93-2210948", mrn_label="Chart #"),
    "peds": P(key="peds", name="Cedar Creek Pediatrics", short="CCP", domain="cedarcreekpeds.org",
              street="1601 SE 164th Ave, Bldg B", city="Vancouver", state="WA", zip4="98683-9614",
              ein="91-2047716", mrn_label="Patient ID"),
}

COMMERCIAL = [
    # key, display, kind ("med"/"dent"), member id maker
    ("bcbs", "Blue Cross Blue Shield", "med"),
    ("regence", "Regence BlueCross BlueShield", "med"),
    ("aetna", "Aetna PPO", "med"),
    ("cigna", "Cigna Open Access Plus", "med"),
    ("uhc", "UnitedHealthcare Choice Plus", "med"),
    ("humana", "Humana Gold Plus", "med"),
    ("providence", "Providence Health Plan", "med"),
    ("pacificsource", "PacificSource Health Plans", "med"),
    ("kaiser", "Kaiser Permanente NW", "med"),
    ("delta", "Delta Dental of Oregon", "dent"),
    ("metlife", "MetLife Dental PDP", "dent"),
    ("guardian", "Guardian Dental", "dent"),
]
BCBS_PREFIXES = ["XEH", "YLS", "ZGP", "QMF", "JQU", "RBK", "YDW", "XJN", "ZHA", "TWQ"]


def member_id(r: random.Random, payer: str) -> str:
    d = lambda n: "".join(r.choice("0123456789") for _ in range(n))
    while True:
        if payer in ("bcbs", "regence"):
            v = r.choice(BCBS_PREFIXES) + d(9)
        elif payer == "aetna":
            v = "W" + d(9)
        elif payer == "cigna":
            v = "U" + r.choice("12345678") + d(7) + r.choice(["01", "02", "03"])
        elif payer == "uhc":
            v = "9" + d(8)
        elif payer == "humana":
            v = "H" + r.choice("12345678") + d(7)
        elif payer == "providence":
            v = "PHP" + d(8)
        elif payer == "pacificsource":
            v = "PS" + d(9)
        elif payer == "kaiser":
            v = "NW" + d(8)
        elif payer == "delta":
            v = "DDO" + d(9)
        elif payer == "metlife":
            v = "ML" + d(10)
        elif payer == "guardian":
            v = "GD" + d(8)
        elif payer == "medicaid_or":
            v = r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + d(5) + r.choice("ABCDEFGHJKLMNPRSTUVWXYZ")
        elif payer == "medicaid_wa":
            v = d(9) + "WA"
        else:
            raise ValueError(payer)
        if ins_token_ok(v) and not dea_valid(v) and not mbi_valid(v):
            return v


def group_no(r: random.Random) -> str:
    return r.choice([f"{r.randint(10000, 999999):07d}", f"{r.randint(100000, 999999)}",
                     f"GRP{r.randint(1000, 99999)}", f"{r.randint(1000, 9999)}-{r.randint(100, 999)}"])


def build_population():
    r = rng_for("population")
    ids = Ids(rng_for("ids"))
    pop = P(ids=ids)

    # --- providers (internal) ---
    prov_specs = [("fm", "MD", "Family Medicine", True), ("fm", "MD", "Family Medicine", True),
                  ("fm", "DO", "Family Medicine", True), ("fm", "MD", "Internal Medicine", True),
                  ("fm", "NP", "Family Nurse Practitioner", True), ("fm", "PA-C", "Physician Assistant", True),
                  ("fm", "MD", "Sports Medicine", True),
                  ("dental", "DDS", "General Dentistry", True), ("dental", "DMD", "General Dentistry", True),
                  ("dental", "DDS", "Pediatric Dentistry", True), ("dental", "RDH", "Dental Hygiene", False),
                  ("dental", "RDH", "Dental Hygiene", False), ("dental", "RDH, EFDA", "Dental Hygiene", False),
                  ("peds", "MD", "Pediatrics", True), ("peds", "MD", "Pediatrics", True),
                  ("peds", "DO", "Pediatrics", True), ("peds", "CPNP", "Pediatric Nurse Practitioner", True)]
    pop.providers = []
    for i, (pk, cred, spec, rx) in enumerate(prov_specs):
        sex = r.choice("FM")
        first = r.choice(FIRST_F if sex == "F" else FIRST_M)
        last = r.choice(LAST)
        pr = P(first=first, last=last, cred=cred, spec=spec, practice=pk, npi=ids.npi(),
               dea=ids.dea(last) if rx else None, email=email_for(r, first, last, PRACTICES[pk].domain),
               direct=ids.phone("503" if pk != "peds" else "360"), ext=str(r.randint(201, 260)),
               license=f"{r.choice(['MD', 'DO', 'DN', 'NP', 'PA', 'DH'])}{r.randint(10000, 99999)}",
               dob=rand_date(r, dt.date(1955, 1, 1), dt.date(1992, 12, 31)), ssn=ids.ssn())
        pop.providers.append(pr)
    for pk, pr in PRACTICES.items():
        pr.phone = ids.phone("503" if pk != "peds" else "360")
        pr.fax = ids.phone(pr.phone[:3])
        pr.npi = ids.npi()
        pr.billing_email = f"billing@{pr.domain}"
        pr.frontdesk_email = r.choice(["frontdesk", "reception", "appointments", "info"]) + "@" + pr.domain
        pr.providers = [p for p in pop.providers if p.practice == pk]

    # --- external providers / referral partners ---
    ext_specs = [("Cardiology", "Rose City Cardiology"), ("Orthopedics", "Cascade Orthopedic Associates"),
                 ("Dermatology", "Willamette Dermatology"), ("Endocrinology", "Pearl District Endocrinology"),
                 ("Gastroenterology", "Northwest GI Specialists"), ("Neurology", "Columbia Neurology Group"),
                 ("Oral Surgery", "Riverside Oral & Maxillofacial Surgery"), ("Periodontics", "Tualatin Valley Periodontics"),
                 ("Orthodontics", "Sunnyside Orthodontics"), ("Endodontics", "Pacific Endodontic Partners"),
                 ("Physical Therapy", "Motion Rehab PT"), ("Ophthalmology", "Clearview Eye Clinic"),
                 ("Allergy", "Allergy & Asthma Center of SW Washington"), ("ENT", "Mt. Hood ENT"),
                 ("Psychiatry", "Bridgeview Behavioral Health"), ("Pulmonology", "Emerald Pulmonary Clinic"),
                 ("Radiology", "Summit Imaging"), ("Podiatry", "Footwise Podiatry"),
                 ("Urology", "Lloyd Center Urology"), ("Rheumatology", "Eastside Rheumatology")]
    pop.externals = []
    for spec, org in ext_specs:
        sex = r.choice("FM")
        first = r.choice(FIRST_F if sex == "F" else FIRST_M)
        last = r.choice(LAST + ACCENT_LAST[:4])
        dom = re.sub(r"[^a-z]", "", org.lower().replace("&", ""))[:18] + r.choice([".com", ".org", ".net"])
        a = make_address(r)
        pop.externals.append(P(first=first, last=last, cred=r.choice(["MD", "MD", "DO", "DDS", "DMD"]) if spec not in
                               ("Oral Surgery", "Periodontics", "Orthodontics", "Endodontics") else r.choice(["DDS", "DMD"]),
                               spec=spec, org=org, npi=ids.npi(), dea=ids.dea(last), phone=ids.phone(),
                               fax=ids.phone(), email=email_for(r, first, last, dom), addr=a, domain=dom))
        if spec == "Physical Therapy":
            pop.externals[-1].cred = "DPT"
            pop.externals[-1].dea = None

    # --- patients ---
    pop.patients = []
    for i in range(620):
        practice = r.choices(["fm", "dental", "peds"], [0.45, 0.35, 0.20])[0]
        sex = r.choice("FM")
        accented = r.random() < 0.12
        if accented:
            first = r.choice((ACCENT_F if sex == "F" else ACCENT_M) + (FIRST_F if sex == "F" else FIRST_M))
            last = r.choice(ACCENT_LAST)
        else:
            first = r.choice(FIRST_F if sex == "F" else FIRST_M)
            last = r.choice(LAST)
        if practice == "peds":
            dob = rand_date(r, dt.date(2005, 1, 1), dt.date(2023, 10, 31))
        else:
            dob = rand_date(r, dt.date(1930, 1, 1), dt.date(2016, 12, 31))
        if r.random() < 0.08:
            dob = dt.date(dob.year, dob.month, dob.month)   # day == month: the dotted form is unambiguous
        age = 2025 - dob.year
        p = P(idx=i, first=first, last=last, sex=sex, dob=dob, practice=practice, addr=make_address(r),
              accented=accented, middle=r.choice("ABCDEFGHJKLMNPRSTW"))
        p.phone = ids.phone()
        p.cell = ids.phone() if r.random() < 0.5 else None
        p.work = ids.phone() if r.random() < 0.15 else None
        p.email = email_for(r, first, last) if r.random() < 0.7 else None
        roll = r.random()
        p.ssn = ids.ssn() if roll < 0.72 else None
        p.itin = ids.itin() if 0.72 <= roll < 0.8 else None
        p.mrn = {}
        p.mrn["fm"] = f"{r.randint(10000, 999999):08d}"
        p.mrn["dental"] = r.choice(["BSD", "BS"]) + str(r.randint(10000, 99999))
        p.mrn["peds"] = f"CC-{r.randint(100000, 399999)}"
        p.hosp_mrn = str(r.randint(1000000, 9999999))
        p.acct = r.choice([str(r.randint(10000, 99999)), str(r.randint(100000, 999999)), f"G{r.randint(10000, 99999)}"])
        # insurance
        p.mbi = p.hicn = p.medicaid = None
        if age >= 65:
            p.payer = "medicare"
            p.mbi = ids.mbi()
            if p.ssn and r.random() < 0.5:
                p.hicn = p.ssn + r.choice(HICN_SUFFIXES)
            p.member = None
            p.group = None
            sup = r.choice(["aetna", "uhc", "humana", "regence", None])
            p.sup_payer = sup
            p.sup_member = member_id(r, sup) if sup else None
        elif r.random() < 0.2:
            st = p.addr["state"]
            p.payer = "medicaid_wa" if st == "WA" else "medicaid_or"
            p.medicaid = member_id(r, p.payer)
            p.member = p.medicaid
            p.group = None
            p.sup_payer = None
        else:
            kind = "dent" if practice == "dental" else "med"
            p.payer = r.choice([c[0] for c in COMMERCIAL if c[2] == kind])
            p.member = member_id(r, p.payer)
            p.group = group_no(r)
            p.sup_payer = None
        p.dental_payer = r.choice(["delta", "metlife", "guardian"])
        p.dental_member = member_id(r, p.dental_payer)
        p.dental_group = group_no(r)
        if r.random() < 0.45:
            p.card_brand = r.choices(["visa", "mc", "amex", "disc"], [0.5, 0.3, 0.12, 0.08])[0]
            p.card = ids.card(p.card_brand)
            p.card_exp = f"{r.randint(1, 12):02d}/{r.randint(26, 30)}"
        else:
            p.card = None
        p.guardian = None
        if practice == "peds":
            gsex = r.choice("FM")
            p.guardian = P(first=r.choice(FIRST_F if gsex == "F" else FIRST_M), last=last,
                           rel="Mother" if gsex == "F" else "Father")
        p.provider = r.choice(PRACTICES[practice].providers)
        pop.patients.append(p)

    # --- employees ---
    roles = ["Front Desk Coordinator", "Front Desk Coordinator", "Medical Assistant", "Medical Assistant",
             "Medical Assistant", "Billing Specialist", "Billing Specialist", "Insurance Coordinator",
             "Office Manager", "Dental Assistant", "Dental Assistant", "Dental Assistant",
             "Scheduler", "Referral Coordinator", "Lab Technician", "Phlebotomist", "IT Support (part-time)",
             "Patient Care Coordinator", "Receptionist", "Receptionist", "Sterilization Tech",
             "Medical Records Clerk", "RN Care Manager", "LPN", "Hygiene Coordinator", "Bookkeeper",
             "Janitorial (part-time)", "Treatment Coordinator", "Practice Administrator",
             "Medical Assistant", "Dental Assistant", "Front Desk Coordinator", "Scribe", "Scribe"]
    pop.employees = []
    for i, role in enumerate(roles):
        sex = r.choice("FM")
        accented = r.random() < 0.15
        first = r.choice((ACCENT_F if sex == "F" else ACCENT_M) if accented else (FIRST_F if sex == "F" else FIRST_M))
        last = r.choice(ACCENT_LAST if accented else LAST)
        e = P(first=first, last=last, role=role, practice=r.choice(["fm", "dental", "peds"]),
              empid=str(10400 + i * 7 + r.randint(0, 6)), dob=rand_date(r, dt.date(1958, 1, 1), dt.date(2004, 6, 30)),
              hire=rand_date(r, dt.date(2008, 1, 1), dt.date(2024, 12, 31)), phone=ids.phone(),
              email=email_for(r, first, last), addr=make_address(r), accented=accented,
              rate=round(r.uniform(17.5, 42.0), 2), routing=r.choice(["123006800", "323070380", "325070760",
                                                                      "121000248", "122000661", "325081403"]),
              acct_last4=f"{r.randint(0, 9999):04d}", work_email=None, deposit=str(r.randint(10 ** 8, 10 ** 10 - 1)))
        if i % 5 == 2:
            e.ssn, e.itin = None, ids.itin()
        else:
            e.ssn, e.itin = ids.ssn(), None
        e.work_email = email_for(r, first, last, PRACTICES[e.practice].domain)
        pop.employees.append(e)

    # --- 1099 contractors ---
    pop.contractors = []
    for name, svc in [("Northwest Biomedical Repair", "equipment service"), ("Sparkle Commercial Cleaning", "janitorial"),
                      ("Dental Lab Express", "crowns & appliances"), ("Coastal IT Solutions", "managed IT"),
                      ("Locum Tenens", "locum coverage"), ("Rivera Landscaping", "grounds"),
                      ("Sign Language Interpreting", "ASL interpreting"), ("Mobile Shred NW", "document shredding"),
                      ("Locum Tenens", "locum hygiene"), ("Bookkeeping Plus", "bookkeeping"),
                      ("Courier", "lab courier"), ("Translation", "Spanish/Vietnamese interpreting")]:
        sex = r.choice("FM")
        first = r.choice(FIRST_F if sex == "F" else FIRST_M)
        last = r.choice(LAST + ACCENT_LAST[:6])
        is_itin = len(pop.contractors) % 3 == 1
        pop.contractors.append(P(first=first, last=last, biz=name, svc=svc,
                                 ssn=None if is_itin else ids.ssn(), itin=ids.itin() if is_itin else None,
                                 ein=f"{r.randint(20, 99)}-{r.randint(1000000, 9999999)}", phone=ids.phone(),
                                 email=email_for(r, first, last), addr=make_address(r)))
    return pop


def payer_name(key: str) -> str:
    for k, name, _ in COMMERCIAL:
        if k == key:
            return name
    return {"medicare": "Medicare Part B", "medicaid_or": "Oregon Health Plan (Medicaid)",
            "medicaid_wa": "Apple Health (WA Medicaid)"}[key]


# ----------------------------------------------------------------------------------------------
# Content helpers
# ----------------------------------------------------------------------------------------------


REASONS = {
    "Cardiology": ["palpitations and an abnormal ECG (frequent PVCs)", "exertional chest pressure, stress test requested",
                   "newly detected atrial fibrillation, CHA2DS2-VASc 3", "murmur heard on exam, echo requested"],
    "Orthopedics": ["persistent right knee pain after a fall, MRI shows medial meniscus tear",
                    "left shoulder pain with weakness, suspected rotator cuff tear", "chronic low back pain with radiculopathy"],
    "Dermatology": ["changing pigmented lesion on the left upper back", "psoriasis not controlled on topical steroids",
                    "suspicious lesion on the nose, r/o BCC"],
    "Endocrinology": ["type 2 diabetes with A1c 9.4% despite metformin and glipizide", "thyroid nodule 2.1 cm on ultrasound",
                      "suspected primary hyperparathyroidism (Ca 11.2)"],
    "Gastroenterology": ["screening colonoscopy, family history of colon cancer", "iron deficiency anemia, r/o GI source",
                         "chronic GERD symptoms refractory to PPI"],
    "Neurology": ["new onset migraines with aura", "numbness and tingling in both feet, EMG requested", "possible seizure episode"],
    "Oral Surgery": ["extraction of impacted #1, #16, #17, #32 under IV sedation", "evaluation for implant at site #19",
                     "biopsy of a white lesion on the left lateral tongue"],
    "Periodontics": ["generalized moderate periodontitis, 5-7 mm pockets posterior sextants", "gingival recession #24-#26, graft consult"],
    "Orthodontics": ["Class II malocclusion with crowding, ortho consult", "crossbite evaluation"],
    "Endodontics": ["#30 irreversible pulpitis, RCT requested", "retreatment of #8 with periapical radiolucency"],
    "Physical Therapy": ["post-op rehab after ACL reconstruction", "chronic neck pain, evaluate and treat"],
    "Ophthalmology": ["annual diabetic retinal exam", "decreased vision OS"],
    "Allergy": ["recurrent urticaria, allergy testing", "suspected peanut allergy in a child"],
    "ENT": ["recurrent tonsillitis (6 episodes this year)", "chronic sinusitis, CT attached"],
    "Psychiatry": ["treatment-resistant depression", "ADHD evaluation and medication management"],
    "Pulmonology": ["abnormal PFTs, suspected COPD", "incidental 8 mm lung nodule on CT"],
    "Radiology": ["CT abdomen/pelvis with contrast", "screening mammogram"],
    "Podiatry": ["diabetic foot exam, ulcer left great toe", "ingrown toenail, recurrent"],
    "Urology": ["elevated PSA 6.2", "recurrent kidney stones"],
    "Rheumatology": ["positive ANA with joint pain", "suspected gout, recurrent flares"],
}
MEDS = ["metformin 1000 mg BID", "lisinopril 20 mg daily", "atorvastatin 40 mg nightly", "amlodipine 5 mg daily",
        "levothyroxine 75 mcg daily", "omeprazole 20 mg daily", "sertraline 50 mg daily", "albuterol HFA 2 puffs q4h PRN",
        "hydrochlorothiazide 25 mg daily", "gabapentin 300 mg TID", "losartan 50 mg daily", "montelukast 10 mg nightly",
        "ibuprofen 600 mg q6h PRN", "cetirizine 10 mg daily", "fluticasone nasal 2 sprays daily", "vitamin D3 2000 IU daily",
        "aspirin 81 mg daily", "metoprolol succinate 50 mg daily", "escitalopram 10 mg daily", "insulin glargine 22 units qHS"]
ALLERGIES = ["NKDA", "Penicillin (rash)", "Sulfa (hives)", "Codeine (nausea)", "Latex", "Shellfish", "NKDA", "NKDA",
             "Amoxicillin (hives)", "Iodine contrast"]
ICD = [("I10", "Essential hypertension"), ("E11.9", "Type 2 diabetes mellitus without complications"),
       ("E78.5", "Hyperlipidemia, unspecified"), ("J06.9", "Acute upper respiratory infection"),
       ("M54.50", "Low back pain, unspecified"), ("F41.1", "Generalized anxiety disorder"),
       ("J45.909", "Unspecified asthma, uncomplicated"), ("K21.9", "GERD without esophagitis"),
       ("E03.9", "Hypothyroidism, unspecified"), ("Z00.00", "Encounter for general adult medical exam"),
       ("R51.9", "Headache, unspecified"), ("N39.0", "Urinary tract infection"), ("L70.0", "Acne vulgaris"),
       ("J02.9", "Acute pharyngitis"), ("H66.91", "Otitis media, right ear"), ("Z23", "Encounter for immunization"),
       ("K02.52", "Dental caries on pit and fissure surface penetrating into dentin"), ("K05.10", "Chronic gingivitis")]
CPT = [("99213", "Office/outpatient visit, est, low MDM", 145), ("99214", "Office/outpatient visit, est, moderate MDM", 210),
       ("99203", "Office/outpatient visit, new, low MDM", 190), ("99396", "Preventive visit, est, 40-64", 260),
       ("99395", "Preventive visit, est, 18-39", 240), ("90471", "Immunization admin, first", 35),
       ("90686", "Influenza vaccine, quadrivalent", 42), ("36415", "Venipuncture", 18), ("81002", "Urinalysis, non-auto", 12),
       ("93000", "ECG, 12-lead with interpretation", 65), ("87880", "Strep A rapid test", 28), ("96127", "Brief emotional/behavioral assessment", 22),
       ("99392", "Preventive visit, est, 1-4 yrs", 210), ("99393", "Preventive visit, est, 5-11 yrs", 215)]
CDT = [("D0120", "Periodic oral evaluation", 62), ("D0150", "Comprehensive oral evaluation", 98), ("D0210", "Intraoral complete series", 145),
       ("D0274", "Bitewings - four films", 68), ("D0330", "Panoramic radiograph", 115), ("D1110", "Prophylaxis - adult", 105),
       ("D1120", "Prophylaxis - child", 78), ("D1206", "Topical fluoride varnish", 39), ("D1351", "Sealant - per tooth", 52),
       ("D2330", "Resin composite - one surface, anterior", 165), ("D2391", "Resin composite - one surface, posterior", 185),
       ("D2392", "Resin composite - two surfaces, posterior", 235), ("D2740", "Crown - porcelain/ceramic", 1285),
       ("D2950", "Core buildup", 265), ("D3330", "Endodontic therapy, molar", 1150), ("D4341", "Perio scaling and root planing, 4+ teeth/quad", 245),
       ("D4910", "Periodontal maintenance", 145), ("D7140", "Extraction, erupted tooth", 185), ("D7210", "Surgical extraction", 295),
       ("D9110", "Palliative treatment of dental pain", 95)]
LABS = [("Glucose", "mg/dL", 70, 99, 60, 180), ("BUN", "mg/dL", 7, 20, 5, 35), ("Creatinine", "mg/dL", 0.6, 1.2, 0.5, 2.0),
        ("Sodium", "mmol/L", 136, 145, 130, 150), ("Potassium", "mmol/L", 3.5, 5.1, 3.0, 5.8), ("Chloride", "mmol/L", 98, 107, 94, 112),
        ("CO2", "mmol/L", 22, 29, 18, 32), ("Calcium", "mg/dL", 8.6, 10.3, 8.0, 11.2), ("ALT", "U/L", 7, 56, 5, 120),
        ("AST", "U/L", 10, 40, 8, 110), ("Total Cholesterol", "mg/dL", 0, 199, 130, 290), ("LDL Cholesterol", "mg/dL", 0, 99, 50, 210),
        ("HDL Cholesterol", "mg/dL", 40, 200, 25, 90), ("Triglycerides", "mg/dL", 0, 149, 50, 420), ("Hemoglobin A1c", "%", 4.0, 5.6, 4.8, 11.5),
        ("TSH", "uIU/mL", 0.45, 4.5, 0.1, 9.8), ("WBC", "K/uL", 4.0, 11.0, 3.1, 15.2), ("Hemoglobin", "g/dL", 12.0, 17.5, 9.5, 18.0),
        ("Platelets", "K/uL", 150, 400, 120, 520), ("Vitamin D, 25-OH", "ng/mL", 30, 100, 9, 75)]
LOINC = {"Glucose": "2345-7", "BUN": "3094-0", "Creatinine": "2160-0", "Sodium": "2951-2", "Potassium": "2823-3",
         "Chloride": "2075-0", "CO2": "2028-9", "Calcium": "17861-6", "ALT": "1742-6", "AST": "1920-8",
         "Total Cholesterol": "2093-3", "LDL Cholesterol": "13457-7", "HDL Cholesterol": "2085-9", "Triglycerides": "2571-8",
         "Hemoglobin A1c": "4548-4", "TSH": "3016-3", "WBC": "6690-2", "Hemoglobin": "718-7", "Platelets": "777-3",
         "Vitamin D, 25-OH": "1989-3"}


MED_ICD = [x for x in ICD if not x[0].startswith("K0")]
DENT_ICD = [x for x in ICD if x[0].startswith("K0")] + [("K08.89", "Other specified disorders of teeth"), ("K03.81", "Cracked tooth")]


def practice_codes(practice: str):
    if practice == "dental":
        return CDT
    if practice == "peds":
        return [x for x in CPT if x[0] not in ("99396", "99395", "99203")]
    return [x for x in CPT if x[0] not in ("99392", "99393")]


def age_on(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def svc_date(r: random.Random, lo=dt.date(2019, 1, 2), hi=dt.date(2025, 6, 27)) -> dt.date:
    while True:
        d = rand_date(r, lo, hi)
        if d.weekday() < 5:
            return d


def us(d: dt.date) -> str:
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


def longdate(d: dt.date) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def wrap(s: str, width: int = 92) -> str:
    return "\n".join(textwrap.fill(p, width) if p.strip() else "" for p in s.split("\n"))


def dob_label(r: random.Random) -> str:
    return r.choice(["DOB:", "DOB:", "DOB:", "DOB", "D.O.B.:", "Date of Birth:", "Date of Birth:", "Birth Date:", "Birthdate:"])


def mrn_label(r: random.Random, practice: str) -> str:
    return {"fm": r.choice(["MRN:", "MRN:", "MRN", "MR#:", "Med Rec #:", "Medical Record Number:", "Medical Record No.:"]),
            "dental": r.choice(["Chart #:", "Chart #", "Chart No.", "Chart #:", "Patient ID:"]),
            "peds": r.choice(["Patient ID:", "Patient ID:", "Patient #:", "MRN:"])}[practice]


def ins_label(r: random.Random) -> str:
    return r.choice(["Member ID:", "Member ID:", "Member ID", "Member #:", "Subscriber ID:", "Subscriber #:",
                     "Policy #:", "Policy Number:", "Insurance ID:"])


def pt_ins(d: Doc, r: random.Random, p: P, dental: bool = False) -> tuple[str, str]:
    """(payer name, labelled member-id text) for a patient's primary coverage."""
    if dental:
        return payer_name(p.dental_payer), f"{r.choice(['Subscriber ID:', 'Member ID:', 'Subscriber #:'])} {d.v('insurance_id', p.dental_member)}"
    if p.payer == "medicare":
        lab = r.choice(["Medicare ID:", "MBI:", "Medicare #:", "Medicare Beneficiary ID:"])
        return payer_name("medicare"), f"{lab} {d.v('insurance_id', fmt_mbi(p.mbi, r.random() < 0.5))}"
    if p.payer.startswith("medicaid"):
        return payer_name(p.payer), f"Medicaid ID: {d.v('insurance_id', p.medicaid)}"
    return payer_name(p.payer), f"{ins_label(r)} {d.v('insurance_id', p.member)}"


def letterhead(d: Doc, r: random.Random, pr: P) -> str:
    style = r.randint(0, 2)
    ph, fx = d.phone(pr.phone, r.choice(["paren", "dash", "dot"])), d.phone(pr.fax, r.choice(["paren", "dash"]))
    if style == 0:
        return f"{pr.name}\n{pr.street}\n{pr.city}, {pr.state} {pr.zip4}\nPhone {ph}  |  Fax {fx}\nwww.{pr.domain}\n"
    if style == 1:
        return f"{pr.name.upper()}\n{pr.street} * {pr.city}, {pr.state} {pr.zip4[:5]}\nTel: {ph}   Fax: {fx}\n"
    return f"{'=' * 70}\n  {pr.name}\n  {pr.street}, {pr.city} {pr.state} {pr.zip4}\n  P {ph}   F {fx}\n{'=' * 70}\n"


def signature(d: Doc, r: random.Random, prov: P, pr: P, npi=True, dea=False, contact=True) -> str:
    lines = [f"{prov.first} {prov.last}, {prov.cred}", prov.spec]
    if npi:
        lines.append(r.choice(["NPI: ", "NPI ", "NPI #: ", "National Provider Identifier: "]) + d.v("npi", prov.npi))
    if dea and prov.dea:
        lines.append(r.choice(["DEA: ", "DEA # ", "DEA Reg: "]) + d.v("dea", prov.dea))
    if contact:
        c = r.randint(0, 2)
        if c == 0:
            lines.append(f"{pr.name} | {d.phone(pr.phone, 'dash')} x{prov.ext}")
        elif c == 1:
            lines.append(f"Direct line: {d.phone(prov.direct, 'paren')}")
        if r.random() < 0.6:
            lines.append(d.email(prov.email))
    return "\n".join(lines)


CONFIDENTIAL = ["CONFIDENTIALITY NOTICE: This message and any attachments contain protected health information that is "
                "privileged and confidential under HIPAA. If you received it in error, notify the sender and destroy all copies.",
                "This fax may contain confidential medical information. Redisclosure is prohibited without written "
                "authorization of the patient (45 CFR 164.508).",
                "PRIVILEGED AND CONFIDENTIAL - intended only for the recipient named above."]


# ----------------------------------------------------------------------------------------------
# Clinical documents
# ----------------------------------------------------------------------------------------------

def gen_referrals(c: Corpus, pop):
    r = rng_for("referrals")
    med_ext = [e for e in pop.externals if e.spec not in ("Oral Surgery", "Periodontics", "Orthodontics", "Endodontics")]
    den_ext = [e for e in pop.externals if e.spec in ("Oral Surgery", "Periodontics", "Orthodontics", "Endodontics")]
    used = set()
    for i in range(26):
        variant = i % 5
        dental = variant == 2
        pts = [p for p in pop.patients if (p.practice == "dental") == dental and p.idx not in used]
        if variant == 4:
            pts = [p for p in pts if not p.accented]
        p = r.choice(pts)
        used.add(p.idx)
        pr = PRACTICES[p.practice]
        prov = r.choice([x for x in pr.providers if x.dea]) if r.random() < 0.8 else p.provider
        ext = r.choice(den_ext if dental else med_ext)
        when = svc_date(r)
        d = Doc()
        reason = r.choice(REASONS[ext.spec])
        age = age_on(p.dob, when)
        sexw = "woman" if p.sex == "F" else "man"
        if p.practice == "peds":
            sexw = "girl" if p.sex == "F" else "boy"
        payer, ins = pt_ins(d, r, p, dental)
        meds = r.sample(MEDS, r.randint(1, 4)) if p.practice != "peds" else ["none"]
        enc = "utf-8"
        if p.accented and r.random() < 0.6:
            enc = "cp1252"
        if variant in (0, 4):
            body = letterhead(d, r, pr) + f"\n{longdate(when)}\n\n{ext.first} {ext.last}, {ext.cred}\n{ext.org}\n{addr_line(ext.addr)}\n\n"
            body += f"RE: {p.first} {p.last}\n{dob_label(r)} {d.dob(p.dob, dob_style(r, p.dob))}\n"
            body += f"{mrn_label(r, p.practice)} {d.v('mrn', p.mrn[p.practice])}\n"
            if r.random() < 0.7:
                body += f"Insurance: {payer}, {ins}\n"
            body += f"\nDear Dr. {ext.last},\n\n"
            body += wrap(f"Thank you for seeing {p.first}, a {age}-year-old {sexw} I am referring for {reason}. "
                         f"{r.choice(['Symptoms began about three months ago and have been gradually worsening.', 'This has been present for over a year and is now limiting daily activities.', 'We have tried conservative management without improvement.', 'Family history is notable for similar problems in a first-degree relative.'])} "
                         f"{r.choice(['Recent labs and imaging are attached.', 'Relevant notes from the last two visits are enclosed.', 'Please see the enclosed problem list and medication history.'])}") + "\n\n"
            body += "Current medications:\n" + "\n".join(f"  - {m}" for m in meds) + f"\nAllergies: {r.choice(ALLERGIES)}\n\n"
            body += wrap(f"Please contact our office at {d.phone(pr.phone, r.choice(['paren', 'dash']))} if you need anything further, "
                         f"or fax records to {d.phone(pr.fax, 'dash')}.") + "\n\n"
            body += f"{r.choice(['Sincerely,', 'Best regards,', 'With thanks,', 'Kind regards,'])}\n\n\n" + signature(d, r, prov, pr, dea=r.random() < 0.3) + "\n"
            if variant == 4:
                path = f"clinical/referrals/rtf/Referral_{ext.spec.replace(' ', '')}_{p.last}.rtf"
                body = to_rtf(body)
            else:
                path = f"clinical/referrals/{when.year}/Referral - Dr {ext.last} - {strip_accents(p.last)} {p.first[0]}.txt"
        elif variant == 1:
            body = f"REFERRAL REQUEST - FAX\n\nTo: {ext.org}   Attn: Referral Coordinator   Fax: {d.phone(ext.fax, 'paren')}\n"
            body += f"From: {pr.name}   Phone: {d.phone(pr.phone, 'paren')}   Fax: {d.phone(pr.fax, 'paren')}\n"
            body += f"Date sent: {us(when)}      Pages: {r.randint(2, 9)} (including cover)\nPriority: {r.choice(['Routine', 'Routine', 'Urgent', 'STAT'])}\n\n"
            body += "PATIENT INFORMATION\n"
            body += f"Name: {p.last.upper()}, {p.first.upper()} {p.middle}\n"
            body += f"{r.choice(['Date of Birth:', 'DOB:', 'Birth Date:'])} {d.dob(p.dob, r.choice(['us', 'us', 'us_nopad', 'iso']))}        Sex: {p.sex}\n"
            body += f"Address: {addr_line(p.addr, r.random() < 0.5)}\n"
            body += f"Home Phone: {d.phone(p.phone, 'paren')}" + (f"     Cell: {d.phone(p.cell, r.choice(['dash', 'bare']))}" if p.cell else "") + "\n"
            body += f"Primary Insurance: {payer}\n{ins}" + (f"     Group #: {p.group}" if p.group else "") + "\n"
            body += f"{mrn_label(r, p.practice)} {d.v('mrn', p.mrn[p.practice])}\n\n"
            body += f"REFERRING PROVIDER\n{prov.first} {prov.last}, {prov.cred}   NPI: {d.v('npi', prov.npi)}\n\n"
            body += f"REFERRED TO\n{ext.first} {ext.last}, {ext.cred} ({ext.spec})\n\n"
            icd = r.choice(MED_ICD)
            body += f"Reason for referral: {reason}\nDiagnosis: {icd[0]} {icd[1]}\n"
            body += f"Authorization: {r.choice(['not required', 'pending', 'approved'])}   Ref #: {r.randint(100000000, 999999999)}\n"
            body += f"Last office visit: {us(svc_date(r))}\n\n{r.choice(CONFIDENTIAL)}\n"
            body = wrap(body, 110)
            path = f"clinical/referrals/{when.year}/fax_referral_{when.strftime('%Y%m%d')}_{i:02d}.txt"
        elif variant == 2:
            tooth = r.sample([1, 2, 3, 14, 15, 16, 17, 18, 19, 30, 31, 32], 2)
            body = f"{pr.name}\n{pr.street}, {pr.city}, {pr.state} {pr.zip4}\n{d.phone(pr.phone, 'paren')}\n\n"
            body += f"{longdate(when)}\n\nTo: Dr. {ext.last}, {ext.org}\n\n"
            body += f"Patient: {p.first} {p.last}   {r.choice(['Birthdate:', 'DOB:', 'Date of Birth:'])} {d.dob(p.dob, dob_style(r, p.dob))}\n"
            body += f"{mrn_label(r, 'dental')} {d.v('mrn', p.mrn['dental'])}\n"
            body += f"Dental insurance: {payer}   {ins}\n\n"
            body += wrap(f"We are referring {p.first} for {reason}. Teeth of concern: #{tooth[0]}, #{tooth[1]}. "
                         f"{r.choice(['Pano and FMX attached (taken ' + us(svc_date(r)) + ').', 'Radiographs sent via secure upload.', 'CBCT available on request.'])} "
                         f"Medical history: {r.choice(['unremarkable', 'HTN controlled, takes lisinopril', 'type 2 diabetes, last A1c 7.1', 'on apixaban - please coordinate with PCP'])}. "
                         f"Premedication: {r.choice(['none required', 'amoxicillin 2 g 1 h prior (joint replacement)', 'not indicated'])}.") + "\n\n"
            body += f"Please send your findings to {d.email(pr.frontdesk_email)}.\n\nThank you,\n\n" + signature(d, r, prov, pr, npi=r.random() < 0.7, dea=r.random() < 0.4) + "\n"
            path = f"clinical/referrals/dental/{strip_accents(p.last)}_{p.first}_{ext.spec.lower().replace(' ', '_')}_referral.txt"
        else:  # email-style
            sender, to = prov.email, ext.email
            body = f"From: {prov.first} {prov.last} <{d.email(sender)}>\nTo: {ext.first} {ext.last} <{d.email(to)}>\n"
            if r.random() < 0.5:
                body += f"Cc: {d.email(pr.frontdesk_email)}\n"
            body += f"Date: {when.strftime('%a')}, {when.day} {MON3[when.month - 1]} {when.year} {r.randint(8, 17):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d} -0700\n"
            body += f"Subject: {r.choice(['Referral', 'New referral', 'Referral - please schedule', 'Pt referral'])}: {p.first} {p.last[0]}.\n\n"
            body += f"Hi {ext.first},\n\n" + wrap(f"Sending over {p.first} {p.last} for {reason}.") + "\n\n"
            body += f"{r.choice(['DOB', 'DOB:', 'Date of birth:'])} {d.dob(p.dob, dob_style(r, p.dob))}\n"
            body += f"{mrn_label(r, p.practice)} {d.v('mrn', p.mrn[p.practice])}\n{ins} ({payer})\n"
            body += f"Best number for the patient: {d.phone(p.cell or p.phone, r.choice(['dash', 'paren', 'dot']))}\n\n"
            body += f"Thanks!\n{prov.first}\n\n--\n" + signature(d, r, prov, pr, contact=False) + f"\n{pr.name}\n"
            path = f"clinical/referrals/email/{when.strftime('%Y-%m-%d')} referral {strip_accents(p.last).lower()}.txt"
        c.add(path, d, body, enc=enc, crlf=r.random() < 0.3)


def to_rtf(text: str) -> str:
    out = ["{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Calibri;}{\\f1\\fmodern Consolas;}}",
           "{\\colortbl;\\red0\\green0\\blue0;}", "\\viewkind4\\uc1\\pard\\f0\\fs22"]
    for line in text.split("\n"):
        esc = line.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
        out.append(esc + "\\par")
    out.append("}")
    return "\n".join(out) + "\n"


VITALS = lambda r: (f"BP {r.randint(102, 158)}/{r.randint(62, 96)} | HR {r.randint(56, 104)} | Temp {r.choice(['97.9', '98.2', '98.6', '99.1', '98.4'])} F | "
                    f"RR {r.randint(12, 20)} | SpO2 {r.randint(94, 100)}% | Wt {r.randint(98, 265)} lb")


def gen_visit_notes(c: Corpus, pop):
    r = rng_for("visit_notes")
    for i in range(36):
        kind = ["fm", "fm", "dental", "peds", "phone", "fm"][i % 6]
        practice = "fm" if kind in ("fm", "phone") else kind
        p = r.choice([x for x in pop.patients if x.practice == practice])
        pr = PRACTICES[practice]
        prov = p.provider
        when = svc_date(r)
        d = Doc()
        enc = "cp1252" if (p.accented and r.random() < 0.5) else r.choice(["utf-8"] * 6 + ["utf-8-sig", "utf-16le-bom"])
        age = age_on(p.dob, when)
        if kind == "fm":
            icds = r.sample(ICD[:13], r.randint(1, 3))
            hdr = r.randint(0, 2)
            if hdr == 0:
                body = f"{pr.name.upper()} - PROGRESS NOTE\n\nPatient: {p.last}, {p.first}   {dob_label(r)} {d.dob(p.dob, dob_style(r, p.dob))}   {mrn_label(r, 'fm')} {d.v('mrn', p.mrn['fm'])}\n"
                body += f"Date of Service: {us(when)}     Provider: {prov.first} {prov.last}, {prov.cred}\n"
            elif hdr == 1:
                body = f"Patient Name: {p.first} {p.middle}. {p.last}\n{mrn_label(r, 'fm')} {d.v('mrn', p.mrn['fm'])}\n{dob_label(r)} {d.dob(p.dob, dob_style(r, p.dob))} ({age} yo {p.sex})\n"
                body += f"Visit date: {when.strftime('%m/%d/%Y')}\nSeen by: {prov.last}, {prov.first} {prov.cred}\n"
            else:
                body = f"{pr.short} Clinic Note\n{'-' * 40}\n{p.last.upper()}, {p.first.upper()}\n{dob_label(r)} {d.dob(p.dob, dob_style(r, p.dob))}\n{mrn_label(r, 'fm')} {d.v('mrn', p.mrn['fm'])}\n"
                body += f"Encounter: {us(when)} {r.randint(8, 16)}:{r.choice(['00', '15', '30', '45'])}\n"
            body += f"Visit type: {r.choice(['Follow-up', 'Annual physical', 'Acute visit', 'Medication check', 'New patient'])}\n\n"
            body += f"S: {age} y.o. {'F' if p.sex == 'F' else 'M'} presents for {icds[0][1].lower()}. " + r.choice([
                "Reports good adherence to medications, no side effects.", "Notes intermittent symptoms over the last 2 weeks.",
                "Has been checking BP at home, readings 130s-140s/80s.", "Denies chest pain, SOB, fevers or chills.",
                "Sleeping poorly, increased stress at work."]) + "\n"
            body += f"O: {VITALS(r)}\n   " + r.choice(["Lungs CTAB. RRR without murmur. No edema.", "Alert, oriented, NAD. Abdomen soft, non-tender.",
                                                     "TM clear bilaterally, pharynx erythematous without exudate.", "Normal gait, FROM, no focal deficits."]) + "\n"
            body += "A/P:\n" + "\n".join(f"  {k + 1}. {x[1]} ({x[0]}) - {r.choice(['continue current regimen', 'labs ordered', 'dose adjusted', 'education provided', 'recheck in 3 months'])}"
                                        for k, x in enumerate(icds)) + "\n"
            if r.random() < 0.5:
                body += f"Orders: {r.choice(['CMP, lipid panel', 'CBC, TSH', 'A1c, UACR', 'UA with reflex culture'])} - lab order #{r.randint(10000000, 99999999)}\n"
            body += f"Follow-up: {r.choice(['3 months', '6 weeks', 'PRN', '1 year for annual exam'])}\n\n"
            body += f"Electronically signed by {prov.first} {prov.last}, {prov.cred} on {us(when)} {r.randint(12, 18)}:{r.randint(10, 59)}\n"
            if r.random() < 0.3:
                body += f"NPI {d.v('npi', prov.npi)}\n"
            path = f"clinical/notes/{when.year}/{when.strftime('%m')}/{strip_accents(p.last)}_{p.first}_{when.strftime('%Y%m%d')}.txt"
        elif kind == "dental":
            hyg = r.choice([x for x in pr.providers if "RDH" in x.cred])
            codes = r.sample(CDT[:9], 3)
            body = f"{pr.name}\nClinical Note\n\nPt: {p.first} {p.last} ({mrn_label(r, 'dental')} {d.v('mrn', p.mrn['dental'])})   {r.choice(['Birthdate:', 'DOB', 'DOB:'])} {d.dob(p.dob, dob_style(r, p.dob))}\n"
            body += f"Appt: {us(when)} {r.randint(7, 16)}:{r.choice(['00', '30'])} w/ Dr. {prov.last} / Hyg: {hyg.first} {hyg.last}, {hyg.cred}\n\n"
            body += f"Med hx reviewed{r.choice([', no changes', ', new med: ' + r.choice(MEDS), ''])}. BP {r.randint(104, 150)}/{r.randint(64, 92)}. Premed: {r.choice(['none', 'amox 2g'])}.\n"
            body += "Procedures: " + ", ".join(f"{k} {n.lower()}" for k, n, _ in codes) + "\n"
            t1, t2 = r.sample(range(2, 31), 2)
            body += f"Findings: #{t1} {r.choice(['MO', 'DO', 'O', 'B'])} {r.choice(['recurrent decay', 'incipient caries', 'fractured cusp', 'open margin'])}; #{t2} {r.choice(['watch', 'sealant recommended', 'crack line, monitor'])}\n"
            body += f"Perio: generalized {r.choice(['1-3', '2-3', '2-4'])} mm, localized {r.choice(['4', '5'])} mm #{r.choice([2, 3, 14, 15, 18, 31])} with BOP\n"
            body += f"OHI: {r.choice(['reviewed flossing technique', 'recommended electric toothbrush', 'Rx fluoride 5000 ppm'])}\n"
            body += f"NV: {r.choice(['D2392 #' + str(t1), 'D2740 #' + str(t1), 'prophy 6 mo', 'SRP UR/LR'])}\n"
            body += f"\n{hyg.first[0]}{hyg.last[0]} / Dr. {prov.last}\n"
            path = f"clinical/dental-notes/{when.year}/{p.mrn['dental']}_{when.isoformat()}.txt"
        elif kind == "peds":
            g = p.guardian
            body = f"{pr.name}\n{'Well Child Check' if r.random() < 0.6 else 'Sick Visit'} - {age} yr\n\n"
            body += f"Patient: {p.first} {p.last}\n{mrn_label(r, 'peds')} {d.v('mrn', p.mrn['peds'])}\n{r.choice(['Born:', 'DOB:', 'Date of Birth:', 'Birthdate:'])} {d.dob(p.dob, dob_style(r, p.dob))}\n"
            body += f"Accompanied by: {g.rel.lower()}, {g.first} {g.last}   {g.rel}'s cell: {d.phone(p.cell or p.phone, r.choice(['paren', 'dash', 'bare']))}\n"
            body += f"Date: {us(when)}\n\n"
            body += f"Growth: Ht {r.randint(60, 150)} cm ({r.randint(5, 95)}th %ile), Wt {r.randint(8, 45)} kg ({r.randint(5, 95)}th %ile)\n"
            body += f"Development: {r.choice(['age appropriate', 'speech slightly delayed - refer to EI', 'meets all milestones'])}\n"
            body += f"Immunizations given today: {r.choice(['DTaP #4 (lot U7012AA), IPV #3 (lot Y3J84)', 'MMR #2 (lot 0034Z), Varicella #2 (lot W2174)', 'Influenza (lot 3C991)', 'none due'])}\n"
            body += f"Screening: {r.choice(['M-CHAT negative', 'vision 20/25 OU', 'hearing pass', 'lead level 1.2'])}\n"
            body += f"Plan: anticipatory guidance given; RTC {r.choice(['1 year', '6 months', 'PRN'])}\n\n{prov.first} {prov.last}, {prov.cred}\n"
            path = f"clinical/peds/{p.mrn['peds']}/{'wcc' if 'Well' in body else 'sick'}_{when.isoformat()}.txt"
        else:  # phone encounter
            body = f"TELEPHONE ENCOUNTER\nDate/time: {us(when)} {r.randint(8, 16)}:{r.randint(10, 59)}\n"
            body += f"Patient: {p.first} {p.last}   {dob_label(r)} {d.dob(p.dob, dob_style(r, p.dob))}\n{mrn_label(r, 'fm')} {d.v('mrn', p.mrn['fm'])}\n"
            body += f"Caller: {r.choice(['self', 'spouse', 'daughter', 'pharmacy'])}   Callback: {d.phone(p.cell or p.phone, r.choice(['paren', 'dash', 'dot']))}\n\n"
            body += f"Reason: {r.choice(['requesting refill of ' + r.choice(MEDS), 'question about lab results', 'worsening cough x5 days', 'needs prior auth form completed'])}\n"
            body += f"Advice: {r.choice(['refill sent to pharmacy on file', 'scheduled for visit tomorrow', 'reviewed results - within normal limits', 'advised urgent care if symptoms worsen'])}\n"
            body += f"Routed to: {prov.first} {prov.last}, {prov.cred}\nTaken by: {r.choice(pop.employees).first} ({r.choice(['MA', 'RN', 'front desk'])})\n"
            path = f"clinical/phone-encounters/{when.year}/tel_{when.strftime('%Y%m%d')}_{p.mrn['fm']}.txt"
        if path in c.files:
            continue
        c.add(path, d, body, enc=enc, crlf=r.random() < 0.35)


def gen_labs(c: Corpus, pop):
    r = rng_for("labs")
    lab_names = [("Pacific Northwest Reference Laboratory", "38D0612345"), ("Cascade Clinical Labs", "38D1034561"),
                 ("Columbia Basin Pathology", "50D0977812")]
    for i in range(18):
        p = r.choice([x for x in pop.patients if x.practice in ("fm", "peds")])
        pr = PRACTICES[p.practice]
        prov = p.provider
        lab, clia = r.choice(lab_names)
        labphone = rng_for("labphone" + lab).choice(AREA_CODES[:6]) + "2" + f"{rng_for(lab).randint(10, 99)}" + f"{rng_for(lab + 'x').randint(1000, 9999)}"
        when = svc_date(r)
        d = Doc()
        tests = r.sample(LABS, r.randint(5, 12))
        body = f"{lab.upper()}        CLIA# {clia}\n{r.randint(100, 9999)} NW Lovejoy St, Portland OR 97209   Client Services {d.phone(labphone, 'paren')}\n\n"
        body += f"PATIENT: {p.last.upper()}, {p.first.upper()} {p.middle}\n"
        body += f"{mrn_label(r, p.practice)} {d.v('mrn', p.mrn[p.practice])}\n"
        body += f"{dob_label(r)} {d.dob(p.dob, r.choice(['us', 'us', 'iso', 'us_nopad']))}   Sex: {p.sex}\n"
        body += f"Accession: {r.choice('ABCW')}{when.strftime('%y')}-{r.randint(100000, 999999)}\n"
        body += f"Ordering: {prov.last}, {prov.first} {prov.cred}   NPI: {d.v('npi', prov.npi)}\n"
        body += f"Client: {pr.name}\n"
        body += f"Collected: {us(when)} {r.randint(7, 11):02d}:{r.randint(0, 59):02d}\nReceived:  {us(when)} {r.randint(12, 16):02d}:{r.randint(0, 59):02d}\n"
        body += f"Reported:  {us(when + dt.timedelta(days=1))} 06:{r.randint(10, 59):02d}\n\n"
        body += f"{'TEST':<24}{'RESULT':>10}  {'FLAG':<5}{'UNITS':<10}REFERENCE\n" + "-" * 66 + "\n"
        for name, unit, lo, hi, vlo, vhi in tests:
            v = r.uniform(vlo, vhi)
            vs = f"{v:.1f}" if hi < 20 else f"{int(v)}"
            flag = "H" if v > hi else ("L" if v < lo else "")
            ref = f"{lo}-{hi}" if lo else f"<{hi + 1 if isinstance(hi, int) else hi}"
            body += f"{name:<24}{vs:>10}  {flag:<5}{unit:<10}{ref}\n"
        body += "\n" + r.choice(["Fasting: YES", "Fasting: NO", "Specimen: serum, hemolysis index normal", ""]) + "\n"
        body += f"Results reviewed by {prov.last} on {us(when + dt.timedelta(days=2))}.\n"
        enc = r.choice(["utf-8", "utf-8", "utf-8", "utf-16le-bom", "utf-8-sig"])
        c.add(f"lab/results/{when.year}/{p.last.upper().replace(' ', '')}_{when.strftime('%Y%m%d')}_{i:02d}.txt", d, body, enc=enc, crlf=r.random() < 0.5)


def gen_discharge(c: Corpus, pop):
    r = rng_for("discharge")
    for i in range(10):
        p = r.choice([x for x in pop.patients if x.practice == "fm"])
        prov = p.provider
        adm = svc_date(r)
        dis = adm + dt.timedelta(days=r.randint(1, 6))
        d = Doc()
        att_first, att_last = r.choice(FIRST_M + FIRST_F), r.choice(LAST)
        att_npi = pop.ids.npi()
        body = "ST. COLUMBA REGIONAL MEDICAL CENTER\nDISCHARGE SUMMARY\n\n"
        body += f"Patient: {p.last}, {p.first} {p.middle}\n{r.choice(['MRN:', 'MRN', 'Medical Record Number:'])} {d.v('mrn', p.hosp_mrn)}\n"
        body += f"Acct #: {d.v('mrn', 'V' + str(r.randint(10000000, 99999999)))}\n"
        body += f"{dob_label(r)} {d.dob(p.dob, dob_style(r, p.dob))}\n"
        body += f"Admit Date: {us(adm)}\nDischarge Date: {us(dis)}\n"
        body += f"Attending: {att_first} {att_last}, MD (NPI {d.v('npi', att_npi)})\nPCP: {prov.first} {prov.last}, {prov.cred}\n\n"
        dx, presented, course = r.choice([
            ("Community-acquired pneumonia", "fever and productive cough", "Started on IV ceftriaxone and azithromycin with good response; transitioned to oral therapy on day 2."),
            ("Acute pyelonephritis", "flank pain and dysuria", "Treated with IV antibiotics; blood cultures negative; afebrile for 48 hours before discharge."),
            ("NSTEMI", "substernal chest pain", "Cardiology consulted; catheterization showed single-vessel disease treated with a drug-eluting stent."),
            ("Cellulitis of left lower extremity", "redness and swelling of the leg", "IV cefazolin for 48 hours, then oral cephalexin; erythema receding."),
            ("COPD exacerbation", "worsening dyspnea and wheezing", "Nebulized bronchodilators and a steroid burst; weaned to room air."),
            ("Diabetic ketoacidosis", "nausea, vomiting and polyuria", "Insulin drip per protocol; anion gap closed within 18 hours; transitioned to basal-bolus insulin."),
            ("Syncope, likely orthostatic", "a witnessed fall at home", "Telemetry without arrhythmia; echo normal; antihypertensives reduced.")])
        body += f"PRINCIPAL DIAGNOSIS: {dx}\nSECONDARY: " + ", ".join(x[1] for x in r.sample(MED_ICD[:9], 2)) + "\n\n"
        body += "HOSPITAL COURSE:\n" + wrap(f"Patient presented to the ED with {presented}. {course} Ambulating independently at discharge.") + "\n\n"
        body += "DISCHARGE MEDICATIONS:\n" + "\n".join(f"  {m}" for m in r.sample(MEDS, r.randint(3, 6))) + "\n\n"
        body += f"FOLLOW-UP: PCP within 7 days. Clinic phone {d.phone(PRACTICES['fm'].phone, 'paren')}.\n"
        body += f"Dictated: {us(dis)}  Transcribed: {us(dis + dt.timedelta(days=1))}  Job #{r.randint(1000000, 9999999)}\n"
        c.add(f"clinical/hospital-records/discharge_{p.hosp_mrn}_{dis.strftime('%m%d%Y')}.txt", d, body,
              enc=r.choice(["utf-8", "utf-8", "cp1252" if p.accented else "utf-8", "utf-16le-bom"]), crlf=True)


# ----------------------------------------------------------------------------------------------
# Tables (CSV / TSV)
# ----------------------------------------------------------------------------------------------

def table_text(d: Doc, header: list[str], rows: list[list[str]], delim: str = ",", quote_all: bool = False) -> str:
    def q(cell: str) -> str:
        shown = MARK_RE.sub(lambda m: d.vals[int(m.group(1))][1], cell)
        if quote_all or delim in shown or '"' in shown:
            return '"' + cell.replace('"', '""') + '"'
        return cell
    return "\n".join(delim.join(q(x) for x in row) for row in [header] + rows) + "\n"


def money(r: random.Random, lo: float, hi: float) -> str:
    return f"{r.uniform(lo, hi):.2f}"


class Cols:
    """Column library: each entry makes a header and a cell for (doc, rng, patient, ctx)."""

    def __init__(self, r: random.Random, practice: str | None = None):
        self.r = r
        self.practice = practice
        self.dob_style = r.choice(["us", "us", "us", "us_nopad", "iso", "iso", "us_short", "dmy_abbr"])
        self.phone_style = r.choice(["paren", "paren", "dash", "dash", "dot"])
        self.ssn_style = r.choice(["bare", "bare", "dash"])
        self.card_sep = r.choice([" ", "-"])

    def cell(self, d: Doc, col: str, p: P, ctx: dict) -> str:
        r, pk = self.r, ctx.get("practice") or self.practice or p.practice
        if col == "last":
            return p.last
        if col == "first":
            return p.first
        if col == "name":
            return f"{p.last}, {p.first}"
        if col == "NAME":
            return f"{p.last.upper()}, {p.first.upper()}"
        if col == "mrn":
            return d.v("mrn", p.mrn[pk])
        if col == "acct":
            return d.v("mrn", p.acct)
        if col == "dob":
            if ctx.get("bad_dob"):
                return ctx["bad_dob"]
            return d.dob(p.dob, self.dob_style)
        if col == "sex":
            return p.sex
        if col == "street":
            return p.addr["street"] + (f" {p.addr['unit']}" if p.addr["unit"] else "")
        if col == "city":
            return p.addr["city"]
        if col == "state":
            return p.addr["state"]
        if col == "zip":
            return p.addr["zip4"] if r.random() < 0.3 else p.addr["zip"]
        if col == "phone":
            if r.random() < 0.03:      # data-entry typo: a digit missing (9 digits, not a phone, not an SSN)
                return p.phone[:4] + p.phone[5:]
            return d.phone(p.phone, self.phone_style)
        if col == "cell":
            return d.phone(p.cell, self.phone_style) if p.cell else ""
        if col == "email":
            return d.email(p.email) if p.email else ""
        if col == "ssn":
            if p.ssn:
                return d.ssn(p.ssn, self.ssn_style)
            if p.itin:
                return d.ssn(p.itin, "dash")
            return r.choice(["", "", "000-00-0000", "111-11-1111", "123-45-6789", "078-05-1120", "000000000", "912-34-5678"])
        if col == "payer":
            return payer_name(p.payer) if pk != "dental" else payer_name(p.dental_payer)
        if col == "member":
            if pk == "dental":
                return d.v("insurance_id", p.dental_member)
            if p.payer == "medicare":
                return d.v("insurance_id", fmt_mbi(p.mbi, r.random() < 0.3))
            return d.v("insurance_id", p.member)
        if col == "group":
            if pk == "dental":
                return p.dental_group
            return p.group or ""
        if col == "dos":
            return us(ctx["dos"])
        if col == "claim":
            return ctx.get("claim") or r.choice([f"{r.randint(10 ** 10, 10 ** 11 - 1)}", f"C{r.randint(1000000, 9999999)}",
                                                 f"{ctx['dos'].strftime('%y%j')}{r.randint(10000, 99999)}"])
        if col == "npi":
            if r.random() < 0.02:      # typo: fails the Luhn check
                return p.provider.npi[:9] + str((int(p.provider.npi[9]) + 5) % 10)
            return d.v("npi", p.provider.npi)
        if col == "provider":
            return f"{p.provider.last}, {p.provider.first[0]}"
        if col == "balance":
            return money(r, 0, 900)
        raise KeyError(col)


COL_HEADERS = {
    "last": ["Last Name", "LastName", "Last", "PT_LAST"], "first": ["First Name", "FirstName", "First", "PT_FIRST"],
    "name": ["Patient Name", "Patient", "Name"], "NAME": ["PATIENT", "PATIENT NAME"],
    "mrn": {"fm": ["MRN", "MRN", "Medical Record Number", "MR #"], "dental": ["Chart #", "Chart No.", "Chart #"],
            "peds": ["Patient ID", "Patient ID", "Patient #"]},
    "acct": ["Acct #", "Acct #"], "dob": ["DOB", "DOB", "Date of Birth", "Birth Date", "Patient DOB"],
    "sex": ["Sex", "Gender"], "street": ["Address", "Address1", "Street"], "city": ["City"], "state": ["State", "ST"],
    "zip": ["Zip", "ZIP", "Postal Code"], "phone": ["Home Phone", "Phone", "Primary Phone"], "cell": ["Cell", "Mobile", "Cell Phone"],
    "email": ["Email", "E-mail", "Email Address"], "ssn": ["SSN", "SSN", "Social Security Number", "Patient SSN"],
    "payer": ["Payer", "Primary Ins", "Insurance", "Carrier"], "member": ["Member ID", "Subscriber ID", "Policy #", "Insurance ID", "Policy Number", "Member #"],
    "group": ["Group #", "Group Number", "Grp #"], "dos": ["DOS", "Service Date", "Date of Service"],
    "claim": ["Claim #", "Claim ID", "Payer Claim #"], "npi": ["Rendering NPI", "NPI", "Provider NPI"],
    "provider": ["Provider", "Rendering Provider"], "balance": ["Balance", "Pt Balance", "Amount Due"],
}


def col_header(r: random.Random, col: str, practice: str) -> str:
    h = COL_HEADERS[col]
    if isinstance(h, dict):
        h = h[practice]
    return r.choice(h)


def patient_table(c: Corpus, path: str, pop, cols: list[str], r: random.Random, practice: str | None, n: int,
                  delim: str = ",", enc: str = "utf-8", crlf: bool = False, extra=None, bad_dobs: int = 0,
                  quote_all: bool = False, lead=None, dos_range=None):
    d = Doc()
    cl = Cols(r, practice)
    pk = practice or "fm"
    header = [col_header(r, x, pk) if x in COL_HEADERS else x for x in cols]
    if extra:
        header += [h for h, _ in extra]
    if lead:
        header = [h for h, _ in lead] + header
    pts = [p for p in pop.patients if practice is None or p.practice == practice]
    chosen = r.sample(pts, min(n, len(pts)))
    bad_rows = set(r.sample(range(len(chosen)), bad_dobs)) if bad_dobs else set()
    rows = []
    for i, p in enumerate(chosen):
        ctx = {"practice": practice or p.practice, "dos": svc_date(r, *dos_range) if dos_range else svc_date(r)}
        if i in bad_rows:
            ctx["bad_dob"] = r.choice(["02/30/" + str(p.dob.year), "13/" + f"{p.dob.day:02d}/{p.dob.year}",
                                       "00/00/0000", f"{p.dob.month:02d}/{p.dob.day:02d}/{p.dob.year + 120}",
                                       "04/31/" + str(p.dob.year)]) if cl.dob_style != "iso" else \
                r.choice([f"{p.dob.year}-02-30", "0000-00-00", f"{p.dob.year}-13-01", f"{p.dob.year + 120}-01-01"])
        row = [cl.cell(d, x, p, ctx) if x in COL_HEADERS else x for x in cols]
        if extra:
            row += [fn(d, r, p, ctx) for _, fn in extra]
        if lead:
            row = [fn(d, r, p, ctx) for _, fn in lead] + row
        rows.append(row)
    c.add(path, d, table_text(d, header, rows, delim, quote_all), enc=enc, crlf=crlf)


def gen_tables(c: Corpus, pop):
    r = rng_for("tables")
    ids = pop.ids
    # --- patient rosters ---
    roster_specs = [
        ("front-desk/patient_roster_2024.csv", "fm", ["last", "first", "mrn", "dob", "sex", "phone", "email", "street", "city", "state", "zip", "payer", "member", "group"], 160, ","),
        ("front-desk/Patient List - Bright Smile.csv", "dental", ["mrn", "name", "dob", "cell", "email", "payer", "member", "group"], 140, ","),
        ("front-desk/peds_active_patients.tsv", "peds", ["mrn", "last", "first", "dob", "phone", "cell", "payer", "member"], 110, "\t"),
        ("reports/2023/active_patients_by_provider.csv", "fm", ["provider", "mrn", "NAME", "dob", "phone"], 120, ","),
        ("front-desk/.patients_backup.csv", "fm", ["mrn", "last", "first", "dob", "ssn", "phone", "street", "city", "state", "zip"], 90, ","),
        ("billing/2022/registration_export_2022.tsv", "fm", ["acct", "last", "first", "dob", "ssn", "payer", "member", "group"], 130, "\t"),
        ("IT/.migration/old_pm_export/PATIENTS.CSV", "dental", ["mrn", "last", "first", "dob", "ssn", "phone", "email"], 100, ","),
        ("front-desk/recall/recall_list_hygiene.csv", "dental", ["name", "mrn", "cell", "email", "provider"], 80, ","),
    ]
    for path, pk, cols, n, delim in roster_specs:
        enc = r.choice(["utf-8", "utf-8", "utf-8-sig", "utf-8"])
        if "PATIENTS.CSV" in path:
            enc = "cp1252"
        patient_table(c, path, pop, cols, r, pk, n, delim, enc=enc, crlf=r.random() < 0.5, bad_dobs=r.choice([0, 1, 2]),
                      quote_all=r.random() < 0.25)

    # --- billing exports ---
    for year in (2022, 2023, 2024, 2025):
        for k in range(2 if year != 2025 else 1):
            month = r.randint(1, 12 if year < 2025 else 5)
            practice = r.choice(["fm", "dental", "peds"])
            codes = practice_codes(practice)
            extra = [(r.choice(["CPT", "Proc Code", "CDT"]) if practice == "dental" else "CPT", lambda d, r, p, ctx: r.choice(codes)[0]),
                     ("ICD10", lambda d, r, p, ctx, dx=(DENT_ICD if practice == "dental" else MED_ICD): r.choice(dx)[0]),
                     ("Charge", lambda d, r, p, ctx: money(r, 40, 400)),
                     ("Paid", lambda d, r, p, ctx: money(r, 0, 200)),
                     ("Status", lambda d, r, p, ctx: r.choice(["PAID", "DENIED", "PENDING", "SUBMITTED", "PAID"]))]
            cols = ["acct", "name", "dob", "dos", "claim", "payer", "member"] + (["npi"] if r.random() < 0.5 else []) + ["provider"]
            if r.random() < 0.5:
                cols.insert(1, "mrn")
            delim = "\t" if k == 1 else ","
            ext = "tsv" if delim == "\t" else "csv"
            patient_table(c, f"billing/{year}/charges_{year}-{month:02d}.{ext}", pop, cols, r, practice, r.randint(90, 180),
                          delim, enc="utf-8", crlf=r.random() < 0.6, extra=extra, bad_dobs=r.choice([0, 1]),
                          lead=[("Order #", lambda d, r, p, ctx: str(r.randint(100000000, 899999999)))],
                          dos_range=(dt.date(year, month, 1), dt.date(year, month, 26)))
    patient_table(c, "billing/2024/AR_aging_detail.csv", pop, ["acct", "NAME", "dob", "payer", "member", "group", "balance"], r, "fm", 150, ",",
                  extra=[("0-30", lambda d, r, p, ctx: money(r, 0, 300)), ("31-60", lambda d, r, p, ctx: money(r, 0, 200)),
                         ("61-90", lambda d, r, p, ctx: money(r, 0, 150)), ("90+", lambda d, r, p, ctx: money(r, 0, 500))])
    patient_table(c, "billing/collections/collections_worklist.csv", pop, ["acct", "name", "phone", "email", "balance"], r, None, 90, ",",
                  extra=[("Last Stmt", lambda d, r, p, ctx: us(svc_date(r))), ("Stmts Sent", lambda d, r, p, ctx: str(r.randint(1, 4)))])
    patient_table(c, "billing/2023/dental_production_Q3.tsv", pop, ["mrn", "name", "dob", "provider", "member", "payer"], r, "dental", 160, "\t",
                  extra=[("CDT", lambda d, r, p, ctx: r.choice(CDT)[0]), ("Tooth", lambda d, r, p, ctx: str(r.randint(1, 32))),
                         ("Fee", lambda d, r, p, ctx: money(r, 50, 1300)), ("Ins Est", lambda d, r, p, ctx: money(r, 0, 800))])

    # --- card on file ---
    for k, path in enumerate(["billing/payments/card_on_file_export.csv", "billing/payments/2024/autopay_enrollments.csv",
                              "billing/payments/2023/phone_payments_log.csv"]):
        d = Doc()
        header = ["Acct #", "Patient", "Card Type", "Card Number", "Exp", "Amount", "Auth Code", "Date"]
        rows = []
        sep = r.choice([" ", "-"])
        for p in r.sample([x for x in pop.patients if x.card], 45):
            brand = {"visa": "Visa", "mc": "MasterCard", "amex": "AMEX", "disc": "Discover"}[p.card_brand]
            roll = r.random()
            if roll < 0.75:
                num = d.card(p.card, sep)
            elif roll < 0.9:
                num = ("XXXX" + sep) * 3 + p.card[-4:] if len(p.card) == 16 else f"XXXX{sep}XXXXXX{sep}X{p.card[-4:]}"
            else:
                num = f"************{p.card[-4:]}"
            rows.append([d.v("mrn", p.acct), f"{p.last}, {p.first}", brand, num, p.card_exp, money(r, 10, 600),
                         f"{r.randint(0, 999999):06d}", us(svc_date(r))])
        for tn in ["4111111111111111", "4242424242424242", "5555555555554444"][: k + 1]:
            rows.insert(r.randint(0, len(rows)), ["TEST", "TEST, PATIENT", "Visa" if tn[0] == "4" else "MasterCard",
                                                  fmt_card(tn, sep), "12/29", "1.00", "TEST00", us(svc_date(r))])
        c.add(path, d, table_text(d, header, rows), crlf=True)

    # --- HR ---
    emps = pop.employees
    d = Doc()
    hs = r.choice(["SSN", "Social Security Number", "Employee SSN"])
    header = ["Emp ID", "Last", "First", "Position", "Hire Date", "DOB", hs, "Phone", "Personal Email", "Work Email"]
    rows = []
    for e in emps:
        tin = d.ssn(e.ssn, r.choice(["bare", "bare", "dash"])) if e.ssn else d.ssn(e.itin, "dash")
        rows.append([e.empid, e.last, e.first, e.role, us(e.hire), d.dob(e.dob, "us"), tin, d.phone(e.phone, "dash"),
                     d.email(e.email), d.email(e.work_email)])
    c.add("hr/employee_roster_CONFIDENTIAL.csv", d, table_text(d, header, rows), enc="cp1252", crlf=True)

    for q, per_end in [("2023-Q4", dt.date(2023, 12, 29)), ("2024-Q1", dt.date(2024, 3, 29)), ("2024-Q3", dt.date(2024, 9, 27))]:
        d = Doc()
        header = ["Emp ID", "Employee", "SSN", "Period End", "Reg Hrs", "OT Hrs", "Gross", "Fed WH", "SS WH", "Medicare WH", "State WH", "Net",
                  "Routing #", "Deposit Account", "Check #"]
        rows = []
        style = r.choice(["bare", "dash"])
        for e in emps:
            hrs = round(r.uniform(48, 80), 2)
            gross = hrs * e.rate
            tin = d.ssn(e.ssn, style) if e.ssn else d.ssn(e.itin, "dash")
            rows.append([e.empid, f"{e.last}, {e.first}", tin, us(per_end), f"{hrs:.2f}", f"{r.choice([0, 0, 0, 2.5, 4]):.2f}",
                         f"{gross:.2f}", f"{gross * 0.1:.2f}", f"{gross * 0.062:.2f}", f"{gross * 0.0145:.2f}", f"{gross * 0.045:.2f}",
                         f"{gross * 0.75:.2f}", e.routing, e.deposit, str(r.randint(100000, 999999))])
        delim = "\t" if q == "2024-Q1" else ","
        c.add(f"hr/payroll/payroll_register_{q}.{'tsv' if delim == chr(9) else 'csv'}", d, table_text(d, header, rows, delim),
              enc="utf-8" if q != "2023-Q4" else "utf-16le-bom", crlf=True)

    d = Doc()
    header = ["Employee", "SSN", "DOB", "Plan", "Tier", "Dependent", "Dependent DOB", "Effective"]
    rows = []
    for e in r.sample(emps, 24):
        dep = r.random() < 0.5
        dep_dob = rand_date(r, dt.date(2004, 1, 1), dt.date(2023, 6, 30))
        tin = d.ssn(e.ssn, "bare") if e.ssn else d.ssn(e.itin, "dash")
        rows.append([f"{e.first} {e.last}", tin, d.dob(e.dob, "iso"), r.choice(["PPO 500", "HMO Gold", "HDHP + HSA"]),
                     r.choice(["EE", "EE+SP", "EE+CH", "FAM"]) if dep else "EE",
                     f"{r.choice(FIRST_F + FIRST_M)} {e.last}" if dep else "", d.dob(dep_dob, "iso") if dep else "", "2024-01-01"])
    c.add("hr/benefits/open_enrollment_2024.tsv", d, table_text(d, header, rows, "\t"))

    d = Doc()
    header = ["Vendor", "Contact", "SSN", "EIN", "Address", "Phone", "Email", "2023 Paid", "1099 Box"]
    rows = []
    for k in pop.contractors:
        tin = d.ssn(k.ssn, "dash") if k.ssn else d.ssn(k.itin, "dash")
        ein = k.ein if r.random() < 0.5 else ""
        rows.append([k.biz, f"{k.first} {k.last}", tin, ein, addr_line(k.addr), d.phone(k.phone, "paren"), d.email(k.email),
                     money(r, 800, 48000), r.choice(["NEC-1", "MISC-1", "NEC-1"])])
    c.add("hr/1099/contractors_1099_2023.csv", d, table_text(d, header, rows), enc="cp1252")

    # --- provider roster ---
    d = Doc()
    header = ["Provider", "Credential", "Specialty", "NPI", "DEA", "DEA Exp", "License #", "License Exp", "CAQH ID", "DOB", "Direct", "Email"]
    rows = []
    for pv in pop.providers:
        rows.append([f"{pv.last}, {pv.first}", pv.cred, pv.spec, d.v("npi", pv.npi), d.v("dea", pv.dea) if pv.dea else "",
                     us(dt.date(r.randint(2025, 2027), r.randint(1, 12), 28)) if pv.dea else "", pv.license,
                     us(dt.date(r.randint(2025, 2027), r.randint(1, 12), 1)), str(r.randint(10000000, 19999999)),
                     d.dob(pv.dob, "us"), d.phone(pv.direct, "dash"), d.email(pv.email)])
    c.add("admin/credentialing/provider_roster.csv", d, table_text(d, header, rows), enc="utf-8-sig")

    # --- eligibility ---
    for k in range(4):
        d = Doc()
        practice = ["fm", "dental", "peds", "fm"][k]
        day = svc_date(r, dt.date(2023, 1, 1))
        header = ["Patient", col_header(r, "mrn", practice), "DOB", "Payer", r.choice(["Member ID", "Subscriber ID", "Insurance ID"]),
                  "Group #", "Status", "Eff Date", "Copay", "Checked"]
        rows = []
        for p in r.sample([x for x in pop.patients if x.practice == practice], 40):
            cl = Cols(r, practice)
            rows.append([f"{p.last}, {p.first}", d.v("mrn", p.mrn[practice]), d.dob(p.dob, "us"), cl.cell(d, "payer", p, {}),
                         cl.cell(d, "member", p, {}), cl.cell(d, "group", p, {}), r.choice(["Active", "Active", "Active", "Inactive", "Termed"]),
                         us(dt.date(r.randint(2018, day.year), 1, 1)), r.choice(["$0", "$20", "$25", "$40", "20%"]), us(day)])
        c.add(f"insurance/eligibility/elig_{day.isoformat()}_{practice}_{k}.csv", d, table_text(d, header, rows, quote_all=k == 3))
    d = Doc()
    header = ["Beneficiary", "HICN", "DOB", "Sex", "Part A Eff", "Part B Eff", "Supplement", "Supp Member ID"]
    rows = []
    for p in [x for x in pop.patients if x.hicn][:45]:
        rows.append([f"{p.last.upper()}, {p.first.upper()}", d.v("insurance_id", p.hicn), d.dob(p.dob, "us"), p.sex,
                     us(dt.date(p.dob.year + 65, p.dob.month, 1)), us(dt.date(p.dob.year + 65, p.dob.month, 1)),
                     payer_name(p.sup_payer) if p.sup_payer else "", d.v("insurance_id", p.sup_member) if p.sup_member else ""])
    c.add("insurance/archive/2017/medicare_patients_HICN_2017.csv", d, table_text(d, header, rows), enc="cp1252", crlf=True)
    d = Doc()
    header = ["Medicaid ID", "Last Name", "First Name", "Birth Date", "Plan", "Case #", "Recert Due"]
    rows = []
    for p in [x for x in pop.patients if x.medicaid]:
        rows.append([d.v("insurance_id", p.medicaid), p.last, p.first, d.dob(p.dob, "us"),
                     r.choice(["CCO A - Health Share", "CCO B - Trillium", "Apple Health MCO", "FFS"]),
                     str(r.randint(100000000, 899999999)), us(svc_date(r, dt.date(2024, 1, 1), dt.date(2025, 6, 1)))])
    c.add("insurance/medicaid_members.tsv", d, table_text(d, header, rows, "\t"))

    # --- rx logs ---
    prescribers = [pv for pv in pop.providers if pv.dea]
    drugs = [("Hydrocodone/APAP", "5-325 mg", "C-II"), ("Oxycodone", "5 mg", "C-II"), ("Tramadol", "50 mg", "C-IV"),
             ("Lorazepam", "0.5 mg", "C-IV"), ("Alprazolam", "0.25 mg", "C-IV"), ("Zolpidem", "5 mg", "C-IV"),
             ("Methylphenidate ER", "18 mg", "C-II"), ("Amphetamine salts", "10 mg", "C-II"), ("Pregabalin", "75 mg", "C-V"),
             ("Acetaminophen w/ codeine #3", "300-30 mg", "C-III"), ("Testosterone cypionate", "200 mg/mL", "C-III")]
    for year in (2023, 2024):
        d = Doc()
        header = ["Date", "Rx #", "Patient", "DOB", "MRN", "Drug", "Strength", "Sched", "Qty", "Days", "Prescriber", "DEA", "NPI", "PDMP Checked"]
        rows = []
        for _ in range(70):
            p = r.choice([x for x in pop.patients if x.practice == "fm"])
            pv = r.choice([x for x in prescribers if x.practice in ("fm", "dental")])
            dr, st, sc = r.choice(drugs)
            rows.append([us(svc_date(r, dt.date(year, 1, 2), dt.date(year, 12, 30))), str(r.randint(1000000, 9999999)),
                         f"{p.last}, {p.first}", d.dob(p.dob, "us"), d.v("mrn", p.mrn["fm"]), dr, st, sc, str(r.choice([10, 12, 20, 28, 30, 60, 90])),
                         str(r.choice([3, 5, 7, 30])), f"{pv.last}, {pv.first[0]}", d.v("dea", pv.dea), d.v("npi", pv.npi), r.choice(["Y", "Y", "Y", "N"])])
        c.add(f"clinical/controlled-substances/cs_log_{year}.csv", d, table_text(d, header, rows))

    # --- portal exports ---
    for k in range(3):
        d = Doc()
        practice = ["fm", "peds", "dental"][k]
        header = ["UserID", "Username", "Email", "Mobile", "DOB", col_header(r, "mrn", practice), "Status", "Created", "Last Login"]
        rows = []
        for p in r.sample([x for x in pop.patients if x.practice == practice and x.email], 60):
            made = svc_date(r)
            rows.append([f"{r.randint(100000, 999999)}", strip_accents(p.email.split("@")[0]).lower(), d.email(p.email),
                         d.phone(p.cell, "dash") if p.cell else "", d.dob(p.dob, "iso"), d.v("mrn", p.mrn[practice]),
                         r.choice(["active", "active", "locked", "pending"]), made.isoformat() + f" {r.randint(7, 20):02d}:{r.randint(0, 59):02d}:00",
                         (made + dt.timedelta(days=r.randint(1, 400))).isoformat() + "T" + f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z"])
        c.add(f"portal/exports/portal_users_{practice}_{2023 + k}.csv", d, table_text(d, header, rows), enc="utf-8")

    # --- appointment exports ---
    for k in range(5):
        d = Doc()
        practice = ["fm", "dental", "peds", "fm", "dental"][k]
        day = svc_date(r, dt.date(2023, 1, 1))
        header = ["Appt Date", "Appt Time", col_header(r, "mrn", practice), "Patient", r.choice(["Birth Date", "DOB"]), "Home Phone",
                  "Provider", "Reason", "Status"]
        rows = []
        t = dt.datetime(day.year, day.month, day.day, 8, 0)
        cl = Cols(r, practice)
        for p in r.sample([x for x in pop.patients if x.practice == practice], r.randint(18, 32)):
            rows.append([us(day), t.strftime("%I:%M %p"), d.v("mrn", p.mrn[practice]), f"{p.last}, {p.first}", d.dob(p.dob, cl.dob_style),
                         d.phone(p.phone, cl.phone_style), f"Dr. {p.provider.last}",
                         r.choice(["f/u", "annual", "sick", "new pt", "recall", "lab review", "prophy", "crown prep"]),
                         r.choice(["Confirmed", "Left msg", "Checked out", "No show", "Cancelled"])])
            t += dt.timedelta(minutes=r.choice([15, 15, 20, 30, 40]))
        c.add(f"front-desk/schedules/{day.strftime('%Y-%m')}/appointments_{day.isoformat()}_{practice}.csv", d, table_text(d, header, rows),
              enc=r.choice(["utf-8", "utf-8-sig"]), crlf=True)


# ----------------------------------------------------------------------------------------------
# Front desk, billing, HR and insurance text documents
# ----------------------------------------------------------------------------------------------

def gen_superbills(c: Corpus, pop):
    r = rng_for("superbills")
    for i in range(16):
        practice = r.choice(["fm", "fm", "dental", "peds"])
        pr = PRACTICES[practice]
        p = r.choice([x for x in pop.patients if x.practice == practice])
        prov = p.provider
        dos = svc_date(r)
        d = Doc()
        codes = practice_codes(practice)
        picked = r.sample(codes, r.randint(2, 4))
        payer, ins = pt_ins(d, r, p, practice == "dental")
        w = 78
        body = f"{'SUPERBILL / ENCOUNTER FORM':<40}{pr.name:>38}\n"
        body += f"Tax ID: {pr.ein}   Group NPI: {d.v('npi', pr.npi)}   Phone: {d.phone(pr.phone, 'dash')}\n" + "-" * w + "\n"
        body += f"Patient: {p.last}, {p.first} {p.middle}.   Acct #: {d.v('mrn', p.acct)}   {r.choice(['DOB:', 'DOB', 'Birthdate:'])} {d.dob(p.dob, r.choice(['us', 'us_nopad', 'us_short']))}\n"
        body += f"Address: {addr_line(p.addr, True)}\n"
        body += f"Primary Ins: {payer}\n  {ins}" + (f"   Group #: {p.dental_group if practice == 'dental' else p.group}" if (p.group or practice == "dental") else "") + "\n"
        body += f"Date of Service: {us(dos)}   Rendering: {prov.first} {prov.last}, {prov.cred}  NPI {d.v('npi', prov.npi)}\n" + "-" * w + "\n"
        total = 0
        for code, desc, fee in codes[:14]:
            mark = "[X]" if (code, desc, fee) in picked else "[ ]"
            if mark == "[X]":
                total += fee
            body += f"{mark} {code:<6} {desc[:50]:<52} ${fee:>8.2f}\n"
        dx = r.sample(DENT_ICD if practice == "dental" else MED_ICD, 2)
        body += "-" * w + f"\nDiagnoses: 1) {dx[0][0]} {dx[0][1]}   2) {dx[1][0]}\n"
        body += f"Total charges: ${total:,.2f}   Copay collected: ${r.choice([0, 20, 25, 30, 40]):.2f}"
        if p.card and r.random() < 0.5:
            brand = {"visa": "Visa", "mc": "MC", "amex": "Amex", "disc": "Discover"}[p.card_brand]
            body += f" ({brand} ending {p.card[-4:]})"
        body += f"\nNext appointment: {r.choice(['2 weeks', '3 months', '6 months', 'PRN'])}   Invoice #: INV-{dos.strftime('%y%m')}-{r.randint(1000, 9999)}\n"
        body += f"\nPatient signature: ______________________   Date: {us(dos)}\n"
        c.add(f"billing/superbills/{dos.year}/superbill_{p.acct}_{dos.strftime('%Y%m%d')}.txt", d, body, enc=r.choice(["utf-8", "utf-8", "cp1252"]) if not p.accented else "cp1252", crlf=r.random() < 0.5)


def gen_statements(c: Corpus, pop):
    r = rng_for("statements")
    for i in range(10):
        p = r.choice(pop.patients)
        pr = PRACTICES[p.practice]
        d = Doc()
        sd = svc_date(r)
        body = letterhead(d, r, pr) + "\nPATIENT STATEMENT\n\n"
        body += f"Statement Date: {us(sd)}\nAcct #: {d.v('mrn', p.acct)}\nPayment Due: {us(sd + dt.timedelta(days=30))}\n\n"
        g = p.guardian
        body += f"{(g.first + ' ' + g.last) if g else (p.first + ' ' + p.last)}\n{p.addr['street']} {p.addr['unit']}\n{p.addr['city']} {p.addr['state']} {p.addr['zip4']}\n\n"
        body += f"{'Date':<12}{'Patient':<22}{'Description':<34}{'Charge':>10}{'Ins Paid':>10}{'Balance':>10}\n"
        bal = 0.0
        for _ in range(r.randint(2, 6)):
            ds = svc_date(r, sd - dt.timedelta(days=200), sd - dt.timedelta(days=10))
            code, desc, fee = r.choice(CDT if p.practice == "dental" else CPT)
            ins_paid = round(fee * r.uniform(0.4, 0.9), 2)
            bal += fee - ins_paid
            body += f"{us(ds):<12}{p.first[:20]:<22}{(code + ' ' + desc)[:32]:<34}{fee:>10.2f}{ins_paid:>10.2f}{fee - ins_paid:>10.2f}\n"
        body += f"\n{'AMOUNT DUE:':>78} ${bal:,.2f}\n\n"
        body += "To pay by card, complete below or call our billing office at " + d.phone(pr.phone, "paren") + ".\n"
        body += "[ ] Visa  [ ] MasterCard  [ ] Discover  [ ] AMEX\nCard number: ____________________  Exp: _____  CVV: ___\n"
        if r.random() < 0.5:
            body += f"Questions? Email {d.email(pr.billing_email)}\n"
        c.add(f"billing/statements/{sd.year}/stmt_{p.acct}_{sd.strftime('%Y%m')}.txt", d, body, enc="cp1252" if p.accented else "utf-8")


def gen_day_sheets(c: Corpus, pop):
    r = rng_for("daysheets")
    for i in range(8):
        practice = r.choice(["fm", "dental", "peds"])
        pr = PRACTICES[practice]
        day = svc_date(r)
        d = Doc()
        body = f"{pr.name} - Daily Schedule - {day.strftime('%A, %B')} {day.day}, {day.year}\n"
        prov = r.choice([x for x in pr.providers])
        body += f"Provider: {prov.first} {prov.last}, {prov.cred}     Room: {r.choice(['1', '2', '3', 'Op 4', 'Op 2'])}\n\n"
        body += f"{'Time':<9}{'Patient':<28}{'Phone':<18}{'Type':<16}Notes\n" + "-" * 90 + "\n"
        t = dt.datetime(day.year, day.month, day.day, 8, 0)
        for p in r.sample([x for x in pop.patients if x.practice == practice], r.randint(10, 18)):
            note = r.choice(["", "", "needs updated ins card", "bal due $" + str(r.randint(20, 400)), "Spanish interpreter",
                             "late x2", "premed", "new pt forms", "ride: " + r.choice(["daughter", "TriMet Lift", "cab"])])
            ph = d.phone(p.cell or p.phone, r.choice(["paren", "dash"]))
            body += f"{t.strftime('%I:%M%p'):<9}{(p.last + ', ' + p.first)[:26]:<28}{ph:<18}{r.choice(['F/U', 'NP', 'PE', 'SICK', 'PROPHY', 'CROWN', 'WCC']):<16}{note}\n"
            t += dt.timedelta(minutes=r.choice([15, 20, 30, 40, 60]))
        body += f"\nPrinted {us(day - dt.timedelta(days=1))} 5:{r.randint(10, 59)} PM by {r.choice(pop.employees).first}\n"
        c.add(f"front-desk/schedules/daysheet_{day.strftime('%Y%m%d')}_{prov.last.replace(' ', '')}.txt", d, body,
              enc=r.choice(["utf-8", "cp1252", "utf-8"]) if not any(ch in body for ch in "ŁĐ") else "utf-8", crlf=True)


def gen_call_logs(c: Corpus, pop):
    r = rng_for("calllogs")
    for i in range(8):
        d = Doc()
        day = svc_date(r)
        practice = r.choice(["fm", "dental", "peds"])
        pr = PRACTICES[practice]
        lines = [f"PHONE MESSAGES - {pr.name} - {us(day)}", ""]
        t = dt.datetime(day.year, day.month, day.day, 7, 55)
        for _ in range(r.randint(12, 25)):
            t += dt.timedelta(minutes=r.randint(3, 35))
            p = r.choice([x for x in pop.patients if x.practice == practice])
            style = r.randint(0, 4)
            num = p.cell or p.phone
            if style == 0:
                cb = f"CB {d.phone(num, 'paren')}"
            elif style == 1:
                cb = f"cell: {d.phone(num, 'bare')}"
            elif style == 2:
                cb = f"call back at {d.phone(num, 'dash')}"
            elif style == 3:
                cb = f"Phone: {d.phone(num, r.choice(['bare', 'dot']))}"
            else:
                cb = f"{d.phone(num, 'intl')} (mobile)"
            common = [f"wants to reschedule {r.choice(['Tue', 'Wed', 'Thu', 'Fri'])} appt", "asking about bill, says insurance should have paid",
                      "requesting records be sent to new provider", "ins changed - will bring new card", "running 15 min late"]
            specific = {"fm": [f"needs refill {r.choice(MEDS).split(' ')[0]}", "question re: lab results", "pharmacy never got the Rx",
                               "cancel - feeling better", "needs work note"],
                        "dental": ["tooth pain, wants to be seen today", "crown came off", "asking if cleaning is covered twice a year",
                                   "needs premed Rx before cleaning", "night guard ready?"],
                        "peds": ["fever 102 since last night", "needs school/sports form", "asking about vaccine schedule",
                                 "rash after amoxicillin", "needs daycare immunization record"]}[practice]
            msg = r.choice(common + specific + specific)
            who = r.choice(["", "", f" (mom {p.guardian.first})" if p.guardian else "", " (spouse)"])
            lines.append(f"{t.strftime('%H:%M')}  {p.first} {p.last}{who} - {msg}. {cb}  -{r.choice(pop.employees).first[:1]}{r.choice('ABCDEFGHKLMNPRSTW')}")
        lines.append("")
        lines.append(f"Voicemail box full notice at {r.randint(11, 16)}:{r.randint(10, 59)} - cleared.  Ticket TKT-{r.randint(10000, 99999)}")
        c.add(f"front-desk/call-logs/{day.year}/messages_{day.strftime('%m-%d-%Y')}.txt", d, "\n".join(lines) + "\n",
              enc=r.choice(["utf-8", "utf-8", "utf-16le-bom", "cp1252"]), crlf=r.random() < 0.6)
    # csv call detail from the phone system
    for k in range(2):
        d = Doc()
        header = ["Start", "Direction", "From", "To", "Duration", "Disposition"]
        rows = []
        day = svc_date(r)
        t = dt.datetime(day.year, day.month, day.day, 8, 0)
        pr = PRACTICES[["fm", "dental"][k]]
        for _ in range(80):
            t += dt.timedelta(seconds=r.randint(30, 900))
            p = r.choice(pop.patients)
            ext = f"x{r.choice(['201', '202', '205', '210', '230'])}"
            if r.random() < 0.5:
                frm, to = d.phone(p.phone, "intl"), ext
                direction = "Inbound"
            else:
                frm, to = ext, d.phone(p.cell or p.phone, "intl")
                direction = "Outbound"
            rows.append([t.strftime("%Y-%m-%d %H:%M:%S"), direction, frm, to, f"{r.randint(0, 14)}:{r.randint(0, 59):02d}",
                         r.choice(["Answered", "Voicemail", "Missed", "Answered"])])
        c.add(f"IT/phone-system/cdr_{pr.short}_{day.isoformat()}.csv", d, table_text(d, header, rows))


def gen_intake(c: Corpus, pop):
    r = rng_for("intake")
    for i in range(15):
        p = r.choice(pop.patients)
        pr = PRACTICES[p.practice]
        d = Doc()
        day = svc_date(r)
        payer, ins = pt_ins(d, r, p, p.practice == "dental")
        layout = i % 3
        tin = ""
        lab = r.choice(['SSN:', 'Social Security Number:', 'SSN#', 'Soc Sec #:', 'SS#:'])
        if p.ssn and i % 7 == 3:   # typed with mixed delimiters: not a valid format
            tin = f"{lab} {p.ssn[:3]}-{p.ssn[3:5]} {p.ssn[5:]}"
        elif p.ssn:
            tin = f"{lab} {d.ssn(p.ssn, r.choice(['dash', 'dash', 'space', 'bare']))}"
        elif p.itin:
            tin = f"SSN/ITIN: {d.ssn(p.itin, 'dash')}"
        else:
            tin = f"SSN: {r.choice(['declined', 'none', 'N/A', 'will provide', '000-00-0000', '111-11-1111'])}"
        def bdate(styles):
            if i % 6 == 5:         # typo in the year: a future date, not a DOB finding
                return f"{p.dob.month:02d}/{p.dob.day:02d}/20{p.dob.year % 100 + 30 if p.dob.year % 100 < 70 else 90}"
            return d.dob(p.dob, dob_style(r, p.dob) if styles is DOB_STYLES else r.choice(styles))
        ec = r.choice(FIRST_F + FIRST_M)
        ec_phone = pop.ids.phone()
        if layout == 0:
            body = f"{pr.name}\nNEW PATIENT REGISTRATION\n\n"
            body += f"Last name: {p.last}          First: {p.first}          MI: {p.middle}\n"
            body += f"{dob_label(r)} {bdate(DOB_STYLES)}     Sex: {p.sex}     {tin}\n"
            body += f"Address: {addr_line(p.addr, r.random() < 0.4)}\n"
            body += f"Home phone: {d.phone(p.phone, 'paren')}\n"
            if p.cell:
                body += f"Cell phone: {d.phone(p.cell, r.choice(['paren', 'dash', 'bare']))}   OK to text? {r.choice(['Y', 'N'])}\n"
            if p.email:
                body += f"Email: {d.email(p.email)}\n"
            body += f"Preferred language: {r.choice(['English', 'English', 'Spanish', 'Vietnamese', 'Russian'])}\n\n"
            body += f"INSURANCE\nCarrier: {payer}\n{ins}\n"
            body += f"Group #: {p.group or p.dental_group}\nSubscriber: {'Parent' if p.guardian else r.choice(['Self', 'Self', 'Spouse'])}\n\n"
            body += f"EMERGENCY CONTACT\nName: {ec} {p.last}   Relationship: {r.choice(['spouse', 'sister', 'son', 'friend', 'mother'])}\nPhone: {d.phone(ec_phone, 'dash')}\n\n"
            body += f"Signature on file: Y     Date: {us(day)}\n"
        elif layout == 1:
            body = f"PATIENT INFORMATION FORM ({pr.short})\n" + "=" * 40 + "\n"
            body += f"Name ........ {p.first} {p.middle}. {p.last}\n"
            body += f"Birthdate ... {bdate(['us', 'month', 'mon', 'us_nopad'])}\n"
            body += f"{tin}\n"
            body += f"Street ...... {p.addr['street']} {p.addr['unit']}\nCity/St/Zip  {p.addr['city']}, {p.addr['state']} {p.addr['zip4']}\n"
            body += f"Phone ....... {d.phone(p.cell or p.phone, r.choice(['paren', 'dot', 'one']))}\n"
            body += f"E-mail ...... {d.email(p.email) if p.email else 'none'}\n"
            body += f"Employer .... {r.choice(['Providence', 'Intel', 'Nike', 'Fred Meyer', 'self-employed', 'retired', 'OHSU', 'PPS'])}\n"
            body += f"Insurance ... {payer}\n{ins}\n"
            body += f"Pharmacy .... {r.choice(['Walgreens', 'CVS', 'Fred Meyer', 'Costco'])} ({r.choice(['Hawthorne', 'Division', 'Cedar Hills', 'Mill Plain'])})\n"
            body += f"Form completed {us(day)}\n"
        else:
            body = f"Registration update - {us(day)}\n\nPatient: {p.last}, {p.first}\n{mrn_label(r, p.practice)} {d.v('mrn', p.mrn[p.practice])}\n"
            body += f"{dob_label(r)} {bdate(DOB_STYLES)}\n{tin}\n"
            body += f"New address: {addr_line(p.addr, True)}\n"
            body += f"New phone: {d.phone(p.cell or p.phone, 'dash')}\n"
            body += f"Updated insurance: {payer}, {ins}\n"
            body += f"Entered by: {r.choice(pop.employees).first}\n"
        enc = "cp1252" if p.accented and r.random() < 0.7 else r.choice(["utf-8", "utf-8", "utf-16le-bom", "utf-8-sig"])
        name = r.choice([f"Registration - {p.last} {p.first}.txt", f"new_patient_{strip_accents(p.last).lower()}.txt", f"intake {day.isoformat()} {p.first[0]}{p.last[:3]}.txt"])
        path = f"front-desk/intake/{day.year}/{name}"
        if path in c.files:
            path = path.replace(".txt", f"_{i}.txt")
        c.add(path, d, body, enc=enc, crlf=r.random() < 0.5)


def ocr_noise(r: random.Random, s: str) -> str:
    """Light OCR damage on prose words only (never on labels or values)."""
    subs = [("rn", "m"), ("l", "1"), ("O", "0"), ("e", "c"), ("i", "l")]
    words = s.split(" ")
    out = []
    for w in words:
        if w.isalpha() and len(w) > 4 and r.random() < 0.15:
            a, b = r.choice(subs)
            w = w.replace(a, b, 1)
        out.append(w)
    return " ".join(out)


def gen_scans(c: Corpus, pop):
    r = rng_for("scans")
    n = 0
    for i in range(18):
        p = r.choice(pop.patients)
        d = Doc()
        kind = i % 4
        stamp = svc_date(r)
        if kind == 0:  # insurance card front/back
            if p.payer == "medicare":
                body = f"MEDICARE\nHEALTH INSURANCE\n\nName/Nombre\n{p.first.upper()} {p.middle} {p.last.upper()}\n\nMedicare Number/Número de Medicare\n"
                body += f"{d.v('insurance_id', fmt_mbi(p.mbi, True))}\n\nEntitled to/Con derecho a    Coverage starts/Cobertura empieza\n"
                body += f"HOSPITAL (PART A)             {dt.date(p.dob.year + 65, p.dob.month, 1).strftime('%m-%d-%Y')}\nMEDICAL (PART B)             {dt.date(p.dob.year + 65, p.dob.month, 1).strftime('%m-%d-%Y')}\n"
            else:
                pn = payer_name(p.payer if p.practice != "dental" else p.dental_payer)
                mid = p.member if p.practice != "dental" else p.dental_member
                grp = (p.group if p.practice != "dental" else p.dental_group) or "N/A"
                dental_card = p.practice == "dental"
                plan = "Dental PPO" if dental_card else r.choice(["PPO", "HMO", "EPO"])
                net = "BlueCard" if p.payer in ("bcbs", "regence") and not dental_card else r.choice(["", "Open Access", "Choice Plus", "Select"])
                body = f"{ocr_noise(r, pn)}\n{plan}   | {net}\n\n"
                body += f"Member: {p.first.upper()} {p.last.upper()}\n{r.choice(['Member ID:', 'Member ID', 'ID#', 'Subscriber ID:'])} {d.v('insurance_id', mid)}\n"
                if "ID#" in body:
                    body = body.replace("ID# ", "Member ID: ")
                body += f"Group No: {grp}\n"
                if dental_card:
                    body += f"Preventive 100%  Basic 80%  Major 50%  Annual max ${r.choice([1000, 1500, 2000])}\n\n--- back ---\n"
                else:
                    body += f"RxBIN {r.choice(['610014', '003858', '004336'])}  RxPCN {r.choice(['ADV', 'A4', 'MEDDPRIME'])}  RxGrp RX{r.randint(1000, 9999)}\n"
                    body += f"PCP copay ${r.choice([20, 25, 30, 40])}  Spec ${r.choice([50, 60, 75])}  ER ${r.choice([150, 250, 350])}\n\n--- back ---\n{ocr_noise(r, 'Members: call the number on the back of this card for benefits and eligibility questions.')}\n"
                body += f"Customer Service {d.phone(pop.ids.phone('800'), 'one')}\nProviders: {d.phone(pop.ids.phone('877'), 'one')}\n"
                body += f"Submit claims to PO Box {r.randint(1000, 99999)}, {r.choice(['Lexington, KY 40512', 'Portland, OR 97208-4821', 'Salt Lake City, UT 84130-0546'])}\n"
            path = f"scans-export/{stamp.strftime('%Y-%m')}/SCAN_{stamp.strftime('%Y%m%d')}_{r.randint(1000, 9999)}.txt"
        elif kind == 1:  # driver license
            exp = dt.date(r.randint(2026, 2031), p.dob.month, min(p.dob.day, 28))
            body = f"{'OREGON' if p.addr['state'] == 'OR' else 'WASHINGTON'} DRIVER LICENSE\n{ocr_noise(r, 'USA  Not for federal identification purposes')}\n"
            body += f"4d DL {r.choice('ABCDEFGHJKLMNPRSTVWXYZ')}{r.randint(1000000, 9999999)}\n"
            body += f"3 DOB {d.dob(p.dob, 'us')}\n4b EXP {exp.strftime('%m/%d/%Y')}\n"
            body += f"1 {p.last.upper()}\n2 {p.first.upper()} {p.middle}\n8 {p.addr['street'].upper()}\n{p.addr['city'].upper()}, {p.addr['state']} {p.addr['zip4']}\n"
            body += f"15 SEX {p.sex}   16 HGT {r.randint(4, 6)}-{r.randint(0, 11):02d}   18 EYES {r.choice(['BRO', 'BLU', 'GRN', 'HAZ'])}\n"
            body += f"4a ISS {stamp.strftime('%m/%d/%Y')}   DD {r.randint(10 ** 11, 10 ** 12 - 1)}\n"
            path = f"scans-export/id-cards/{p.last.replace(' ', '_')}_{p.first}_DL.txt"
        elif kind == 2:  # OCR'd intake page
            payer, ins = pt_ins(d, r, p, p.practice == "dental")
            body = f"{ocr_noise(r, 'PATIENT HEALTH HISTORY AND REGISTRATION')}  page 1 of 4\n\n"
            body += f"Name: {p.first} {p.last}          Date: {stamp.strftime('%m/%d/%y')}\n"
            if i % 8 == 6:     # OCR misread the day: an impossible calendar date
                bad = f"{2 if p.dob.month != 2 else 4}/{30 if p.dob.month != 2 else 31}/{p.dob.year}"
                body += f"Date of Birth: {bad}   Age: {age_on(p.dob, stamp)}\n"
            else:
                body += f"Date of Birth: {d.dob(p.dob, r.choice(['us', 'us_short', 'us_nopad']))}   Age: {age_on(p.dob, stamp)}\n"
            if p.ssn:
                body += f"SSN: {d.ssn(p.ssn, r.choice(['dash', 'space']))}\n"
            body += f"Phone: {d.phone(p.phone, 'paren')}   Work: {d.phone(p.work, 'paren') if p.work else '--'}\n"
            body += f"{ocr_noise(r, 'Insurance company')}: {payer}\n{ins}\n"
            body += ocr_noise(r, "Have you ever had any of the following? heart disease [ ] diabetes [x] asthma [ ] high blood pressure [x] seizures [ ] hepatitis [ ]") + "\n"
            body += ocr_noise(r, f"Current medications: {', '.join(r.sample(MEDS, 2))}") + "\n"
            body += f"{ocr_noise(r, 'I authorize release of information necessary to process claims.')}\nSignature: ~~~/ {p.first[0]}. {p.last}\n"
            path = f"scans-export/{stamp.strftime('%Y-%m')}/intake_ocr_{stamp.strftime('%Y%m%d')}_{i:03d}.txt"
        else:  # EOB page
            body = f"{ocr_noise(r, 'EXPLANATION OF BENEFITS - THIS IS NOT A BILL')}\n{payer_name(p.payer) if p.payer != 'medicare' else 'Medicare Summary Notice'}\n\n"
            if p.payer == "medicare":
                body += f"Medicare Number: {d.v('insurance_id', fmt_mbi(p.mbi, r.random() < 0.5))}\n"
            else:
                body += f"Member ID: {d.v('insurance_id', p.member)}\n"
            body += f"Patient: {p.first} {p.last}\nClaim Number: {r.randint(10 ** 12, 10 ** 13 - 1)}\nProvider: {p.provider.first[0]}. {p.provider.last}\n"
            body += f"Date(s) of service: {us(stamp)}\n\n{'Service':<30}{'Billed':>10}{'Allowed':>10}{'Paid':>10}{'You owe':>10}\n"
            for _ in range(r.randint(1, 4)):
                code, desc, fee = r.choice(CPT)
                al = round(fee * 0.7, 2)
                body += f"{(code + ' ' + desc)[:29]:<30}{fee:>10.2f}{al:>10.2f}{al * 0.8:>10.2f}{al * 0.2:>10.2f}\n"
            path = f"scans-export/eob/EOB_{stamp.strftime('%Y%m%d')}_{i:02d}.txt"
        if path in c.files:
            continue
        c.add(path, d, body, enc="utf-8" if r.random() < 0.8 else "utf-16le-bom", crlf=r.random() < 0.4)


def gen_hr_docs(c: Corpus, pop):
    r = rng_for("hrdocs")
    for e in r.sample(pop.employees, 9):
        d = Doc()
        tin = d.ssn(e.ssn, r.choice(["dash", "dash", "bare"])) if e.ssn else d.ssn(e.itin, "dash")
        lab = r.choice(["Social Security Number:", "SSN:", "SSN#", "Taxpayer ID:"]) if e.ssn else r.choice(["ITIN:", "SSN/ITIN:", "Taxpayer ID:"])
        if not e.ssn and lab == "Taxpayer ID:":
            lab = "ITIN:"
        body = f"NEW HIRE CHECKLIST - {PRACTICES[e.practice].name}\n\nEmployee: {e.first} {e.last}\nPosition: {e.role}\n"
        body += f"Start date: {us(e.hire)}\n{lab} {tin}\n{r.choice(['Date of Birth:', 'DOB:', 'Birth date:'])} {d.dob(e.dob, dob_style(r, e.dob))}\n"
        body += f"Address: {addr_line(e.addr)}\nPhone: {d.phone(e.phone, r.choice(['paren', 'dash', 'bare']))}\nPersonal email: {d.email(e.email)}\n"
        body += f"Work email: {d.email(e.work_email)}\n\n"
        body += "[x] I-9 section 1 and 2 complete\n[x] W-4 received\n[ ] OR-W-4 received\n[x] Direct deposit form\n"
        body += f"    Bank routing: {e.routing}   Account ending: {e.acct_last4}\n"
        body += "[x] HIPAA training assigned\n[ ] Hep B vaccine series / declination\n[x] Badge + building key issued\n"
        body += f"\nEmergency contact: {r.choice(FIRST_F + FIRST_M)} {e.last}, {d.phone(pop.ids.phone(), 'paren')}\n"
        folder = "hr/.old/personnel" if e is pop.employees[-1] or e.hire.year < 2012 else "hr/personnel"
        c.add(f"{folder}/{strip_accents(e.last)}, {strip_accents(e.first)}/new_hire_checklist.txt", d, body,
              enc="cp1252" if e.accented else ("utf-16be-bom" if e.hire.year % 5 == 0 else "utf-8"), crlf=True)
    # W-2 corrections memo
    d = Doc()
    body = "To: Payroll (ADP)\nFrom: Office Manager\nRe: W-2 corrections for tax year 2023\n\nPlease issue W-2c forms for the following:\n\n"
    for e in r.sample([x for x in pop.employees if x.ssn], 5):
        wrong = e.ssn[:5] + e.ssn[7] + e.ssn[6] + e.ssn[8] if e.ssn[6] != e.ssn[7] else e.ssn[:8] + str((int(e.ssn[8]) + 1) % 10)
        if not ssn_valid(wrong):
            wrong = e.ssn
        body += f"- {e.first} {e.last}: SSN on file {d.ssn(e.ssn)} was printed as {d.ssn(wrong)} (transposed digits)\n"
    body += "\nThanks,\n" + r.choice(pop.employees).first + "\n"
    c.add("hr/payroll/W-2c request 2023.txt", d, body)
    # I-9 / ITIN memo in cp1252
    d = Doc()
    body = "Nota para el expediente / Note to file\n\nLos siguientes empleados presentaron ITIN en lugar de número de Seguro Social para fines fiscales:\n\n"
    for e in [x for x in pop.employees if x.itin]:
        body += f"  {e.last}, {e.first} - ITIN {d.ssn(e.itin, 'dash')} - teléfono {d.phone(e.phone, 'paren')}\n"
    body += "\nRevisado por la administración. No compartir.\n"
    c.add("hr/personnel/ITIN empleados - nota.txt", d, body, enc="cp1252", crlf=True)


def gen_cards_text(c: Corpus, pop):
    r = rng_for("cardstext")
    for k in range(6):
        d = Doc()
        day = svc_date(r)
        day -= dt.timedelta(days=day.weekday())
        lines = [f"Payment notes - {['front desk', 'billing', 'phone payments'][k % 3]} - week of {us(day)}", ""]
        wk = lambda: us(day + dt.timedelta(days=r.randint(0, 4)))
        for _ in range(r.randint(6, 12)):
            p = r.choice([x for x in pop.patients if x.card])
            brand = {"visa": "Visa", "mc": "Mastercard", "amex": "Amex", "disc": "card"}[p.card_brand]
            amt = money(r, 15, 480)
            form = r.randint(0, 3)
            if form == 0:
                lines.append(f"{wk()} pt {p.first} {p.last} paid ${amt} by phone, {brand} {d.card(p.card, r.choice([' ', '-']))} exp {p.card_exp}, Acct #{d.v('mrn', p.acct)}")
            elif form == 1:
                lines.append(f"{wk()} {p.last}: card on file updated -> {brand} {d.card(p.card, '')} exp {p.card_exp}")
            elif form == 2:
                lines.append(f"{wk()} {p.first} {p.last[0]}. declined card ending {p.card[-4:]}, left VM at {d.phone(p.phone, 'dash')}")
            else:
                lines.append(f"{wk()} CC# {d.card(p.card, '')} charged ${amt} for {p.first} {p.last} (autopay)")
        if r.random() < 0.6:
            tn = r.choice(sorted(TEST_CARDS))
            lines.append(f"{us(day)} terminal test transaction with {fmt_card(tn, ' ')} - voided")
        bad = pop.ids.card("visa")
        bad = bad[:-1] + str((int(bad[-1]) + 3) % 10)
        lines.append(f"{us(day)} NOTE: number {fmt_card(bad, ' ')} from the paper form failed validation - called pt for correct number")
        c.add(f"billing/payments/notes/payment_notes_{day.isoformat()}.txt", d, "\n".join(lines) + "\n", enc=r.choice(["utf-8", "cp1252"]))


def gen_cc_auth(c: Corpus, pop):
    r = rng_for("ccauth")
    for i in range(7):
        p = r.choice([x for x in pop.patients if x.card])
        pr = PRACTICES[p.practice]
        d = Doc()
        day = svc_date(r)
        holder = p.guardian if p.guardian else p
        brand = {"visa": "Visa", "mc": "MasterCard", "amex": "American Express", "disc": "Discover"}[p.card_brand]
        body = f"{pr.name}\nCREDIT CARD AUTHORIZATION FORM\n\n"
        body += f"I, {holder.first} {holder.last}, authorize {pr.name} to charge my card for balances after insurance"
        body += f"{' for ' + p.first + ' ' + p.last if p.guardian else ''}.\n\n"
        body += f"Card type: {brand}\nCard number: {d.card(p.card, r.choice([' ', '-', ' ']))}\nExpiration: {p.card_exp}    CVV: {r.randint(100, 999) if p.card_brand != 'amex' else r.randint(1000, 9999)}\n"
        body += f"Billing ZIP: {p.addr['zip']}\nMaximum per charge: ${r.choice([250, 500, 1000])}\n\n"
        body += f"Patient: {p.first} {p.last}   Acct #: {d.v('mrn', p.acct)}\n"
        if r.random() < 0.6:
            body += f"Patient {r.choice(['DOB:', 'Date of Birth:'])} {d.dob(p.dob, r.choice(['us', 'us_nopad']))}\n"
        body += f"Phone: {d.phone(p.cell or p.phone, r.choice(['paren', 'dash']))}\n\nSignature: ______________________  Date: {us(day)}\n"
        c.add(f"front-desk/forms/cc_authorization_{strip_accents(p.last).replace(' ', '')}_{day.strftime('%Y%m%d')}.txt", d, body,
              enc="cp1252" if p.accented else "utf-8", crlf=True)


def gen_rx_text(c: Corpus, pop):
    r = rng_for("rxtext")
    prescribers = [pv for pv in pop.providers if pv.dea]
    for k in range(9):
        d = Doc()
        pv = r.choice(prescribers)
        pr = PRACTICES[pv.practice]
        day = svc_date(r)
        kind = k % 3
        if kind == 0:
            p = r.choice([x for x in pop.patients if x.practice == pv.practice])
            dr = r.choice(["Hydrocodone-Acetaminophen 5-325 mg tablet", "Tramadol 50 mg tablet", "Lorazepam 0.5 mg tablet",
                           "Amoxicillin 500 mg capsule", "Ibuprofen 800 mg tablet", "Chlorhexidine 0.12% rinse"])
            body = f"{pr.name}\n{pr.street}, {pr.city}, {pr.state} {pr.zip4}\nPhone {d.phone(pr.phone, 'paren')}\n\n"
            body += f"Rx\nDate: {us(day)}\nPatient: {p.first} {p.last}\n{dob_label(r)} {d.dob(p.dob, r.choice(['us', 'us_nopad']))}\n"
            body += f"Address: {addr_line(p.addr)}\n\n{dr}\nSig: {r.choice(['1 tab PO q6h PRN pain', '1 cap PO TID x 7 days', 'rinse 15 mL BID x 2 weeks', '1 tab PO qHS PRN'])}\n"
            body += f"Disp: #{r.choice([10, 12, 20, 21, 30])} ({r.choice(['ten', 'twelve', 'twenty', 'twenty-one', 'thirty'])})   Refills: {r.choice(['0', '0', '1', '2'])}\n\n"
            body += f"{pv.first} {pv.last}, {pv.cred}\nDEA# {d.v('dea', pv.dea)}   NPI {d.v('npi', pv.npi)}\nLic {pv.license}\n"
            path = f"clinical/rx-copies/{day.year}/rx_{strip_accents(p.last).lower()}_{day.strftime('%Y%m%d')}.txt"
        elif kind == 1:
            body = f"PDMP QUERY LOG - {pr.name}\nQueried by: {pv.first} {pv.last} (DEA {d.v('dea', pv.dea)})\n\n"
            for _ in range(r.randint(5, 12)):
                p = r.choice([x for x in pop.patients if x.practice == pv.practice])
                body += f"Query {us(svc_date(r))} {'-' * 20} result: {r.choice(['no fills', '1 fill', '3 fills / 2 prescribers', 'reviewed'])}\n"
                body += f"    {p.last.upper()}, {p.first.upper()}  DOB {d.dob(p.dob, 'us')}\n"
            path = f"clinical/controlled-substances/pdmp_queries_{day.strftime('%Y%m')}_{pv.last.replace(' ', '')}.txt"
        else:
            body = f"DEA registration renewals - tracking\n\n"
            for x in prescribers:
                body += f"{x.last}, {x.first} {x.cred:<6} DEA {d.v('dea', x.dea)}  exp {us(dt.date(r.randint(2025, 2027), r.randint(1, 12), 28))}  NPI: {d.v('npi', x.npi)}\n"
            bad = pv.dea[:-1] + str((int(pv.dea[-1]) + 1) % 10)
            body += f"\nNOTE: pharmacy called about {bad} on a script - typo, correct number is on the roster above.\n"
            body += f"Renewal fee ${r.choice([888, 888, 731])}.00 per registration, paid {us(day)}.\n"
            path = f"admin/credentialing/DEA_renewals_{day.year}_{k}.txt"
        c.add(path, d, body, enc="utf-8", crlf=r.random() < 0.5)


def gen_misc_clinical(c: Corpus, pop):
    r = rng_for("misc_clinical")
    # dental treatment plans
    for i in range(8):
        p = r.choice([x for x in pop.patients if x.practice == "dental"])
        pr = PRACTICES["dental"]
        d = Doc()
        day = svc_date(r)
        payer, ins = pt_ins(d, r, p, True)
        body = f"{pr.name}\nTREATMENT PLAN\n\nPatient: {p.first} {p.last}    {mrn_label(r, 'dental')} {d.v('mrn', p.mrn['dental'])}\n"
        body += f"{r.choice(['DOB:', 'Birthdate:', 'Date of Birth:'])} {d.dob(p.dob, dob_style(r, p.dob))}\n"
        body += f"Insurance: {payer}   {ins}\nPlan date: {us(day)}   Valid through: {us(day + dt.timedelta(days=90))}\n\n"
        body += f"{'Phase':<7}{'Tooth':<7}{'Code':<7}{'Description':<44}{'Fee':>10}{'Ins Est':>10}{'Pt Est':>10}\n"
        tot = 0
        for ph in range(1, r.randint(2, 4)):
            for _ in range(r.randint(1, 3)):
                code, desc, fee = r.choice(CDT[9:])
                est = round(fee * r.choice([0.5, 0.8, 0.0]), 2)
                tot += fee
                body += f"{ph:<7}{('#' + str(r.randint(1, 32))):<7}{code:<7}{desc[:42]:<44}{fee:>10.2f}{est:>10.2f}{fee - est:>10.2f}\n"
        body += f"\nTotal: ${tot:,.2f}. Estimates are not a guarantee of payment. Annual max remaining: ${r.randint(200, 1500)}.\n"
        c.add(f"clinical/treatment-plans/TP_{p.mrn['dental']}_{day.isoformat()}.txt", d, body, enc="cp1252" if p.accented else "utf-8")
    # prior auth requests
    for i in range(6):
        p = r.choice([x for x in pop.patients if x.practice in ("fm", "peds") and x.payer != "medicare"])
        pv = r.choice([x for x in pop.providers if x.practice == p.practice and x.dea])
        pr = PRACTICES[p.practice]
        d = Doc()
        day = svc_date(r)
        payer, ins = pt_ins(d, r, p)
        drug = r.choice(["Ozempic 0.5 mg pen", "Dupixent 300 mg", "Adderall XR 20 mg", "Humira 40 mg pen", "Eliquis 5 mg", "Vyvanse 30 mg"])
        body = f"PRIOR AUTHORIZATION REQUEST - {payer}\nFax to: {d.phone(pop.ids.phone('866'), 'one')}\n\nMEMBER\nName: {p.first} {p.last}\n{ins}\n"
        body += f"{r.choice(['Date of Birth:', 'DOB:'])} {d.dob(p.dob, 'us')}\n\nPRESCRIBER\nName: {pv.first} {pv.last}, {pv.cred}\n"
        body += f"NPI: {d.v('npi', pv.npi)}\nDEA: {d.v('dea', pv.dea)}\nPhone: {d.phone(pr.phone, 'paren')}   Fax: {d.phone(pr.fax, 'paren')}\n\n"
        body += f"MEDICATION\n{drug}, qty {r.choice([1, 2, 4, 30, 60])}, {r.choice(['30', '28', '90'])} day supply\n"
        icd = r.choice(ICD[:10])
        body += f"Diagnosis: {icd[0]} ({icd[1]})\nPrevious therapies tried: {', '.join(x.split(' ')[0] for x in r.sample(MEDS, 2))}\n"
        body += f"Clinical notes attached: yes ({r.randint(3, 12)} pages)\nRequest date: {us(day)}\nUrgent: {r.choice(['No', 'No', 'Yes'])}\n"
        body += f"\nReference: {pop.ids.npi()}  (quote this on status calls)\n"
        c.add(f"insurance/prior-auth/PA_{p.last.replace(' ', '')}_{day.strftime('%Y%m%d')}.txt", d, body, crlf=True)
    # immunization certificates
    for i in range(5):
        p = r.choice([x for x in pop.patients if x.practice == "peds" and x.dob.year < 2021])
        d = Doc()
        body = f"CERTIFICATE OF IMMUNIZATION STATUS\n\nChild's name: {p.last}, {p.first} {p.middle}\n"
        body += f"Birthdate: {d.dob(p.dob, r.choice(['us', 'us_nopad', 'iso']))}    Sex: {p.sex}\n"
        body += f"Parent/Guardian: {p.guardian.first} {p.guardian.last}   Phone: {d.phone(p.cell or p.phone, 'paren')}\n"
        body += f"Clinic: Cedar Creek Pediatrics   {mrn_label(r, 'peds')} {d.v('mrn', p.mrn['peds'])}\n\n"
        body += f"{'Vaccine':<18}{'Dose 1':<12}{'Dose 2':<12}{'Dose 3':<12}{'Dose 4':<12}\n"
        for vac, n in [("DTaP", 4), ("IPV (Polio)", 3), ("MMR", 2), ("Varicella", 2), ("Hep B", 3), ("Hep A", 2), ("Hib", 3)]:
            ds = []
            t0 = p.dob + dt.timedelta(days=60)
            for k in range(n):
                t0 = t0 + dt.timedelta(days=r.randint(60, 300))
                ds.append(us(t0) if t0 < dt.date(2025, 6, 1) else "")
            body += f"{vac:<18}" + "".join(f"{x:<12}" for x in ds) + "\n"
        body += f"\nVerified by: {r.choice([x for x in pop.providers if x.practice == 'peds']).last}, {us(svc_date(r, dt.date(2023, 1, 1)))}\n"
        c.add(f"clinical/peds/school-forms/CIS_{p.last.replace(' ', '')}_{p.first}.txt", d, body)


# ----------------------------------------------------------------------------------------------
# HL7 v2, X12, FHIR
# ----------------------------------------------------------------------------------------------

def hl7_ts(r: random.Random, d: dt.date) -> str:
    return d.strftime("%Y%m%d") + f"{r.randint(7, 18):02d}{r.randint(0, 59):02d}{r.randint(0, 59):02d}"


def hl7_pid(d: Doc, r: random.Random, p: P, practice: str) -> str:
    reps = [f"{d.v('mrn', p.mrn[practice])}^^^{PRACTICES[practice].short}^MR"]
    if r.random() < 0.4:
        reps.append(f"{d.v('mrn', p.hosp_mrn)}^^^SCRMC^MR")
    tel = [f"{d.phone(p.phone, r.choice(['dash', 'dash', 'paren']))}^PRN^PH"]
    if p.cell and r.random() < 0.5:
        tel.append(f"{d.phone(p.cell, 'dash')}^PRN^CP")
    if p.email and r.random() < 0.6:
        tel.append(f"^NET^Internet^{d.email(p.email)}")
    ssn = ""
    if p.ssn and r.random() < 0.35:
        ssn = d.ssn(p.ssn, "dash")
    acct = f"V{r.randint(1000000, 9999999)}" if r.random() < 0.5 else ""
    a = p.addr
    name = f"{strip_accents(p.last).upper()}^{strip_accents(p.first).upper()}^{p.middle}"
    f = ["PID", "1", "", "~".join(reps), "", name, "", d.dob(p.dob, "compact"), p.sex, "", r.choice(["2106-3", "2054-5", "2028-9", "2131-1", ""]),
         f"{a['street'].upper()}^{a['unit'].upper()}^{a['city'].upper()}^{a['state']}^{a['zip']}^USA", "", "~".join(tel), "", r.choice(["ENG", "SPA", "VIE", ""]),
         r.choice(["M", "S", "D", "W", ""]), "", acct, ssn]
    return "|".join(f)


def hl7_in1(d: Doc, r: random.Random, p: P, setid: int = 1) -> str:
    f = [""] * 50
    f[0], f[1] = "IN1", str(setid)
    if p.payer == "medicare":
        f[2], f[3], f[4] = "MCR^Medicare Part B", "00882", "MEDICARE PART B"
        pol = d.v("insurance_id", p.mbi)
        ins_id = d.v("insurance_id", p.mbi)
    else:
        key = p.payer
        f[2], f[3], f[4] = f"{key.upper()[:6]}01^{payer_name(key)}", str(r.randint(10000, 99999)), payer_name(key).upper()
        pol = d.v("insurance_id", p.member)
        ins_id = d.v("insurance_id", p.member)
        f[8] = p.group or ""
    f[12] = f"{r.randint(2015, 2024)}0101"
    f[15] = r.choice(["PPO", "HMO", "MCR", "MCD"])
    f[16] = f"{strip_accents(p.last).upper()}^{strip_accents(p.first).upper()}"
    f[17] = "SEL"
    which = r.random()
    if which < 0.45:
        f[36] = pol
    elif which < 0.8:
        f[49] = ins_id
    else:
        f[36], f[49] = pol, ins_id
    while f and f[-1] == "":
        f.pop()
    return "|".join(f)


def gen_hl7(c: Corpus, pop):
    r = rng_for("hl7")
    apps = [("EPIC", "HFM"), ("ATHENA", "HFM"), ("ECW", "CCP"), ("MIRTH", "CCP"), ("DENTRIX", "BSDG"), ("MIRTH", "HFM")]
    for i in range(32):
        kind = r.choice(["ADT", "ADT", "ORU", "ORU", "ORU", "SIU"])
        nmsg = r.choice([1, 1, 1, 2, 3, 5, 8])
        msgs = []
        d = Doc()
        day = svc_date(r)
        for m in range(nmsg):
            practice = r.choice(["fm", "fm", "peds"]) if kind != "SIU" else r.choice(["fm", "dental"])
            p = r.choice([x for x in pop.patients if x.practice == practice])
            app, fac = r.choice([a for a in apps if a[1] == PRACTICES[practice].short] or apps)
            ts = hl7_ts(r, day)
            ctrl = f"{r.choice(['MSG', 'Q', ''])}{r.randint(10000000, 99999999)}"
            ev = r.choice(["A04", "A08", "A01", "A03", "A31"]) if kind == "ADT" else ("R01" if kind == "ORU" else "S12")
            segs = [f"MSH|^~\\&|{app}|{fac}|{r.choice(['LABSYS', 'PNRL', 'HIE', 'RCM'])}|{r.choice(['PNRL', 'ORHIE', 'BILLING'])}|{ts}||{kind}^{ev}|{ctrl}|P|2.5.1"]
            if kind == "ADT":
                segs.append(f"EVN|{ev}|{ts}")
            segs.append(hl7_pid(d, r, p, practice))
            if kind == "ADT" and r.random() < 0.5:
                nk = r.choice(FIRST_F + FIRST_M)
                segs.append(f"NK1|1|{strip_accents(p.last).upper()}^{nk.upper()}|{r.choice(['SPO', 'MTH', 'FTH', 'CHD', 'SIS'])}||{d.phone(pop.ids.phone(), 'dash')}")
            prov = p.provider
            segs.append(f"PV1|1|O|{fac}^EXAM{r.randint(1, 6)}^^{fac}||||P{r.randint(1000, 9999)}^{prov.last.upper()}^{prov.first.upper()}^^^DR|||||||||||{r.choice(['', 'V' + str(r.randint(10 ** 8, 10 ** 9 - 1))])}")
            if kind == "ADT":
                segs.append(hl7_in1(d, r, p))
            elif kind == "ORU":
                ordn, fill = f"ORD{r.randint(100000, 999999)}", f"LAB{r.randint(100000, 999999)}"
                panel = r.choice([("80053", "COMPREHENSIVE METABOLIC PANEL", LABS[:10]), ("80061", "LIPID PANEL", LABS[10:14]),
                                  ("85025", "CBC W AUTO DIFF", LABS[16:19]), ("83036", "HEMOGLOBIN A1C", LABS[14:15]),
                                  ("84443", "TSH", LABS[15:16]), ("82306", "VITAMIN D 25-HYDROXY", LABS[19:20])])
                segs.append(f"ORC|RE|{ordn}|{fill}||CM")
                segs.append(f"OBR|1|{ordn}|{fill}|{panel[0]}^{panel[1]}^CPT|||{ts}|||||||{ts}||P{r.randint(1000, 9999)}^{prov.last.upper()}^{prov.first.upper()}||||||{ts}|||F")
                for k, (name, unit, lo, hi, vlo, vhi) in enumerate(panel[2]):
                    v = r.uniform(vlo, vhi)
                    vs = f"{v:.1f}" if hi < 20 else str(int(v))
                    flag = "H" if v > hi else ("L" if v < lo else "N")
                    segs.append(f"OBX|{k + 1}|NM|{LOINC[name]}^{name}^LN||{vs}|{unit}|{lo}-{hi}|{flag}|||F|||{ts}")
                if r.random() < 0.4:
                    segs.append(f"NTE|1||{r.choice(['Specimen slightly hemolyzed.', 'Fasting specimen.', 'Verified by repeat analysis.', 'Called to clinic.'])}")
            else:
                start = hl7_ts(r, day + dt.timedelta(days=r.randint(1, 30)))
                segs.insert(1, f"SCH|{r.randint(100000, 999999)}|||||{r.choice(['ROUTINE', 'FOLLOWUP', 'NEWPT'])}|{r.choice(['Recall', 'Follow up', 'New patient'])}|||^^{r.choice([15, 30, 60])}^{start}")
                segs.append(f"AIP|1||P{r.randint(1000, 9999)}^{prov.last.upper()}^{prov.first.upper()}|{prov.cred}")
            msgs.append("\r".join(segs) + "\r")
        sep = r.choice(["", "\n", "\r\n"]) if nmsg > 1 else ""
        body = sep.join(msgs) if sep else "".join(msgs)
        name = f"{kind}_{day.strftime('%Y%m%d')}_{i:03d}.hl7"
        folder = {"ADT": "lab/hl7/adt", "ORU": "lab/hl7/results", "SIU": "lab/hl7/sched"}[kind]
        c.add(f"{folder}/{name}", d, body, enc="utf-8")


def gen_x12(c: Corpus, pop):
    r = rng_for("x12")
    for i in range(25):
        kind = ["837", "837", "835", "837", "270"][i % 5]
        practice = r.choice(["fm", "fm", "dental", "peds"])
        pr = PRACTICES[practice]
        d = Doc()
        day = svc_date(r)
        ctl = f"{r.randint(1, 999999999):09d}"
        sender = f"{pr.short}{r.randint(1000, 9999)}"
        recv = r.choice(["OFFALLY", "AVAILITY", "CHANGEHC", "TRIZETTO"])
        isa = (f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*{recv:<15}*{day.strftime('%y%m%d')}*{r.randint(8, 17):02d}{r.randint(0, 59):02d}"
               f"*^*00501*{ctl}*0*P*:")
        segs = [isa]
        gid = str(r.randint(1, 9999))
        fid = {"837": "HC", "835": "HP", "270": "HS"}[kind]
        segs.append(f"GS*{fid}*{sender}*{recv}*{day.strftime('%Y%m%d')}*{r.randint(8, 17):02d}{r.randint(0, 59):02d}*{gid}*X*005010X{('224A2' if practice == 'dental' else '222A1') if kind == '837' else ('221A1' if kind == '835' else '279A1')}")
        pts = r.sample([x for x in pop.patients if x.practice == practice], r.randint(1, 6))
        st_n = 0
        if kind == "837":
            st_n += 1
            body_start = len(segs)
            segs.append(f"ST*837*{st_n:04d}*{'005010X224A2' if practice == 'dental' else '005010X222A1'}")
            segs.append(f"BHT*0019*00*{r.randint(100000, 999999)}*{day.strftime('%Y%m%d')}*1200*CH")
            segs.append(f"NM1*41*2*{pr.name.upper()}*****46*{sender}")
            if r.random() < 0.5:
                segs.append(f"PER*IC*BILLING OFFICE*EM*{d.email(pr.billing_email)}")
            else:
                segs.append(f"PER*IC*BILLING OFFICE*TE*{pr.phone}")
            segs.append(f"NM1*40*2*{recv}*****46*{r.randint(100000000, 999999999)}")
            segs.append("HL*1**20*1")
            segs.append(f"PRV*BI*PXC*{r.choice(['207Q00000X', '1223G0001X', '208000000X'])}")
            segs.append(f"NM1*85*2*{pr.name.upper()}*****XX*{d.v('npi', pr.npi)}")
            segs.append(f"N3*{pr.street.upper()}")
            segs.append(f"N4*{pr.city.upper()}*{pr.state}*{pr.zip4.replace('-', '')}")
            segs.append(f"REF*EI*{pr.ein.replace('-', '')}")
            hl = 1
            for p in pts:
                hl += 1
                parent = hl
                dependent = p.guardian is not None and r.random() < 0.7
                segs.append(f"HL*{hl}*1*22*{1 if dependent else 0}")
                grp = p.group or p.dental_group
                filing = "CI" if practice == "dental" else ('MB' if p.payer == 'medicare' else ('MC' if p.payer.startswith('medicaid') else 'CI'))
                segs.append(f"SBR*P*{'' if dependent else '18'}*{grp}******{filing}")
                mid = p.dental_member if practice == "dental" else (p.mbi if p.payer == "medicare" else p.member)
                if dependent:
                    g = p.guardian
                    segs.append(f"NM1*IL*1*{strip_accents(g.last).upper()}*{g.first.upper()}****MI*{d.v('insurance_id', mid)}")
                else:
                    segs.append(f"NM1*IL*1*{strip_accents(p.last).upper()}*{strip_accents(p.first).upper()}*{p.middle}***MI*{d.v('insurance_id', mid)}")
                    segs.append(f"N3*{p.addr['street'].upper()}")
                    segs.append(f"N4*{p.addr['city'].upper()}*{p.addr['state']}*{p.addr['zip4'].replace('-', '')}")
                    segs.append(f"DMG*D8*{d.dob(p.dob, 'compact')}*{p.sex}")
                payer = payer_name(p.dental_payer if practice == "dental" else p.payer).upper()
                if p.payer == "medicare" and practice != "dental":
                    payer = "NORIDIAN JF PART B"
                segs.append(f"NM1*PR*2*{payer}*****PI*{r.randint(10000, 99999)}")
                if dependent:
                    hl += 1
                    segs.append(f"HL*{hl}*{parent}*23*0")
                    segs.append("PAT*19")
                    segs.append(f"NM1*QC*1*{strip_accents(p.last).upper()}*{strip_accents(p.first).upper()}")
                    segs.append(f"N3*{p.addr['street'].upper()}")
                    segs.append(f"N4*{p.addr['city'].upper()}*{p.addr['state']}*{p.addr['zip']}")
                    segs.append(f"DMG*D8*{d.dob(p.dob, 'compact')}*{p.sex}")
                dos = svc_date(r, day - dt.timedelta(days=20), day)
                lines = r.sample(practice_codes(practice), r.randint(1, 3))
                tot = sum(x[2] for x in lines)
                segs.append(f"CLM*{p.acct}-{dos.strftime('%m%d')}*{tot}***11:B:1*Y*A*Y*Y")
                if r.random() < 0.3:
                    segs.append(f"REF*G1*{r.randint(10 ** 9, 10 ** 10 - 1)}")
                dx = r.sample(DENT_ICD if practice == "dental" else MED_ICD, 2)
                segs.append(f"HI*ABK:{dx[0][0].replace('.', '')}*ABF:{dx[1][0].replace('.', '')}")
                rp = p.provider
                segs.append(f"NM1*82*1*{strip_accents(rp.last).upper()}*{rp.first.upper()}****XX*{d.v('npi', rp.npi)}")
                segs.append(f"PRV*PE*PXC*{r.choice(['207Q00000X', '1223G0001X', '208000000X'])}")
                for k, (code, desc, fee) in enumerate(lines):
                    segs.append(f"LX*{k + 1}")
                    segs.append(f"{'SV3*AD:' if practice == 'dental' else 'SV1*HC:'}{code}*{fee}*UN*1***1")
                    segs.append(f"DTP*472*D8*{dos.strftime('%Y%m%d')}")
            segs.append(f"SE*{len(segs) - body_start + 1}*{st_n:04d}")
        elif kind == "835":
            st_n += 1
            body_start = len(segs)
            payer = r.choice(["AETNA", "REGENCE BCBS OF OREGON", "UNITEDHEALTHCARE", "MODA HEALTH", "PACIFICSOURCE"])
            total = round(r.uniform(200, 4000), 2)
            segs.append(f"ST*835*{st_n:04d}")
            segs.append(f"BPR*I*{total}*C*ACH*CCP*01*{r.choice(['121000248', '111000614', '071000013'])}*DA*{r.randint(10 ** 9, 10 ** 10 - 1)}*{r.randint(10 ** 9, 10 ** 10 - 1)}**01*{r.choice(['123006800', '323070380'])}*DA*{r.randint(10 ** 8, 10 ** 9 - 1)}*{day.strftime('%Y%m%d')}")
            segs.append(f"TRN*1*{r.randint(10 ** 10, 10 ** 11 - 1)}*1{r.randint(10 ** 8, 10 ** 9 - 1)}")
            segs.append(f"DTM*405*{day.strftime('%Y%m%d')}")
            segs.append(f"N1*PR*{payer}")
            segs.append(f"N3*PO BOX {r.randint(1000, 99999)}")
            segs.append(f"N4*{r.choice(['LEXINGTON*KY*405124079', 'PORTLAND*OR*972084821', 'SALT LAKE CITY*UT*841300546'])}")
            if r.random() < 0.5:
                segs.append(f"PER*BL*EDI SUPPORT*EM*{d.email(r.choice(['edi-support', 'era.help', 'ediservices']) + '@' + payer.split(' ')[0].lower() + '.com')}")
            segs.append(f"N1*PE*{pr.name.upper()}*FI*{pr.ein.replace('-', '')}")
            for k, p in enumerate(pts):
                segs.append(f"LX*{k + 1}")
                billed = round(r.uniform(90, 600), 2)
                paid = round(billed * r.uniform(0.3, 0.9), 2)
                segs.append(f"CLP*{p.acct}-{r.randint(100, 999)}*{r.choice([1, 1, 1, 4, 22])}*{billed}*{paid}*{round((billed - paid) * 0.3, 2)}*12*{r.randint(10 ** 12, 10 ** 13 - 1)}*11*1")
                segs.append(f"NM1*QC*1*{strip_accents(p.last).upper()}*{strip_accents(p.first).upper()}")
                mid = p.dental_member if practice == "dental" else (p.mbi if p.payer == "medicare" else p.member)
                if p.guardian or r.random() < 0.5:
                    sub = p.guardian or p
                    segs.append(f"NM1*IL*1*{strip_accents(sub.last).upper()}*{strip_accents(sub.first).upper()}****MI*{d.v('insurance_id', mid)}")
                rp = p.provider
                segs.append(f"NM1*82*1*{strip_accents(rp.last).upper()}*{rp.first.upper()}****XX*{d.v('npi', rp.npi)}")
                dos = svc_date(r, day - dt.timedelta(days=40), day - dt.timedelta(days=5))
                segs.append(f"DTM*232*{dos.strftime('%Y%m%d')}")
                code, desc, fee = r.choice(practice_codes(practice))
                segs.append(f"SVC*{'AD' if practice == 'dental' else 'HC'}:{code}*{billed}*{paid}**1")
                segs.append(f"CAS*CO*45*{round(billed - paid, 2)}")
            segs.append(f"SE*{len(segs) - body_start + 1}*{st_n:04d}")
        else:  # 270 eligibility inquiry
            st_n += 1
            body_start = len(segs)
            segs.append(f"ST*270*{st_n:04d}*005010X279A1")
            segs.append(f"BHT*0022*13*{r.randint(10 ** 8, 10 ** 9 - 1)}*{day.strftime('%Y%m%d')}*1200")
            segs.append("HL*1**20*1")
            segs.append(f"NM1*PR*2*{payer_name(pts[0].payer).upper() if pts[0].payer != 'medicare' else 'NORIDIAN JF PART B'}*****PI*{r.randint(10000, 99999)}")
            segs.append("HL*2*1*21*1")
            segs.append(f"NM1*1P*2*{pr.name.upper()}*****XX*{d.v('npi', pr.npi)}")
            hl = 2
            for p in pts:
                hl += 1
                mid = p.dental_member if practice == "dental" else (p.mbi if p.payer == "medicare" else p.member)
                segs.append(f"HL*{hl}*2*22*0")
                segs.append(f"TRN*1*{r.randint(10 ** 6, 10 ** 7 - 1)}*9{pr.ein.replace('-', '')}")
                segs.append(f"NM1*IL*1*{strip_accents(p.last).upper()}*{strip_accents(p.first).upper()}****MI*{d.v('insurance_id', mid)}")
                segs.append(f"DMG*D8*{d.dob(p.dob, 'compact')}")
                segs.append(f"DTP*291*D8*{day.strftime('%Y%m%d')}")
                segs.append("EQ*30")
            segs.append(f"SE*{len(segs) - body_start + 1}*{st_n:04d}")
        segs.append(f"GE*{st_n}*{gid}")
        segs.append(f"IEA*1*{ctl}")
        nl = r.choice(["\n", "", "\r\n", "\n"])
        body = "~".join(segs) + "~"
        if nl:
            body = ("~" + nl).join(segs) + "~" + nl
        ext = {"837": r.choice([".837", ".x12", ".edi", ".txt"]), "835": r.choice([".835", ".x12", ".edi"]), "270": ".x12"}[kind]
        if ext == ".txt":
            ext = ".edi"
        folder = {"837": "claims/837", "835": "claims/835", "270": "claims/270"}[kind]
        c.add(f"{folder}/{day.year}/{kind}_{sender}_{day.strftime('%Y%m%d')}_{ctl[-4:]}{ext}", d, body)


def fhir_patient(d: Doc, r: random.Random, p: P, practice: str, rid: str) -> dict:
    ident = [{"use": "usual",
              "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR", "display": "Medical Record Number"}],
                       "text": "MRN"},
              "system": f"urn:oid:2.16.840.1.113883.3.{r.randint(1000, 9999)}.{r.randint(1, 9)}", "value": d.v("mrn", p.mrn[practice])}]
    if p.ssn and r.random() < 0.3:
        ident.append({"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "SS"}]},
                      "system": "http://hl7.org/fhir/sid/us-ssn", "value": d.ssn(p.ssn, "dash")})
    tel = [{"system": "phone", "value": d.phone(p.phone, r.choice(["paren", "dash"])), "use": "home"}]
    if p.cell:
        tel.append({"system": "phone", "value": d.phone(p.cell, "dash"), "use": "mobile"})
    if p.email and r.random() < 0.7:
        tel.append({"system": "email", "value": d.email(p.email)})
    res = {"resourceType": "Patient", "id": rid,
           "meta": {"lastUpdated": f"{svc_date(r).isoformat()}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z"},
           "identifier": ident, "active": True,
           "name": [{"use": "official", "family": p.last, "given": [p.first, p.middle]}],
           "telecom": tel, "gender": "female" if p.sex == "F" else "male", "birthDate": d.dob(p.dob, "iso"),
           "address": [{"use": "home", "line": [p.addr["street"]] + ([p.addr["unit"]] if p.addr["unit"] else []),
                        "city": p.addr["city"], "state": p.addr["state"], "postalCode": p.addr["zip"], "country": "US"}]}
    if p.guardian:
        res["contact"] = [{"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "N"}]}],
                           "name": {"family": p.guardian.last, "given": [p.guardian.first]}}]
    return res


def fhir_coverage(d: Doc, r: random.Random, p: P, practice: str, rid: str, pat_ref: str) -> dict:
    if practice == "dental":
        sid, payer = p.dental_member, payer_name(p.dental_payer)
        grp = p.dental_group
    elif p.payer == "medicare":
        sid, payer, grp = p.mbi, "Centers for Medicare & Medicaid Services", None
    else:
        sid, payer, grp = p.member, payer_name(p.payer), p.group
    res = {"resourceType": "Coverage", "id": rid, "status": "active",
           "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                "code": "DENTPRG" if practice == "dental" else r.choice(["HIP", "PPO", "HMO"])}]},
           "subscriber": {"reference": pat_ref}, "subscriberId": d.v("insurance_id", sid), "beneficiary": {"reference": pat_ref},
           "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": "self"}]},
           "period": {"start": f"{r.randint(2016, 2024)}-01-01"}, "payor": [{"display": payer}]}
    if grp:
        res["class"] = [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "group"}]},
                         "value": grp, "name": f"{r.choice(['Acme Logistics', 'Pacific Dental Partners', 'State of Oregon PEBB', 'Nike Inc.', 'Intel Corp'])} employee plan"}]
    return res


def gen_fhir(c: Corpus, pop):
    r = rng_for("fhir")
    def uid():
        return f"{r.getrandbits(32):08x}-{r.getrandbits(16):04x}-4{r.getrandbits(12):03x}-{r.choice('89ab')}{r.getrandbits(12):03x}-{r.getrandbits(48):012x}"
    for i in range(26):
        kind = ["patient", "coverage", "bundle", "bundle", "bundle"][i % 5]
        practice = r.choice(["fm", "fm", "peds", "dental"])
        d = Doc()
        if kind == "patient":
            p = r.choice([x for x in pop.patients if x.practice == practice])
            obj = fhir_patient(d, r, p, practice, uid())
            path = f"fhir/Patient/{obj['id']}.json"
        elif kind == "coverage":
            p = r.choice([x for x in pop.patients if x.practice == practice])
            obj = fhir_coverage(d, r, p, practice, uid(), f"Patient/{uid()}")
            path = f"fhir/Coverage/coverage-{obj['id'][:8]}.json"
        else:
            entries = []
            for p in r.sample([x for x in pop.patients if x.practice == practice], r.randint(1, 4)):
                pid = uid()
                entries.append(fhir_patient(d, r, p, practice, pid))
                if r.random() < 0.8:
                    entries.append(fhir_coverage(d, r, p, practice, uid(), f"Patient/{pid}"))
                enc_day = svc_date(r)
                eid = uid()
                entries.append({"resourceType": "Encounter", "id": eid, "status": "finished",
                                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                                "subject": {"reference": f"Patient/{pid}"},
                                "period": {"start": f"{enc_day.isoformat()}T09:{r.randint(0, 59):02d}:00-07:00",
                                           "end": f"{enc_day.isoformat()}T09:{r.randint(0, 59):02d}:00-07:00"}})
                for name, unit, lo, hi, vlo, vhi in r.sample(LABS, r.randint(0, 3)):
                    entries.append({"resourceType": "Observation", "id": uid(), "status": "final",
                                    "code": {"coding": [{"system": "http://loinc.org", "code": LOINC[name], "display": name}]},
                                    "subject": {"reference": f"Patient/{pid}"}, "encounter": {"reference": f"Encounter/{eid}"},
                                    "effectiveDateTime": f"{enc_day.isoformat()}T10:15:00-07:00",
                                    "valueQuantity": {"value": round(r.uniform(vlo, vhi), 1), "unit": unit}})
            if r.random() < 0.5:
                pv = r.choice(PRACTICES[practice].providers)
                entries.append({"resourceType": "Practitioner", "id": uid(), "active": True,
                                "name": [{"family": pv.last, "given": [pv.first], "suffix": [pv.cred]}],
                                "telecom": [{"system": "phone", "value": d.phone(pv.direct, "paren"), "use": "work"},
                                            {"system": "email", "value": d.email(pv.email), "use": "work"}]})
            obj = {"resourceType": "Bundle", "id": uid(), "type": r.choice(["collection", "searchset", "transaction"]),
                   "timestamp": f"{svc_date(r).isoformat()}T12:00:00Z",
                   "entry": [{"fullUrl": f"urn:uuid:{e['id']}", "resource": e} for e in entries]}
            if obj["type"] == "transaction":
                for e in obj["entry"]:
                    e["request"] = {"method": "POST", "url": e["resource"]["resourceType"]}
            path = f"fhir/bundles/{r.choice(['export', 'bundle', 'sync'])}-{obj['id'][:8]}.json"
        body = json.dumps(obj, indent=r.choice([2, 2, 4, 1]), ensure_ascii=False) + "\n"
        c.add(path, d, body, enc="utf-8")


# ----------------------------------------------------------------------------------------------
# Negative documents (no findings at all) and a few low-sensitivity positives among them
# ----------------------------------------------------------------------------------------------

HOSTS = ["FS01", "DC01", "FRONTDESK-01", "FRONTDESK-02", "OP1-PC", "OP2-PC", "OP3-PC", "XRAY-PC", "BILLING-01", "BILLING-02",
         "MGR-LAPTOP", "LAB-PC", "NAS01", "PRN-FRONT", "PRN-BACK", "SCAN-01", "DR-TABLET-03"]


def ip(r: random.Random, lan: bool = True) -> str:
    if lan:
        return f"192.168.{r.choice([1, 10, 20, 50])}.{r.randint(2, 254)}"
    return f"{r.choice([203, 198, 45, 104, 172, 23, 52])}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"


def ts(r: random.Random, day: dt.date, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return dt.datetime(day.year, day.month, day.day, r.randint(0, 23), r.randint(0, 59), r.randint(0, 59)).strftime(fmt)


def guid(r: random.Random) -> str:
    return f"{r.getrandbits(32):08x}-{r.getrandbits(16):04x}-{r.getrandbits(16):04x}-{r.getrandbits(16):04x}-{r.getrandbits(48):012x}"


def kb(r: random.Random) -> str:
    while True:
        v = f"KB{r.randint(5000000, 5049999)}"
        if not dea_valid(v):
            return v


def gen_it(c: Corpus, pop):
    r = rng_for("it")
    folders = ["billing\\2023", "billing\\2024", "front-desk\\intake", "scans-export", "clinical\\notes", "hr\\payroll", "lab\\hl7",
               "claims\\837", "admin\\invoices", "IT\\backup"]
    # backup logs (big)
    for i in range(8):
        day = rand_date(r, dt.date(2023, 1, 1), dt.date(2025, 5, 30))
        lines = []
        for n in range(r.randint(5, 12)):
            dd = day + dt.timedelta(days=n)
            lines.append(f"{dd.isoformat()} 01:00:0{r.randint(0, 9)} [INFO ] Job 'FS01-Nightly-Incremental' started (session {guid(r)})")
            for f in r.sample(folders, r.randint(4, len(folders))):
                nfiles = r.randint(12, 48000)
                lines.append(f"{dd.isoformat()} 01:{r.randint(1, 40):02d}:{r.randint(10, 59)} [INFO ] Processing \\\\FS01\\Share\\{f} : {nfiles} files, {r.randint(10 ** 6, 10 ** 11)} bytes, changed {r.randint(0, 300)}")
                if r.random() < 0.08:
                    lines.append(f"{dd.isoformat()} 01:{r.randint(1, 40):02d}:{r.randint(10, 59)} [WARN ] File locked, retrying: \\\\FS01\\Share\\{f}\\~$report_{r.randint(1, 99)}.xlsx")
            for _ in range(r.randint(30, 90)):
                lines.append(f"{dd.isoformat()} 0{r.randint(1, 4)}:{r.randint(10, 59)}:{r.randint(10, 59)} [DEBUG] block {r.randint(0, 2 ** 31)} hash {r.getrandbits(128):032x} dedup={r.choice(['hit', 'miss'])}")
            lines.append(f"{dd.isoformat()} 04:{r.randint(10, 59)}:{r.randint(10, 59)} [INFO ] Job finished: {r.choice(['Success', 'Success', 'Success', 'Warning'])}, transferred {r.uniform(0.2, 40):.1f} GB at {r.randint(40, 300)} MB/s, restore point {r.getrandbits(40):010x}")
        c.add(f"IT/backup/logs/backup_{day.strftime('%Y%m%d')}.log", None, "\n".join(lines) + "\n", crlf=r.random() < 0.5)
    # firewall / syslog
    for i in range(5):
        day = rand_date(r, dt.date(2023, 6, 1), dt.date(2025, 5, 30))
        lines = []
        for _ in range(r.randint(1500, 3000)):
            t = dt.datetime(day.year, day.month, day.day, r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
            act = r.choice(["DROP", "ACCEPT", "ACCEPT", "ACCEPT"])
            lines.append(f"{t.strftime('%b %d %H:%M:%S')} fw01 kernel: [{act}] IN=eth0 OUT={r.choice(['', 'eth1'])} SRC={ip(r, False)} DST={ip(r)} LEN={r.randint(40, 1500)} TTL={r.randint(30, 128)} PROTO={r.choice(['TCP', 'UDP'])} SPT={r.randint(1024, 65535)} DPT={r.choice([443, 3389, 445, 22, 53, 80, 1433, 8080])}")
        lines.sort()
        c.add(f"IT/logs/firewall/fw01_{day.strftime('%Y%m%d')}.log", None, "\n".join(lines) + "\n")
    # Windows security event CSV export
    for i in range(3):
        day = rand_date(r, dt.date(2024, 1, 1), dt.date(2025, 5, 30))
        rows = [["Keywords", "Date and Time", "Source", "Event ID", "Task Category", "Computer", "Account", "Logon Type", "Source Address"]]
        for _ in range(r.randint(400, 900)):
            t = dt.datetime(day.year, day.month, day.day, r.randint(6, 20), r.randint(0, 59), r.randint(0, 59))
            ev = r.choice([(4624, "Logon"), (4634, "Logoff"), (4625, "Logon"), (4672, "Special Logon"), (4688, "Process Creation")])
            rows.append(["Audit Failure" if ev[0] == 4625 else "Audit Success", f"{t.month}/{t.day}/{t.year} {t.strftime('%I:%M:%S %p').lstrip('0')}",
                         "Microsoft-Windows-Security-Auditing", str(ev[0]), ev[1], r.choice(HOSTS) + ".harborview.local",
                         f"HARBORVIEW\\{r.choice(['frontdesk1', 'frontdesk2', 'billing', 'drtan', 'hygiene', 'svc_backup', 'mgr'])}",
                         str(r.choice([2, 3, 7, 10, 11])), ip(r)])
        c.add(f"IT/logs/security_events_{day.isoformat()}.csv", None, "\n".join(",".join(x) for x in rows) + "\n", crlf=True)
    # web server access log (portal)
    for i in range(3):
        day = rand_date(r, dt.date(2024, 1, 1), dt.date(2025, 5, 30))
        lines = []
        paths = ["/portal/login", "/portal/messages", "/portal/appointments", "/portal/bill/pay", "/static/app.js", "/static/site.css",
                 "/favicon.ico", "/portal/records/download", "/api/v1/slots?provider=12&date=2024-03-12", "/wp-login.php", "/.env"]
        for _ in range(r.randint(1200, 2500)):
            t = dt.datetime(day.year, day.month, day.day, r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
            lines.append(f"{ip(r, False)} - - [{t.strftime('%d/%b/%Y:%H:%M:%S')} -0700] \"{r.choice(['GET', 'GET', 'POST'])} {r.choice(paths)} HTTP/1.1\" {r.choice([200, 200, 200, 302, 304, 404, 401])} {r.randint(200, 90000)} \"-\" \"{r.choice(['Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)', 'curl/8.4.0', 'Mozilla/5.0 (Linux; Android 14)'])}\"")
        c.add(f"IT/logs/portal_access_{day.strftime('%Y%m%d')}.log", None, "\n".join(sorted(lines)) + "\n")
    # antivirus, windows update, dhcp
    for i in range(4):
        day = rand_date(r, dt.date(2023, 1, 1), dt.date(2025, 5, 30))
        lines = [f"Scan started {ts(r, day)} on {r.choice(HOSTS)}", f"Engine version 1.1.{r.randint(23000, 24999)}.{r.randint(1, 9)}  Signatures {r.randint(1, 2)}.{r.randint(400, 420)}.{r.randint(1000, 9999)}.0"]
        for _ in range(r.randint(40, 200)):
            lines.append(f"{ts(r, day)}  scanned C:\\Users\\{r.choice(['frontdesk', 'billing', 'mgr'])}\\AppData\\Local\\Temp\\{r.getrandbits(32):08x}.tmp  clean")
        lines.append(f"Scan finished {ts(r, day)}: {r.randint(100000, 400000):,} objects, 0 threats, {r.randint(1, 40)} skipped (locked)")
        c.add(f"IT/logs/av/avscan_{day.strftime('%Y%m%d')}_{i}.txt", None, "\n".join(lines) + "\n", enc=r.choice(["utf-8", "utf-16le-bom"]))
    for i in range(3):
        day = rand_date(r, dt.date(2023, 1, 1), dt.date(2025, 5, 30))
        lines = []
        for h in HOSTS[:12]:
            for _ in range(r.randint(2, 6)):
                lines.append(f"{ts(r, day)} {h:<14} {kb(r)} {r.choice(['Cumulative Update for Windows 11 Version 23H2', 'Security Update for Microsoft Office', '.NET Framework 4.8.1 Update', 'Servicing Stack Update'])} -> {r.choice(['Installed', 'Installed', 'Pending reboot', 'Failed 0x80070643'])}")
        c.add(f"IT/patching/wsus_report_{day.isoformat()}.txt", None, "\n".join(sorted(lines)) + "\n")
    for i in range(2):
        day = rand_date(r, dt.date(2024, 1, 1), dt.date(2025, 5, 30))
        rows = ["# dhcpd leases export", f"# generated {day.isoformat()}"]
        for h in HOSTS + [f"iPhone-{k}" for k in range(6)] + [f"android-{r.getrandbits(32):08x}" for _ in range(5)]:
            mac = ":".join(f"{r.getrandbits(8):02x}" for _ in range(6))
            rows.append(f"lease {ip(r)} {{ starts {ts(r, day, '%Y/%m/%d %H:%M:%S')}; hardware ethernet {mac}; client-hostname \"{h}\"; }}")
        c.add(f"IT/network/dhcp_leases_{day.strftime('%Y%m%d')}.txt", None, "\n".join(rows) + "\n")
    # hardware inventory
    rows = [["Asset Tag", "Hostname", "Model", "Serial", "Purchased", "Warranty Ends", "Location", "IP"]]
    for k, h in enumerate(HOSTS):
        serial = r.choice(["5CG", "MXL", "CND", "PF"]) + f"{r.randint(1000, 9999)}" + "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3))
        if mbi_valid(serial):
            serial = "X" + serial
        bought = rand_date(r, dt.date(2018, 1, 1), dt.date(2024, 12, 1))
        rows.append([f"HFM-{1000 + k * 3}", h, r.choice(["HP EliteDesk 800 G6", "Dell OptiPlex 7090", "Lenovo M70q", "Synology DS920+", "Brother MFC-L8900CDW", "Fujitsu fi-7160"]),
                     serial, bought.isoformat(), (bought + dt.timedelta(days=365 * 3)).isoformat(), r.choice(["Front", "Op 1", "Op 2", "Billing", "Server closet", "Lab"]), ip(r)])
    c.add("IT/asset_inventory.csv", None, "\n".join(",".join(x) for x in rows) + "\n")
    # configs and readmes
    cfgs = {
        "IT/configs/pm_server.ini": lambda: f"[Database]\nServer=FS01\\SQLEXPRESS\nPort=1433\nDatabase=PracticeMgmt\nTimeout=30\nEncrypt=yes\n\n[Application]\nVersion=21.4.{r.randint(1, 9)}.{r.randint(1000, 9999)}\nBuild={r.randint(20230101, 20231228)}\nDataPath=\\\\FS01\\PMData\nImagePath=\\\\NAS01\\Imaging\nAutoLogoutMinutes=15\n\n[License]\nSeats=12\nKey={'-'.join(''.join(r.choice('ABCDEFGHJKLMNPQRSTUVWXYZ23456789') for _ in range(5)) for _ in range(5))}\nExpires={r.randint(2025, 2027)}-12-31\n",
        "IT/configs/imaging_bridge.conf": lambda: "\n".join([f"# Imaging bridge configuration (v{r.randint(3, 5)}.{r.randint(0, 9)}.{r.randint(0, 20)})", "[dicom]", f"ae_title = BSDG_PANO", f"port = {r.choice([104, 11112])}",
                                                          f"pacs_host = {ip(r)}", "pacs_ae = ORTHANC", "compression = jpeg2000-lossless", "", "[sensors]",
                                                          f"sensor_1 = Schick33 SN {r.randint(100000, 999999)}", f"sensor_2 = Schick33 SN {r.randint(100000, 999999)}", "calibration_days = 180", ""]),
        "IT/configs/backup_policy.yaml": lambda: "jobs:\n  - name: FS01-Nightly-Incremental\n    schedule: \"0 1 * * *\"\n    retention_days: 30\n    targets: [\"\\\\\\\\FS01\\\\Share\"]\n  - name: SQL-Full-Weekly\n    schedule: \"0 2 * * 0\"\n    retention_days: 90\noffsite:\n  provider: s3-compatible\n  bucket: hfm-offsite-backups\n  immutability_days: 14\n",
        "IT/configs/printers.xml": lambda: "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<printers>\n" + "".join(f"  <printer name=\"{h}\" ip=\"{ip(r)}\" driver=\"{r.choice(['Brother Universal', 'HP Universal PCL6', 'Zebra ZDesigner'])}\" tray=\"{r.randint(1, 3)}\"/>\n" for h in ["PRN-FRONT", "PRN-BACK", "PRN-LABEL", "PRN-BILLING"]) + "</printers>\n",
        "IT/configs/fax_server.json": lambda: json.dumps({"version": f"{r.randint(2, 4)}.{r.randint(0, 9)}.{r.randint(0, 30)}", "inbound": {"route_to": "\\\\FS01\\Share\\scans-export\\fax-in", "format": "pdf", "ocr": True},
                                                           "outbound": {"retry": 3, "retry_delay_s": 300, "cover_page": "cover_hipaa.docx"}, "lines": [{"id": k + 1, "port": f"COM{k + 3}", "enabled": True} for k in range(2)]}, indent=2) + "\n",
        "IT/configs/wifi_vlans.md": lambda: "# Network segments\n\n| VLAN | Name | Subnet | Notes |\n|---|---|---|---|\n| 10 | Clinical | 192.168.10.0/24 | ops, x-ray, EHR workstations |\n| 20 | Admin | 192.168.20.0/24 | billing, manager |\n| 50 | Guest | 192.168.50.0/24 | isolated, captive portal |\n| 99 | Mgmt | 10.99.0.0/24 | switches, APs, UPS |\n\nSwitch: Cisco CBS350-24P, firmware 3.3.0.16\nAPs: 3x Ubiquiti U6-Lite\n",
    }
    for path, fn in cfgs.items():
        c.add(path, None, fn(), crlf=path.endswith(".ini"))
    readmes = [
        ("IT/software/ImagingBridge/README.txt", "Imaging Bridge {v}\n=================\n\nInstallation\n------------\n1. Close the practice management software on all workstations.\n2. Run setup.exe as administrator (build {b}).\n3. Point the data path at \\\\NAS01\\Imaging and restart the service.\n\nKnown issues in {v}\n- Sensor firmware older than 2.7 is not detected after sleep.\n- Large CBCT volumes (>2 GB) time out on 100 Mbit links.\n"),
        ("IT/software/PM-Upgrade-Notes.md", "# Practice management upgrade to {v}\n\nScheduled for the weekend; downtime 6 pm Friday to 9 am Saturday.\n\n* Back up SQL database (full) before starting.\n* Apply cumulative update {v}, then run the database conversion (approx. 45 minutes).\n* Re-register eClaims clearinghouse module.\n* Verify statements batch and ERA import with a test file.\n\nRollback: restore backup, reinstall build {b}.\n"),
        ("IT/software/scanner_drivers/ReadMe.txt", "fi Series TWAIN driver {v}\nCopyright PFU Limited\n\nSupported OS: Windows 10 / 11 (64-bit)\nThis package replaces driver version 3.{b2}.\nAfter installation, restart PaperStream Capture.\n"),
        ("IT/HOWTO - new workstation.txt", "New workstation checklist (rev {b2})\n\n1. Join domain HARBORVIEW, place in OU=Workstations\n2. Install Office, PM client {v}, imaging bridge, PDF printer\n3. Map drives: S: = \\\\FS01\\Share, I: = \\\\NAS01\\Imaging\n4. BitLocker on, recovery key escrowed to AD\n5. Screen lock 5 minutes; auto-logout in PM after 15 minutes\n6. Test print and scan-to-folder\n"),
        ("IT/HOWTO - printer jams.txt", "If the front printer shows error 0x{h}, open tray 2 and remove the rear cover.\nIf it keeps happening, call the copier company (contract on file with the office manager) and quote the machine serial on the sticker.\nFirmware {v} fixed the duplex feed problem in 2023.\n"),
    ]
    for path, tpl in readmes:
        body = tpl.format(v=f"{r.randint(3, 22)}.{r.randint(0, 9)}.{r.randint(0, 9)}", b=r.randint(20220101, 20241231), b2=r.randint(10, 40), h=f"{r.getrandbits(16):04X}")
        c.add(path, None, body, enc=r.choice(["utf-8", "utf-8-sig"]))


def broken_mbi(r: random.Random) -> str:
    """An 11-character code laid out like an MBI that breaks one position rule (S/L/O/I/B/Z letter, 0 first)."""
    L = MBI_LETTERS
    while True:
        v = [r.choice("123456789"), r.choice(L), r.choice(L + "0123456789"), r.choice("0123456789"), r.choice(L),
             r.choice(L + "0123456789"), r.choice("0123456789"), r.choice(L), r.choice(L), r.choice("0123456789"), r.choice("0123456789")]
        k = r.choice([0, 1, 4, 7, 8, 5])
        v[k] = "0" if k == 0 else r.choice("SLOIBZ")
        s = "".join(v)
        assert not mbi_valid(s)
        return f"{s[:4]}-{s[4:7]}-{s[7:]}" if r.random() < 0.5 else s


def gen_admin_negatives(c: Corpus, pop):
    r = rng_for("admin_neg")
    vendors = [("Henry Schein Dental", "HS"), ("Patterson Dental Supply", "PD"), ("McKesson Medical-Surgical", "MMS"), ("Medline Industries", "MDL"),
               ("Staples Business Advantage", "SBA"), ("Benco Dental", "BEN"), ("Quill", "QL"), ("Cardinal Health", "CAH")]
    items = [("Nitrile exam gloves, M, 200/bx", 12.49), ("Surgical masks, level 3, 50/bx", 9.99), ("Prophy paste, medium, 200/bx", 31.50),
             ("Fluoride varnish 5%, 0.4 mL, 50/bx", 64.00), ("Composite A2 syringe 4 g", 48.75), ("Sterilization pouches 3.5x9, 200/bx", 14.20),
             ("Cotton rolls #2, 2000/bx", 11.30), ("Saliva ejectors, 100/bg", 6.45), ("Exam table paper 21in", 28.90), ("Alcohol prep pads, 200/bx", 4.10),
             ("Tongue depressors, 500/bx", 7.25), ("Vacutainer tubes lavender 100/bx", 22.60), ("Copy paper 8.5x11, 10 ream case", 54.99),
             ("Toner TN-820", 89.99), ("Disinfectant wipes, 160 ct", 9.80), ("Bib clips", 3.50), ("Impression material, heavy body", 42.00),
             ("Lidocaine 2% 1:100k, 50 carpules", 58.00), ("Sharps container 1 gal", 5.20), ("Blood pressure cuff, adult", 39.00)]
    # supply inventory
    for i in range(12):
        day = rand_date(r, dt.date(2022, 1, 1), dt.date(2025, 5, 30))
        vend, pre = r.choice(vendors)
        rows = [["SKU", "Description", "Vendor", "On Hand", "Reorder Pt", "Unit Cost", "Lot #", "Exp Date", "Last Order #"]]
        for it, cost in r.sample(items, r.randint(8, 18)):
            rows.append([f"{pre}-{r.randint(100, 999)}-{r.randint(1000, 9999)}", it, vend, str(r.randint(0, 40)), str(r.randint(2, 10)), f"{cost:.2f}",
                         broken_mbi(r) if r.random() < 0.3 else f"{r.choice('ABCDLMNPRT')}{r.randint(10, 99)}{r.choice('ABCXYZ')}{r.randint(100, 999)}", (day + dt.timedelta(days=r.randint(90, 900))).strftime("%m/%Y"),
                         str(r.randint(100000000, 999999999))])
        body = "\n".join(",".join(f'"{x}"' if "," in x else x for x in row) for row in rows) + "\n"
        c.add(f"admin/inventory/{r.choice(['supply_count', 'inventory', 'Supply Inventory'])}_{day.strftime('%Y-%m')}_{i}.csv", None, body)
    # vendor invoices (negative; a few carry a vendor phone/email and are labelled)
    for i in range(22):
        day = rand_date(r, dt.date(2022, 1, 1), dt.date(2025, 5, 30))
        vend, pre = r.choice(vendors)
        pr = r.choice(list(PRACTICES.values()))
        d = Doc()
        inv = f"{r.randint(1000000, 9999999)}"
        body = f"{vend.upper()}\nINVOICE\n\nInvoice #: {inv}\nInvoice Date: {us(day)}\nDue Date: {us(day + dt.timedelta(days=30))}\nPO #: PO-{day.year}-{r.randint(100, 999):04d}\nCustomer No.: {r.randint(100000, 999999)}\n\n"
        body += f"Ship To:\n{pr.name}\n{pr.street}\n{pr.city}, {pr.state} {pr.zip4}\n\n"
        body += f"{'Item':<12}{'Description':<44}{'Qty':>5}{'Price':>10}{'Ext':>11}\n"
        tot = 0
        for it, cost in r.sample(items, r.randint(2, 9)):
            q = r.randint(1, 12)
            tot += q * cost
            body += f"{pre + str(r.randint(100000, 999999)):<12}{it[:42]:<44}{q:>5}{cost:>10.2f}{q * cost:>11.2f}\n"
        body += f"\n{'Subtotal':>71}{tot:>11.2f}\n{'Freight':>71}{r.choice([0, 9.95, 14.5]):>11.2f}\n"
        body += f"\nRemit to: {vend}, PO Box {r.randint(1000, 99999)}, {r.choice(['Chicago, IL 60693-0123', 'Dallas, TX 75284-1122', 'Portland, OR 97208-4821'])}\n"
        body += f"Terms: Net 30. Tracking: 1Z{r.randint(100, 999)}{''.join(r.choice('ABCDEFGHJKLMNPRSTUVWXYZ') for _ in range(3))}{r.randint(10 ** 9, 10 ** 10 - 1)}\n"
        positive = i % 5 == 4
        if positive:
            rep = r.choice(FIRST_F + FIRST_M)
            body += f"\nYour sales rep: {rep} {r.choice(LAST)} - {d.phone(pop.ids.phone(), 'dash')} - {d.email(rep.lower() + '.' + r.choice(LAST).lower().replace(' ', '').replace(chr(39), '') + '@' + pre.lower() + 'supply.com')}\n"
        c.add(f"admin/invoices/{day.year}/{pre}_{inv}.txt", d, body, enc=r.choice(["utf-8", "utf-8", "cp1252"]))
    # shipping manifests
    for i in range(10):
        day = rand_date(r, dt.date(2022, 1, 1), dt.date(2025, 5, 30))
        lines = [f"SHIPPING MANIFEST - {r.choice(['Dental Lab Express', 'Quest courier pickup', 'Henry Schein DC 14', 'Medline DC Tualatin'])}", f"Ship date: {us(day)}", ""]
        lines.append(f"{'Carrier':<8}{'Tracking':<26}{'Ref':<18}{'Pkgs':>5}{'Wt (lb)':>9}  Ship-to ZIP")
        for _ in range(r.randint(6, 25)):
            car = r.choice(["UPS", "FedEx", "USPS", "UPS"])
            if car == "UPS":
                trk = f"1Z{''.join(r.choice('0123456789ABCDEFGHJKLMNPRSTUVWXYZ') for _ in range(6))}{r.randint(10 ** 9, 10 ** 10 - 1)}"
            elif car == "FedEx":
                trk = str(r.randint(10 ** 11, 10 ** 12 - 1)) if r.random() < 0.6 else str(r.randint(10 ** 14, 10 ** 15 - 1))
                if card_valid(trk):
                    trk = "0" + trk[1:]
            else:
                trk = f"9400 1{r.randint(100, 999)} {r.randint(1000, 9999)} {r.randint(1000, 9999)} {r.randint(1000, 9999)} {r.randint(10, 99)}"
            pr = r.choice(list(PRACTICES.values()))
            lines.append(f"{car:<8}{trk:<26}{('PO-' + str(day.year) + '-' + str(r.randint(100, 999))):<18}{r.randint(1, 6):>5}{r.uniform(0.4, 48):>9.1f}  {pr.zip4}")
        c.add(f"admin/shipping/manifest_{day.strftime('%Y%m%d')}_{i}.txt", None, "\n".join(lines) + "\n")
    # bank statements
    for i in range(8):
        day = dt.date(r.randint(2022, 2025), r.randint(1, 5), 1)
        acct = f"000{r.randint(10 ** 9, 10 ** 10 - 1)}"
        lines = [f"{r.choice(['UMPQUA BANK', 'OREGON PACIFIC BANK', 'COLUMBIA BANK', 'US BANK'])} - BUSINESS CHECKING STATEMENT", "",
                 f"{PRACTICES['fm'].name.upper()} LLC", f"Statement period: {us(day)} - {us(day + dt.timedelta(days=29))}",
                 f"Account number: {acct}", f"Routing number: {r.choice(['123006800', '323070380', '123205054'])}", "",
                 f"{'Date':<7}{'Description':<54}{'Debit':>12}{'Credit':>12}"]
        bal = r.uniform(20000, 90000)
        for _ in range(r.randint(25, 60)):
            dd = day + dt.timedelta(days=r.randint(0, 28))
            kind = r.randint(0, 5)
            if kind == 0:
                desc, cr = f"ACH CREDIT {r.choice(['AETNA HCCLAIMPMT', 'REGENCE BCBS HCCLAIMPMT', 'DELTA DENTAL OR EFT', 'NORIDIAN JF PART B', 'UHC HCCLAIMPMT'])} TRN {r.randint(10 ** 8, 10 ** 9 - 1)}", r.uniform(100, 9000)
                lines.append(f"{dd.strftime('%m/%d'):<7}{desc[:53]:<54}{'':>12}{cr:>12.2f}")
            elif kind == 1:
                desc = f"CHECK {r.randint(1000, 9999)}"
                lines.append(f"{dd.strftime('%m/%d'):<7}{desc:<54}{r.uniform(50, 4000):>12.2f}{'':>12}")
            elif kind == 2:
                desc = f"POS PURCHASE {r.choice(['STAPLES 0482', 'COSTCO WHSE 1123', 'AMAZON MKTPL', 'FRED MEYER 0221'])} PORTLAND OR XXXX{r.randint(1000, 9999)}"
                lines.append(f"{dd.strftime('%m/%d'):<7}{desc[:53]:<54}{r.uniform(5, 600):>12.2f}{'':>12}")
            elif kind == 3:
                desc = f"MERCHANT DEPOSIT BATCH {r.randint(100, 999)}"
                lines.append(f"{dd.strftime('%m/%d'):<7}{desc:<54}{'':>12}{r.uniform(200, 6000):>12.2f}")
            elif kind == 4:
                desc = f"ACH DEBIT {r.choice(['ADP PAYROLL', 'PGE', 'NW NATURAL', 'COMCAST BUSINESS', 'CENTURYLINK', 'ADP TAX'])} {r.randint(10 ** 6, 10 ** 7 - 1)}"
                lines.append(f"{dd.strftime('%m/%d'):<7}{desc:<54}{r.uniform(80, 40000):>12.2f}{'':>12}")
            else:
                desc = f"ONLINE TRANSFER TO SAVINGS XXXXXX{r.randint(1000, 9999)}"
                lines.append(f"{dd.strftime('%m/%d'):<7}{desc:<54}{r.uniform(1000, 10000):>12.2f}{'':>12}")
        lines.append(f"\nEnding balance: {bal:,.2f}")
        c.add(f"admin/bank/statement_{day.strftime('%Y_%m')}.txt", None, "\n".join(lines) + "\n", crlf=True)
    # meeting minutes
    topics = ["Front desk coverage during flu clinic", "New phone tree recording", "Sterilization log audit results", "OSHA training due dates",
              "Switch to electronic intake forms", "Parking lot lighting complaint", "Holiday schedule", "Patient satisfaction survey results",
              "Payer contract renewal (PacificSource)", "Hygiene recall backlog", "New autoclave delivery", "HIPAA refresher training",
              "Break room cleanup rotation", "Printer replacement", "Late cancellation policy wording"]
    for i in range(20):
        day = rand_date(r, dt.date(2022, 1, 1), dt.date(2025, 5, 30))
        names = [e.first for e in r.sample(pop.employees, r.randint(4, 9))]
        body = f"{r.choice(['Staff meeting', 'Monthly huddle', 'Leadership meeting', 'Safety committee'])} - minutes\nDate: {us(day)}  Time: 12:15-1:00\n"
        body += f"Present: {', '.join(names)}\n\n"
        for k, t in enumerate(r.sample(topics, r.randint(3, 6))):
            body += f"{k + 1}. {t}\n   - {r.choice(['Discussed options, decision next month.', 'Agreed; ' + r.choice(names) + ' will follow up.', 'No change for now.', 'Vendor quote requested.', 'Completed.'])}\n"
        body += f"\nNext meeting: {us(day + dt.timedelta(days=28))}\nMinutes taken by {r.choice(names)}\n"
        c.add(f"admin/meetings/{day.year}/{r.choice(['minutes', 'Minutes', 'staff meeting'])} {day.isoformat()}.txt", None, body, enc=r.choice(["utf-8", "cp1252", "utf-16le-bom"]))
    # menus, calendars, references, policies, reports, fee schedules, timesheets
    for i in range(5):
        day = rand_date(r, dt.date(2023, 1, 1), dt.date(2025, 5, 30))
        body = f"{r.choice(['Lunch & Learn', 'Staff appreciation lunch', 'Potluck sign-up', 'Holiday party menu'])} - {longdate(day)}\n\n"
        for dish in r.sample(["Chicken teriyaki bowls", "Veggie wraps", "Caesar salad", "Pad thai (GF option)", "Tamales", "Fruit tray",
                              "Brownies", "Lemon bars", "Sparkling water", "Coffee service", "Pho bar", "Bagels & cream cheese"], 6):
            body += f"  * {dish} - {r.choice(pop.employees).first}\n"
        body += f"\nSponsored by {r.choice(['Colgate rep', 'Patterson', 'the practice', 'Pfizer rep (no samples)'])}. Headcount: {r.randint(12, 30)}.\n"
        c.add(f"admin/events/menu_{day.strftime('%Y%m%d')}.txt", None, body)
    for year in (2023, 2024, 2025):
        rows = [["Employee", "Start", "End", "Type", "Approved By"]]
        for _ in range(r.randint(25, 50)):
            s = rand_date(r, dt.date(year, 1, 2), dt.date(year, 12, 20))
            rows.append([f"{r.choice(pop.employees).first} {r.choice('ABCDEFGHJKLMNPRSTW')}.", us(s), us(s + dt.timedelta(days=r.randint(0, 6))),
                         r.choice(["PTO", "PTO", "Sick", "CE course", "Jury duty", "Unpaid"]), r.choice(["Office Mgr", "Dr. Lead", "Practice Admin"])])
        c.add(f"hr/pto_calendar_{year}.csv", None, "\n".join(",".join(x) for x in rows) + "\n")
        hol = [("New Year's Day", dt.date(year, 1, 1)), ("Memorial Day", dt.date(year, 5, 27 - (year - 2024))), ("Independence Day", dt.date(year, 7, 4)),
               ("Labor Day", dt.date(year, 9, 2)), ("Thanksgiving", dt.date(year, 11, 28 - (year - 2024))), ("Christmas Day", dt.date(year, 12, 25))]
        body = f"OFFICE CLOSURES {year}\n\n" + "\n".join(f"{d_.strftime('%a')} {us(d_)}  {n}" for n, d_ in hol) + "\n\nEarly close (2 pm) on the day before Thanksgiving and Christmas Eve.\n"
        c.add(f"admin/calendar/office_closures_{year}.txt", None, body)
    for i in range(4):
        day = rand_date(r, dt.date(2024, 1, 1), dt.date(2025, 5, 30))
        rows = [["Date", "Room", "Time", "Booked for", "Notes"]]
        for _ in range(r.randint(15, 40)):
            dd = day + dt.timedelta(days=r.randint(0, 30))
            rows.append([us(dd), r.choice(["Conf A", "Break room", "Op 5", "Telehealth booth"]), f"{r.randint(8, 16)}:{r.choice(['00', '30'])}",
                         r.choice(["Vendor demo", "Interview", "Training", "Telehealth block", "IT maintenance", "Team huddle"]), r.choice(["", "", "bring laptop", "projector"])])
        c.add(f"admin/calendar/room_bookings_{day.strftime('%Y-%m')}.csv", None, "\n".join(",".join(x) for x in rows) + "\n")
    books = [("Bates' Guide to Physical Examination and History Taking", "13th", "978-1-4963-9817-8"), ("Netter's Atlas of Human Anatomy", "8th", "978-0-323-79373-9"),
             ("Dental Hygiene: Theory and Practice", "5th", "978-0-323-47719-6"), ("The Harriet Lane Handbook", "23rd", "978-0-323-87426-1"),
             ("Current Medical Diagnosis and Treatment 2024", "63rd", "978-1-265-55636-3"), ("Coding Companion for Dental", "2024", "978-1-62254-912-4"),
             ("Sanford Guide to Antimicrobial Therapy", "54th", "978-1-944272-26-7"), ("Lexicomp Drug Information Handbook for Dentistry", "29th", "978-1-59195-395-2")]
    for i in range(4):
        body = f"{r.choice(['Reference library', 'Office bookshelf inventory', 'CE reading list'])}\n\n"
        for t, ed, isbn in r.sample(books, r.randint(4, 8)):
            style = r.randint(0, 2)
            shown = isbn if style == 0 else (isbn.replace("-", "") if style == 1 else isbn[4:].replace("-", "")[:9] + "X")
            body += f"- {t}, {ed} ed. ISBN {shown}\n"
        c.add(f"admin/library/reading_list_{i + 1}.txt", None, body)
    for i in range(14):
        day = rand_date(r, dt.date(2023, 1, 2), dt.date(2025, 5, 26))
        day -= dt.timedelta(days=day.weekday())
        rows = [["Emp ID", "Employee", "Date", "In", "Out", "Lunch", "Hours", "Notes"]]
        for e in r.sample(pop.employees, r.randint(5, 14)):
            for k in range(5):
                dd = day + dt.timedelta(days=k)
                tin = dt.datetime(dd.year, dd.month, dd.day, r.randint(7, 9), r.choice([0, 15, 30, 45]))
                tout = tin + dt.timedelta(hours=r.randint(6, 9), minutes=r.choice([0, 15, 30]))
                rows.append([e.empid, f"{e.first} {e.last[0]}.", us(dd), tin.strftime("%H:%M"), tout.strftime("%H:%M"), "0:30",
                             f"{(tout - tin).seconds / 3600 - 0.5:.2f}", r.choice(["", "", "", "late - traffic", "left early (appt)"])])
        c.add(f"hr/timesheets/{day.year}/timesheet_week_of_{day.isoformat()}.csv", None, "\n".join(",".join(x) for x in rows) + "\n",
              enc="cp1252" if any(ch in str(rows) for ch in "éñüóá") else "utf-8")
    policies = [("HIPAA Privacy Policy", ["All workforce members must complete HIPAA training within 30 days of hire and annually thereafter.",
                                          "Protected health information may only be accessed for treatment, payment or operations.",
                                          "Report suspected breaches to the Privacy Officer immediately; do not attempt to investigate on your own.",
                                          "Faxes containing PHI must use the approved cover sheet and be confirmed by phone when sent to a new number."]),
                ("Breach Notification Procedure", ["Within 24 hours: contain the incident and preserve evidence.", "Within 5 business days: complete the risk assessment (4-factor).",
                                                   "Notify affected individuals without unreasonable delay and no later than 60 days after discovery.",
                                                   "Breaches affecting 500 or more residents of a state also require media notice."]),
                ("Emergency Action Plan", ["In case of fire, pull the nearest alarm and call 911.", "Evacuate to the north parking lot; the office manager takes the sign-in sheet.",
                                           "Oxygen tanks are stored in the sterilization room; the AED is at the front desk.", "Earthquake: drop, cover and hold on."]),
                ("Infection Control Manual", ["Spore testing of each autoclave is performed weekly and logged.", "Waterline testing is performed quarterly; target below 500 CFU/mL.",
                                              "Single-use items are never reprocessed.", "Hand hygiene before and after every patient contact."]),
                ("Record Retention Policy", ["Adult records are retained 10 years after the last visit; minors until age 21 or 10 years, whichever is longer.",
                                             "Paper records are shredded by a bonded vendor; certificates of destruction are kept 6 years.",
                                             "Electronic backups are retained 90 days offsite."]),
                ("Social Media Policy", ["Never post photos taken in clinical areas.", "Do not respond to online reviews with any patient details, even to correct them.",
                                         "Refer press inquiries to the practice administrator."]),
                ("Financial Policy (patient-facing)", ["Copays are due at the time of service.", "We bill your insurance as a courtesy; balances not paid within 60 days are your responsibility.",
                                                       "A $25 fee applies to returned checks.", "Missed appointments without 24 hours notice may incur a $50 fee."])]
    for i, (title, paras) in enumerate(policies):
        for rev in range(2):
            body = f"{title.upper()}\nRevision {rev + 1}.{r.randint(0, 4)} - effective {us(dt.date(2021 + rev * 2, r.randint(1, 12), 1))}\n\n"
            body += "\n\n".join(wrap(f"{k + 1}. {p}") for k, p in enumerate(r.sample(paras, len(paras)))) + "\n\nApproved by the Privacy Officer and the Practice Administrator.\n"
            c.add(f"admin/policies/{title.replace(' ', '_').replace('(', '').replace(')', '')}_rev{rev + 1}.txt", None, body, enc=r.choice(["utf-8", "utf-8", "cp1252"]))
    for i in range(10):
        q = f"{r.randint(2022, 2024)}-Q{r.randint(1, 4)}"
        body = f"{r.choice(list(PRACTICES.values())).name} - {r.choice(['Quarterly KPI report', 'Payer mix summary', 'Provider productivity', 'Recall effectiveness'])} {q}\n\n"
        body += f"{'Metric':<36}{'Value':>12}\n" + "-" * 48 + "\n"
        for m in r.sample(["Visits", "New patients", "No-show rate", "Avg days in A/R", "Collections ratio", "Medicare share", "Commercial share",
                           "Medicaid share", "Hygiene reappointment rate", "Claims first-pass rate", "Avg wait time (min)", "Portal adoption"], 7):
            val = f"{r.uniform(1, 99):.1f}%" if any(w in m for w in ["rate", "ratio", "share", "adoption"]) else f"{r.randint(8, 4800):,}"
            body += f"{m:<36}{val:>12}\n"
        body += "\nNo patient-level data in this report. Source: PM system monthly close.\n"
        c.add(f"reports/kpi/{r.choice(['KPI', 'kpi_report', 'Summary'])}_{q}_{i}.txt", None, body)
    for i, (codes, name) in enumerate([(CPT, "medical"), (CDT, "dental"), (CPT, "medical_2023"), (CDT, "dental_2023"), (CPT, "peds")]):
        rows = [["Code", "Description", "Fee", "Medicare Allowed" if name.startswith("medical") else "UCR 80th"]]
        for code, desc, fee in codes:
            rows.append([code, f'"{desc}"' if "," in desc else desc, f"{fee * r.uniform(0.95, 1.1):.2f}", f"{fee * r.uniform(0.5, 0.9):.2f}"])
        c.add(f"billing/fee_schedules/fee_schedule_{name}.csv", None, "\n".join(",".join(x) for x in rows) + "\n")


def gen_more_negatives(c: Corpus, pop):
    r = rng_for("more_neg")
    inits = [f"{e.first[0]}{e.last[0]}" for e in pop.employees]
    for i in range(8):
        day = rand_date(r, dt.date(2022, 1, 3), dt.date(2025, 4, 1))
        rows = [["Date", "Cycle #", "Sterilizer", "Load", "Temp (F)", "Pressure (psi)", "Time (min)", "Indicator", "BI Result", "Operator"]]
        cyc = r.randint(1000, 30000)
        for k in range(r.randint(60, 160)):
            dd = day + dt.timedelta(days=k // 3)
            cyc += 1
            rows.append([us(dd), str(cyc), r.choice(["Statim 5000", "Midmark M11", "Tuttnauer 2540"]), r.choice(["cassettes", "handpieces", "pouches", "mixed"]),
                         str(r.choice([270, 273, 250])), f"{r.uniform(27.0, 31.5):.1f}", str(r.choice([4, 6, 30])), "PASS",
                         r.choice(["", "", "", "neg", "neg (control pos)"]), r.choice(inits)])
        c.add(f"clinical/sterilization/steri_log_{day.strftime('%Y-%m')}_{i}.csv", None, "\n".join(",".join(x) for x in rows) + "\n")
    for i in range(6):
        day = dt.date(r.randint(2022, 2025), r.randint(1, 5), 1)
        lines = [f"VACCINE REFRIGERATOR TEMPERATURE LOG - {MONTHS[day.month - 1]} {day.year}", f"Unit: {r.choice(['Helmer i.Series', 'Follett REF5', 'LabRepCo Futura'])}   Data logger SN {r.randint(10 ** 7, 10 ** 8 - 1)}", "",
                 f"{'Date':<12}{'Time':<7}{'Min °F':>8}{'Max °F':>8}{'Now °F':>8}  Initials  Action"]
        for k in range(28):
            dd = day + dt.timedelta(days=k)
            if dd.weekday() >= 5:
                continue
            lo, hi = r.uniform(36.0, 39.0), r.uniform(39.5, 45.5)
            act = "" if hi < 46 else "moved stock, called manufacturer"
            lines.append(f"{us(dd):<12}{r.choice(['07:45', '08:00', '08:10']):<7}{lo:>8.1f}{hi:>8.1f}{r.uniform(lo, hi):>8.1f}  {r.choice(inits):<8}  {act}")
        c.add(f"clinical/vaccines/fridge_temps_{day.strftime('%Y-%m')}.txt", None, "\n".join(lines) + "\n", enc="cp1252")
    for i in range(6):
        day = rand_date(r, dt.date(2023, 1, 1), dt.date(2025, 5, 30))
        lines = []
        for _ in range(r.randint(150, 500)):
            t = ts(r, day)
            kind = r.randint(0, 2)
            if kind == 0:
                lines.append(f"{t} SCAN-01 scan-to-folder \\\\FS01\\Share\\scans-export\\{day.strftime('%Y-%m')}\\SCAN_{day.strftime('%Y%m%d')}_{r.randint(1000, 9999)}.pdf pages={r.randint(1, 12)} user={r.choice(['frontdesk1', 'frontdesk2', 'billing'])} dpi=300")
            elif kind == 1:
                lines.append(f"{t} {r.choice(['PRN-FRONT', 'PRN-BACK'])} job {r.randint(1000, 99999)} '{r.choice(['Microsoft Word - Document1', 'statement batch', 'superbill', 'label sheet', 'Daily schedule'])}' {r.randint(1, 40)} pages duplex={r.choice(['on', 'off'])} status=OK")
            else:
                lines.append(f"{t} {r.choice(['PRN-FRONT', 'PRN-BACK'])} toner {r.choice(['K', 'C', 'M', 'Y'])} {r.randint(3, 100)}% drum {r.randint(20, 100)}% counter={r.randint(10000, 300000)}")
        c.add(f"IT/logs/printers/mfp_{day.strftime('%Y%m%d')}.log", None, "\n".join(sorted(lines)) + "\n", crlf=True)
    for i in range(3):
        day = rand_date(r, dt.date(2023, 1, 1), dt.date(2025, 5, 30))
        lines = ["Date,Time,Event,Input V,Output V,Battery %,Load %,Runtime min"]
        for _ in range(r.randint(100, 300)):
            lines.append(f"{us(day + dt.timedelta(days=r.randint(0, 60)))},{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d},{r.choice(['Self test passed', 'On battery', 'Power restored', 'Status poll', 'Status poll'])},{r.randint(108, 124)},{r.randint(118, 121)},{r.randint(60, 100)},{r.randint(12, 55)},{r.randint(8, 45)}")
        c.add(f"IT/logs/ups/ups_events_{day.strftime('%Y%m')}.csv", None, "\n".join(lines) + "\n")
    templates = [
        ("admin/forms/templates/New Patient Registration - BLANK.txt",
         "NEW PATIENT REGISTRATION\n\nLast name: ______________  First: ______________  MI: __\nDOB: ____/____/______    Sex: M / F / X    SSN: ___-__-____\n"
         "Address: ________________________________________\nHome phone: (___) ___-____   Cell: (___) ___-____\nEmail: ______________________\n\n"
         "INSURANCE\nCarrier: ______________  Member ID: ______________  Group #: __________\nSubscriber name: ______________  Subscriber DOB: __/__/____\n"),
        ("admin/forms/templates/referral_letter_template.txt",
         "{{practice_letterhead}}\n\n{{today}}\n\nRE: {{patient_name}}\nDOB: {{patient_dob}}\nMRN: {{patient_mrn}}\nMember ID: {{member_id}}\n\nDear Dr. {{recipient_last}},\n\n"
         "Thank you for seeing {{patient_first}} for {{reason}}.\n\nSincerely,\n{{provider_name}}, {{provider_credential}}\nNPI: {{provider_npi}}\n"),
        ("admin/forms/templates/superbill_template.txt",
         "SUPERBILL\nPatient: ______________  Acct #: ________  DOB: ________\nPrimary Ins: ______________  Policy #: ______________\n"
         "Date of Service: ________  Rendering NPI: __________\n[ ] 99212  [ ] 99213  [ ] 99214  [ ] 99215  [ ] 99396\nCard on file: [ ] Visa [ ] MC [ ] Amex  Card #: ____ ____ ____ ____\n"),
        ("admin/forms/templates/HIPAA release form.txt",
         "AUTHORIZATION FOR RELEASE OF PROTECTED HEALTH INFORMATION\n\nPatient name: ____________________  Date of birth: ___________\nMedical Record Number: __________\n\n"
         "I authorize the release of: [ ] all records  [ ] records from ____ to ____  [ ] x-rays only\nTo: ______________________  Fax: ______________\n\n"
         "This authorization expires one year from the date signed unless revoked in writing.\n\nSignature: ____________________  Date: ________\n"),
        ("admin/forms/templates/direct_deposit_form.txt",
         "DIRECT DEPOSIT AUTHORIZATION\n\nEmployee name: ____________  SSN: ___-__-____\nBank name: ____________\nRouting number: _________  Account number: _____________\n[ ] Checking  [ ] Savings\n"),
        ("front-desk/phone scripts.txt",
         "Answering the phone\n\n\"Thank you for calling Harborview Family Medicine, this is ____, how may I help you?\"\n\nVerify identity with TWO identifiers: full name and date of birth.\n"
         "Never read back the SSN or the full member ID to a caller.\nIf the caller asks for test results, take a message for the MA.\nFor emergencies, tell the caller to hang up and dial 911.\n"),
    ]
    for path, body in templates:
        c.add(path, None, body, enc=r.choice(["utf-8", "utf-8", "cp1252"]), crlf=r.random() < 0.5)
    c.add("IT/phone-system/auto_attendant_prompts.txt", None,
          "Main greeting (business hours):\n  Thank you for calling. If this is a medical emergency, hang up and dial 911.\n  Press 1 for appointments, 2 for billing, 3 for prescription refills, 4 for the portal help line, 0 for the operator.\n\n"
          "After hours:\n  Our office is closed. Press 1 to reach the answering service for the on-call provider.\n\nHoliday greeting recorded by the office manager; re-record yearly.\n")


def gen_test_data(c: Corpus, pop):
    r = rng_for("testdata")
    fake_ssns = ["123-45-6789", "078-05-1120", "219-09-9999", "123-45-6789", "078-05-1120", "000-12-3456", "666-40-1234",
                 "900-12-3456", "912-93-1234", "555-00-1234", "555-44-0000", "111-11-1111"]
    for i in range(12):
        lines = [r.choice(["*** SAMPLE DATA - FOR TRAINING ONLY ***", "TEST PATIENT RECORDS (not real people)", "Example records for the new front desk staff",
                           "Dummy data for clearinghouse test file"]), ""]
        for k in range(r.randint(3, 8)):
            lines.append(f"Patient: {r.choice(['TEST', 'Sample', 'Demo', 'Zztest'])}, {r.choice(['Patient', 'Adult', 'Child', 'Donald', 'Mickey'])} {k + 1}")
            lines.append(f"  SSN: {r.choice(fake_ssns)}")
            lines.append(f"  DOB: {r.choice(['XX/XX/XXXX', '00/00/0000', '02/30/1980', '13/45/1990', 'unknown', '1/1/1899'])}")
            lines.append(f"  MRN: {r.choice(['TEST', 'ZZTEST', 'DEMO-A', 'SAMPLE', 'T-001'])}")
            lines.append(f"  Member ID: {r.choice(['SAMPLE', 'TESTMEMBER', 'NONE', 'XXXXXXXX'])}    Group #: {r.randint(1000, 99999)}")
            lines.append(f"  Card: {fmt_card(r.choice(sorted(TEST_CARDS)), r.choice([' ', '-']))}   Exp 12/30")
            lines.append(f"  NPI: {r.choice(['1234567890', '1111111111', '9999999999', '1000000000'])}   DEA: {r.choice(['AB1234567', 'AA0000009', 'ZZ9999999'])}")
            lines.append(f"  Phone: {r.choice(['555-0100', '555-0123', '(555) 010-0199', '123-456-7890', '000-000-0000'])}")
            lines.append("")
        lines.append(f"Format example: {r.randint(100, 599)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}  (do not use real numbers in test files)")
        c.add(f"training/{r.choice(['sample', 'test', 'demo'])}_patients_{i + 1}.txt", None, "\n".join(lines) + "\n", enc=r.choice(["utf-8", "utf-8-sig"]))


def gen_binaries(c: Corpus, pop):
    r = rng_for("binaries")
    def clean_random(n: int) -> bytes:
        b = bytearray(r.getrandbits(8) for _ in range(n))
        for k in range(len(b)):          # keep printable runs short so no text pattern can form
            if 0x20 <= b[k] < 0x7F and k % 3 == 0:
                b[k] = 0x00
        return bytes(b)
    c.add_binary("IT/firmware/PRN-FRONT_fw_1.42.bin", b"\x7fFWIMG\x01\x00" + clean_random(48000))
    c.add_binary("IT/backup/.catalog/blockmap.bin", clean_random(20000))
    recs = bytearray()
    for k in range(400):
        name = f"SCAN_{20240101 + k % 28:08d}_{k:04d}.pdf".encode()
        recs += name.ljust(40, b"\x00") + f"pages={r.randint(1, 9)}".encode().ljust(12, b"\x00") + bytes([r.getrandbits(8) for _ in range(12)])
    c.add_binary("scans-export/index.dat", b"IDX2\x00\x00\x01\x90" + bytes(recs))
    c.add_binary("scans-export/.thumbnails/Thumbs.db", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + clean_random(9000))
    raw = b"".join(b"\x00" + bytes([30, 90, 160]) * 16 for _ in range(16))
    def chunk(t, data):
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    c.add_binary("admin/letterhead_logo.png", png)
    c.add("billing/2024/.~lock.charges_2024-03.csv#", None, f",{pop.employees[3].first} {pop.employees[3].last},BILLING-01,12.03.2024 09:14,file:///C:/Users/billing/AppData/Roaming/LibreOffice/4;\n")
    c.add("front-desk/desktop.ini", None, "[.ShellClassInfo]\nIconResource=C:\\Windows\\System32\\imageres.dll,-183\n[ViewState]\nMode=\nVid=\nFolderType=Documents\n", enc="utf-16le-bom", crlf=True)


def gen_directory(c: Corpus, pop):
    """Low-sensitivity positives: phones and emails only."""
    r = rng_for("directory")
    d = Doc()
    body = "STAFF DIRECTORY (internal - do not post)\n\n"
    for e in sorted(pop.employees, key=lambda x: x.last):
        body += f"{(e.last + ', ' + e.first):<28}{e.role:<30}{d.phone(e.phone, 'dash'):<15}  {d.email(e.work_email)}\n"
    body += "\nProviders:\n"
    for pv in pop.providers:
        body += f"{(pv.last + ', ' + pv.first + ' ' + pv.cred):<34}{PRACTICES[pv.practice].short:<6}{d.phone(pv.direct, 'paren')}  {d.email(pv.email)}\n"
    c.add("admin/Staff Directory.txt", d, body, enc="cp1252", crlf=True)
    d = Doc()
    body = "ON-CALL ROTATION\n\n"
    for k in range(12):
        pv = r.choice([x for x in pop.providers if x.dea])
        wk = dt.date(2024, 1, 1) + dt.timedelta(weeks=k)
        body += f"Week of {us(wk)}: Dr. {pv.last} - cell {d.phone(pop.ids.phone('503'), r.choice(['dash', 'paren', 'dot']))}\n"
    body += "\nAnswering service picks up after 5 pm and pages the on-call provider.\n"
    c.add("admin/on-call schedule 2024.txt", d, body, enc="utf-16be-bom", crlf=True)
    d = Doc()
    body = "Referral partner fax/phone list\n\n"
    for e in pop.externals:
        body += f"{e.org:<48} P {d.phone(e.phone, 'paren')}   F {d.phone(e.fax, 'paren')}   {d.email('referrals@' + e.domain)}\n"
    c.add("front-desk/referral partners.txt", d, body, enc="utf-16be-bom")
    d = Doc()
    body = "Payer phone numbers (provider lines)\n\n"
    for name in ["Aetna", "Regence", "UHC", "Cigna", "Delta Dental", "MetLife", "PacificSource", "Moda", "Medicare Part B (Noridian)", "OHP"]:
        body += f"{name:<28}{d.phone(pop.ids.phone(r.choice(['800', '866', '877', '888'])), r.choice(['one', 'dash', 'paren']))}\n"
    c.add("insurance/payer_phone_list.txt", d, body, enc="utf-16le")
    d = Doc()
    body = "Hi team,\n\nThe new portal goes live Monday. Patients who call with login trouble can email " + d.email("portal-help@" + PRACTICES["fm"].domain)
    body += " or call the help line at " + d.phone(PRACTICES["fm"].phone, "dash") + " option 4.\n\nThanks!\n"
    c.add("portal/announcement_portal_launch.txt", d, body, enc="utf-16le")


# ----------------------------------------------------------------------------------------------
# Oracle: an independent reference scanner implementing the labelling rules (self-check)
# ----------------------------------------------------------------------------------------------


I = re.IGNORECASE
LAST_VALID_DOB = dt.date(2024, 12, 31)    # DOBs in 2025 are kept out: "not in the future" depends on the run date

EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9\-])")
SSN_FMT_RE = re.compile(r"(?<![\w\-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w\-])")
PHONE_RES = [
    re.compile(r"(?<![\w(])\((\d{3})\)( ?)(\d{3})-(\d{4})(?![\w\-])"),
    re.compile(r"(?<![\w\-.+])(?:1-)?(\d{3})-(\d{3})-(\d{4})(?![\w\-])"),
    re.compile(r"(?<![\w.])(\d{3})\.(\d{3})\.(\d{4})(?![\w]|\.\d)"),
    re.compile(r"\+1[ \-]?\(?(\d{3})\)?[ \-](\d{3})[ \-](\d{4})(?!\w)"),
]
PHONE_SPACE_RE = re.compile(r"(?<![\w+\-])(\d{3}) (\d{3}) (\d{4})(?![\w\-])")
L_, A_ = f"[{MBI_LETTERS}]", f"[{MBI_LETTERS}0-9]"
MBI_DASHED = rf"[1-9]{L_}{A_}\d-{L_}{A_}\d-{L_}{L_}\d\d"
MBI_PLAIN = rf"[1-9]{L_}{A_}\d{L_}{A_}\d{L_}{L_}\d\d"
MBI_ANY_RE = re.compile(rf"(?<![A-Za-z0-9\-])(?:{MBI_DASHED}|{MBI_PLAIN})(?![A-Za-z0-9\-])")
DEA_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z9]\d{7}(?![A-Za-z0-9])")
CARD16_RE = re.compile(r"(?<![\d\-])(?<!\d )(\d{4})([ \-])(\d{4})\2(\d{4})\2(\d{4})(?![\d\-]|[ \-]\d)")
CARD15_RE = re.compile(r"(?<![\d\-])(?<!\d )(\d{4})([ \-])(\d{6})\2(\d{5})(?![\d\-]|[ \-]\d)")
BARE_RE = re.compile(r"(?<![\w\-./$])(\d{9,19})(?![\w\-/]|\.\d)")

KW_SSN = re.compile(r"(?<![A-Za-z])(?:ssn|ss\s?#|social\s+security(?:\s+(?:number|no\.?|#))?|soc\.?\s*sec\.?(?:\s*#)?|tax\s*id|taxpayer\s+id)", I)
KW_SSN_BROAD = re.compile(r"(?<![A-Za-z0-9])(?:ssn|ss\s?#|social|soc\.?\s*sec|tax\w*|tin|itin|w-?2|w-?9|1099|employee\s+id|benefit\w*|medicare|medicaid|payroll|ssa)(?![A-Za-z0-9])", I)
KW_SSN_NEG = re.compile(r"(?<![A-Za-z])(?:phone|tel|fax|zip|postal|order|invoice|tracking|account|acct|routing|isbn|case\s*no|test|example|sample|dummy)", I)
KW_BIRTH = re.compile(r"(?<![A-Za-z])(?:dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthdate|born|birthday|bday)(?![A-Za-z])", I)
KW_BIRTH_BROAD = re.compile(r"(?<![A-Za-z])(?:dob|d\.o\.b|birth\w*|born|bday|b-day|age)(?![A-Za-z])", I)
KW_MRN = re.compile(r"(?<![A-Za-z])(?:mrn|mr\s?#|med\.?\s*rec\.?\s*(?:#|no\.?|number)|medical\s+record\s+(?:number|no\.?|#)|chart\s*(?:#|no\.)|patient\s*(?:id|#)|acct\.?\s*#)", I)
KW_MRN_BROAD = re.compile(r"(?<![A-Za-z])(?:mrn|mr|med\.?\s*rec|medical\s+record|chart|patient\s*(?:id|#|no|number)|pt\.?\s*(?:id|#|no)|acct|account|record\s*(?:#|no|number)|guarantor)(?![A-Za-z])", I)
KW_INS = re.compile(r"(?<![A-Za-z])(?:member\s*(?:id|#)|subscriber\s*(?:id|#)|policy\s*(?:#|number)|insurance\s*id|medicaid\s*id)", I)
KW_HICN = re.compile(r"(?<![A-Za-z])(?:hicn|hic\s*#|medicare\s*(?:#|id))", I)
KW_INS_BROAD = re.compile(r"(?<![A-Za-z])(?:member|subscriber|policy|insurance|ins\.?\s*(?:id|#)|medicaid|medicare|hic|beneficiary|plan\s*id|id\s*#|cert|enrollee)(?![A-Za-z])", I)
KW_NPI = re.compile(r"(?<![A-Za-z])(?:npi|national\s+provider\s+identifier|provider\s+id)(?![A-Za-z])", I)
KW_NPI_BROAD = re.compile(r"(?<![A-Za-z])(?:npi|national\s+provider|provider|prov|taxonomy|rendering|billing|referring|attending|ordering)(?![A-Za-z])", I)
KW_PHONE = re.compile(r"(?<![A-Za-z])(?:phone|tel|fax|cell)(?![A-Za-z])", I)
KW_PHONE_BROAD = re.compile(r"(?<![A-Za-z])(?:phone\w*|tel\w*|fax|cell|mobile|call\w*|contact|ph|cb|sms|text)(?![A-Za-z])", I)
KW_CARD = re.compile(r"(?<![A-Za-z])(?:card|visa|mastercard|master\s*card|amex|american\s+express|credit\s+card|cc\s*#|cc)(?![A-Za-z])", I)
KW_CARD_BROAD = re.compile(r"(?<![A-Za-z])(?:card\w*|visa|master\w*|amex|american\s+express|discover|credit|debit|cc|payment|paid|charge|pmt|pan)(?![A-Za-z])", I)
SEP = r"[ \t]{0,3}(?:#|no\.?|number)?[ \t]{0,2}[:#=]?[ \t]{0,3}"
TOKEN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?![A-Za-z0-9\-])")

_MON = "|".join(MONTHS + MON3) + "|Sept"
DATE_RES = [
    ("mdy", re.compile(r"(?<![\w/.\-])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\w/]|\.\d)")),
    ("iso", re.compile(r"(?<![\w/.\-])(\d{4})-(\d{2})-(\d{2})(?![\w/\-]|\.\d)")),
    ("dot", re.compile(r"(?<![\w/.\-])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\w/.])")),
    ("mon_d_y", re.compile(rf"(?<![\w])({_MON})\.? (\d{{1,2}}), (\d{{4}})(?!\w)")),
    ("d_mon_y", re.compile(rf"(?<![\w/.\-])(\d{{1,2}}) ({_MON}) (\d{{4}})(?!\w)")),
    ("d_mon_yy", re.compile(rf"(?<![\w/.\-])(\d{{1,2}})-({_MON})-(\d{{2}}|\d{{4}})(?![\w\-])")),
]
DATE_LIKE_RE = re.compile(rf"(?<![\w])(?:\d{{1,4}}[/\-.]\d{{1,2}}[/\-.]\d{{1,4}}|(?:19|20)\d{{6}}|(?:{_MON})\.? \d{{1,2}}(?:, \d{{2,4}})?|\d{{1,2}}[ \-](?:{_MON})(?:[ \-]\d{{2,4}})?)(?!\w)")


def month_num(s: str) -> int:
    s = s[:3].title()
    return MON3.index(s) + 1


def parse_date(kind: str, m) -> dt.date | None | str:
    """Returns a date, None (a supported format but not a valid date) or 'ambiguous'."""
    try:
        if kind == "mdy":
            mo, d, y = int(m.group(1)), int(m.group(2)), m.group(3)
            y = int(y) if len(y) == 4 else two_digit_year(int(y))
        elif kind == "iso":
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif kind == "dot":
            mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if mo != d and mo <= 12 and d <= 12:
                return "ambiguous"
        elif kind == "mon_d_y":
            mo, d, y = month_num(m.group(1)), int(m.group(2)), int(m.group(3))
        elif kind == "d_mon_y":
            d, mo, y = int(m.group(1)), month_num(m.group(2)), int(m.group(3))
        elif kind == "d_mon_yy":
            d, mo, y = int(m.group(1)), month_num(m.group(2)), m.group(3)
            y = int(y) if len(y) == 4 else two_digit_year(int(y))
        elif kind == "compact":
            y, mo, d = int(m[:4]), int(m[4:6]), int(m[6:8])
        else:
            raise ValueError(kind)
        return dt.date(y, mo, d)
    except ValueError:
        return None


def dob_status(d) -> str:
    """'valid', 'invalid' or 'ambiguous' for a parsed date under a DOB label."""
    if d == "ambiguous":
        return "ambiguous"
    if d is None or d.year < 1900 or d.year > 2026:
        return "invalid"
    if d.year >= 2025:
        return "ambiguous"   # could be in the future depending on the day the scan runs
    return "valid"


class Oracle:
    def __init__(self, path: str, text: str):
        self.path, self.text = path, text
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
        self.found: list[tuple[int, int, str, str, str]] = []
        self.problems: list[str] = []
        self.bare_nums = [(m.start(1), m.end(1), m.group(1)) for m in BARE_RE.finditer(text)]

    # -- helpers --
    def line_start(self, pos: int) -> int:
        return self.starts[bisect.bisect_right(self.starts, pos) - 1]

    def line_end(self, pos: int) -> int:
        i = bisect.bisect_right(self.starts, pos)
        return self.starts[i] if i < len(self.starts) else len(self.text)

    def kws_before(self, kw, pos: int, maxdist: int):
        lo = max(self.line_start(pos), pos - maxdist - 40)
        out = []
        for m in kw.finditer(self.text, lo, pos):
            if pos - m.end() <= maxdist:
                out.append(m)
        return out

    def kws_after(self, kw, pos: int, maxdist: int):
        hi = min(self.line_end(pos), pos + maxdist + 40)
        return [m for m in kw.finditer(self.text, pos, hi) if m.start() - pos <= maxdist]

    def add(self, s, e, kind, value, why):
        self.found.append((s, e, kind, value, why))

    def prob(self, pos, msg):
        ls, le = self.line_start(pos), self.line_end(pos)
        self.problems.append(f"{self.path}@{pos}: {msg} | {self.text[ls:le].strip()[:160]!r}")

    def is_found(self, s, e):
        return any(fs < e and s < fe for fs, fe, *_ in self.found)

    # -- scanning --
    def run(self, ext: str):
        t = self.text
        if ext in (".csv", ".tsv"):
            self.structured_table("," if ext == ".csv" else "\t")
        elif ext == ".sql":
            self.structured_sql()
        elif ext in (".html", ".htm"):
            self.structured_html()
        elif ext == ".hl7":
            self.structured_hl7()
        elif ext in (".x12", ".837", ".835", ".edi"):
            self.structured_x12()
        elif ext == ".json" and '"resourceType"' in t:
            self.structured_fhir()
        self.anywhere()
        self.keyworded()
        self.grey_zones()
        return self.finish()

    def anywhere(self):
        t = self.text
        for m in EMAIL_RE.finditer(t):
            self.add(m.start(), m.end(), "email", m.group(0).lower(), "email")
        for m in SSN_FMT_RE.finditer(t):
            v = m.group(1) + m.group(3) + m.group(4)
            if v[0] == "9":
                kind = "itin" if itin_valid(v) else None
            else:
                kind = "ssn" if ssn_valid(v) else None
            if not kind:
                continue
            pos = [("pos", k) for k in self.kws_before(KW_SSN, m.start(), 50)]
            neg = [("neg", k) for k in self.kws_before(KW_SSN_NEG, m.start(), 50)]
            if neg:
                closest = max(pos + neg, key=lambda x: x[1].end())
                if closest[0] == "neg":
                    if m.start() - closest[1].end() > 20:
                        self.prob(m.start(), "formatted SSN with distant negative context")
                    continue
            self.add(m.start(), m.end(), kind, v, "ssn-formatted")
        for rx in PHONE_RES:
            for m in rx.finditer(t):
                g = [x for x in m.groups() if x and x.strip()]
                v = "".join(g[-3:])
                if rx is PHONE_RES[0] and m.group(2) == "":
                    self.prob(m.start(), "(ddd)ddd-dddd without space")
                if nanp_valid(v):
                    self.add(m.start(), m.end(), "phone", v, "phone-formatted")
        for m in PHONE_SPACE_RE.finditer(t):
            v = "".join(m.groups())
            if nanp_valid(v) and not t[max(0, m.start() - 3):m.start()].strip().endswith("+1"):
                self.prob(m.start(), "space-separated phone layout")
        for m in MBI_ANY_RE.finditer(t):
            self.add(m.start(), m.end(), "insurance_id", m.group(0).replace("-", ""), "mbi")
        for m in DEA_RE.finditer(t):
            if dea_valid(m.group(0)):
                self.add(m.start(), m.end(), "dea", m.group(0), "dea")
        for rx in (CARD16_RE, CARD15_RE):
            for m in rx.finditer(t):
                v = digits(m.group(0))
                if card_valid(v):
                    self.add(m.start(), m.end(), "credit_card", v, "card-formatted")
                elif luhn_ok(v) and v not in TEST_CARDS:
                    self.prob(m.start(), "grouped Luhn-valid number with a non-listed IIN")

    def keyworded(self):
        t = self.text
        # bare numbers: SSN (9), NPI / phone (10), cards (13-19)
        for s, e, v in self.bare_nums:
            if len(v) == 9:
                ks = self.kws_before(KW_SSN, s, 40)
                if ks:
                    if ssn_valid(v):
                        if s - ks[-1].end() > 12:
                            self.prob(s, "bare SSN far from its label")
                        self.add(s, e, "ssn", v, "ssn-bare")
                    elif itin_valid(v):
                        self.prob(s, "bare ITIN after SSN label")
            if len(v) == 10:
                ks = self.kws_before(KW_NPI, s, 20)
                if ks and npi_valid(v):
                    self.add(s, e, "npi", v, "npi-kw")
                kp = self.kws_before(KW_PHONE, s, 15)
                if kp and nanp_valid(v):
                    self.add(s, e, "phone", v, "phone-kw")
            if 13 <= len(v) <= 19:
                kc = self.kws_before(KW_CARD, s, 30)
                if kc and card_valid(v):
                    self.add(s, e, "credit_card", v, "card-kw")
        # dates with birth context
        for kind, rx in DATE_RES:
            for m in rx.finditer(t):
                kb = self.kws_before(KW_BIRTH, m.start(), 40)
                if not kb:
                    continue
                st = dob_status(parse_date(kind, m))
                if st == "valid":
                    if m.start() - kb[-1].end() > 15:
                        self.prob(m.start(), "DOB far from its label")
                    self.add(m.start(), m.end(), "dob", parse_date(kind, m).isoformat(), "dob-kw")
                elif st == "ambiguous":
                    self.prob(m.start(), "ambiguous date under a birth label")
        # label: value pairs
        for kw, kind in ((KW_MRN, "mrn"), (KW_INS, "insurance_id"), (KW_HICN, "hicn")):
            for m in kw.finditer(t):
                sm = re.compile(SEP, I).match(t, m.end())
                tm = TOKEN_RE.match(t, sm.end())
                if not tm:
                    continue
                tok = tm.group(0)
                if kind == "mrn" and mrn_token_ok(tok):
                    self.add(tm.start(), tm.end(), "mrn", alnum_upper(tok), "mrn-kw")
                elif kind == "insurance_id" and ins_token_ok(tok):
                    self.add(tm.start(), tm.end(), "insurance_id", alnum_upper(tok), "ins-kw")
                elif kind == "hicn":
                    if hicn_valid(tok):
                        self.add(tm.start(), tm.end(), "insurance_id", tok, "hicn")
                    elif not mbi_valid(tok) and ins_token_ok(tok):
                        self.prob(tm.start(), "non-MBI, non-HICN value after a Medicare label")

    def grey_zones(self):
        """Constructs the rules leave open: the corpus must not contain them unlabelled."""
        t = self.text
        for s, e, v in self.bare_nums:
            if self.is_found(s, e):
                continue
            if len(v) == 9 and (ssn_valid(v) or itin_valid(v)):
                if self.kws_before(KW_SSN_BROAD, s, 80) or self.kws_after(KW_SSN_BROAD, e, 30):
                    self.prob(s, f"unlabelled 9-digit {v} near an SSN-ish word")
            if len(v) == 10 and npi_valid(v) and (self.kws_before(KW_NPI_BROAD, s, 60) or self.kws_after(KW_NPI_BROAD, e, 20)):
                self.prob(s, f"unlabelled NPI-valid {v} near a provider word")
            if len(v) in (10, 11) and nanp_valid(v[-10:]) and (len(v) == 10 or v[0] == "1"):
                if self.kws_before(KW_PHONE_BROAD, s, 60):
                    self.prob(s, f"unlabelled phone-like {v} near a phone word")
            if 13 <= len(v) <= 19 and card_valid(v) and self.kws_before(KW_CARD_BROAD, s, 60):
                self.prob(s, f"unlabelled card-valid {v} near a payment word")
        for m in DATE_LIKE_RE.finditer(t):
            if self.is_found(m.start(), m.end()) or re.fullmatch(r"\d{3}-\d{2}-\d{4}", m.group(0)):
                continue
            if self.kws_before(KW_BIRTH_BROAD, m.start(), 80) or self.kws_after(KW_BIRTH_BROAD, m.end(), 25):
                # allowed only when it is clearly not a valid date in a supported format
                ok_invalid = False
                for kind, rx in DATE_RES:
                    mm = rx.fullmatch(m.group(0))
                    if mm and dob_status(parse_date(kind, mm)) == "invalid":
                        ok_invalid = True
                if not ok_invalid:
                    self.prob(m.start(), f"unlabelled date {m.group(0)!r} near a birth word")
        for kw, okf, what in ((KW_MRN_BROAD, mrn_token_ok, "MRN"), (KW_INS_BROAD, ins_token_ok, "member id")):
            for m in kw.finditer(t):
                sm = re.compile(r"[^\w\n\r|*~^]{0,6}(?:(?:id|no|number|num)\b)?[^\w\n\r|*~^]{0,4}", I).match(t, m.end())
                tm = TOKEN_RE.match(t, sm.end())
                if tm and okf(tm.group(0)) and not self.is_found(tm.start(), tm.end()):
                    if re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|(?:19|20)\d\d-\d\d-\d\d", tm.group(0)):
                        continue
                    self.prob(tm.start(), f"unlabelled {what}-like token {tm.group(0)!r} after {m.group(0)!r}")
        if "1EG4-TE5-MK73" in t or "1EG4TE5MK73" in t:
            self.prob(t.find("1EG4"), "CMS sample MBI")

    def finish(self):
        self.found.sort(key=lambda f: (f[0], -f[1]))
        out = []
        for f in self.found:
            if out and f[0] < out[-1][1]:
                prev = out[-1]
                if prev[2] != f[2] or prev[3] != f[3]:
                    if not (prev[2] == f[2]):
                        self.prob(f[0], f"overlapping findings {prev[2]}={prev[3]} / {f[2]}={f[3]}")
                    elif prev[3] != f[3]:
                        self.prob(f[0], f"overlapping findings with different values {prev[3]} / {f[3]}")
                continue
            out.append(f)
        return out, self.problems

    # -- structure --
    def structured_table(self, delim: str):
        t = self.text
        lines = []
        for i, s in enumerate(self.starts):
            e = self.starts[i + 1] if i + 1 < len(self.starts) else len(t)
            line = t[s:e].rstrip("\r\n")
            if line.strip():
                lines.append((s, line))
        if not lines:
            return
        hs, hline = lines[0]
        header = [c for c, _ in split_delimited(hline, delim)]
        self.table_rows(header, [[(cell, s + off) for cell, off in split_delimited(line, delim)] for s, line in lines[1:]])

    def table_rows(self, header: list[str], rows: list[list[tuple[str, int]]]):
        """Judge every cell of a table by its column's header. `rows`: each row's cells as
        (text as written, position of that text in the file)."""
        kinds = [header_kind(h) for h in header]
        for row in rows:
            for ci, (cell, cpos) in enumerate(row):
                if ci >= len(kinds) or not cell:
                    continue
                pos, val, k = cpos, cell.strip(), kinds[ci]
                pos += len(cell) - len(cell.lstrip())
                end = pos + len(val)
                h = header[ci]
                if k == "ssn" and re.fullmatch(r"\d{9}", val):
                    if ssn_valid(val):
                        self.add(pos, end, "ssn", val, "col")
                    elif itin_valid(val):
                        self.prob(pos, "bare ITIN in an SSN column")
                elif k == "mrn" and mrn_token_ok(val) and TOKEN_RE.fullmatch(val):
                    self.add(pos, end, "mrn", alnum_upper(val), "col")
                elif k == "ins":
                    if hicn_valid(val):
                        self.add(pos, end, "insurance_id", val, "col")
                    elif ins_token_ok(val) and TOKEN_RE.fullmatch(val):
                        self.add(pos, end, "insurance_id", alnum_upper(val), "col")
                elif k == "npi" and npi_valid(val):
                    self.add(pos, end, "npi", val, "col")
                elif k == "dob":
                    hit = False
                    for kind, rx in DATE_RES:
                        mm = rx.fullmatch(val)
                        if mm:
                            hit = True
                            st = dob_status(parse_date(kind, mm))
                            if st == "valid":
                                self.add(pos, end, "dob", parse_date(kind, mm).isoformat(), "col")
                            elif st == "ambiguous":
                                self.prob(pos, "ambiguous date in DOB column")
                    if not hit and re.search(r"\d", val) and val.lower() not in ("unknown",):
                        self.prob(pos, f"unparsed value {val!r} in DOB column")
                elif k is None:
                    hl = h.lower()
                    if re.fullmatch(r"\d{9}", val) and (ssn_valid(val) or itin_valid(val)) and KW_SSN_BROAD.search(hl):
                        self.prob(pos, f"bare 9 digits under header {h!r}")
                    if re.fullmatch(r"\d{10}", val) and nanp_valid(val) and KW_PHONE_BROAD.search(hl):
                        self.prob(pos, f"bare 10 digits under header {h!r}")
                    if re.fullmatch(r"\d{13,19}", val) and card_valid(val) and KW_CARD_BROAD.search(hl):
                        self.prob(pos, f"bare card under header {h!r}")
                    if re.fullmatch(r"\d{10}", val) and npi_valid(val) and KW_NPI_BROAD.search(hl):
                        self.prob(pos, f"NPI-valid under header {h!r}")
                    if KW_BIRTH_BROAD.search(hl) and DATE_LIKE_RE.search(val):
                        self.prob(pos, f"date under header {h!r}")
                    if (KW_MRN_BROAD.search(hl) and mrn_token_ok(val)) or (KW_INS_BROAD.search(hl) and ins_token_ok(val)):
                        if not re.search(r"group|grp|name|payer|plan|type|status|date|carrier|deposit|bank", hl):
                            self.prob(pos, f"id-like value under header {h!r}")

    def structured_sql(self):
        """A dump's tables: the rows of `INSERT INTO t [(cols)] VALUES (...),...;` (columns from
        the list or the table's CREATE TABLE) and of `COPY t (cols) FROM stdin;` blocks."""
        t = self.text
        creates = {}
        for m in re.finditer(r"CREATE TABLE [`\"]?(?:\w+\.)?(\w+)[`\"]? \((.*?)\n\);", t, re.S):
            cols = re.findall(r"^\s*[`\"]?(\w+)[`\"]? \w", m.group(2), re.M)
            creates[m.group(1)] = [c for c in cols if c.upper() not in ("PRIMARY", "KEY", "UNIQUE")]
        for m in re.finditer(r"INSERT INTO [`\"]?(\w+)[`\"]?\s*(?:\(([^)]*)\))?\s*VALUES\s*", t):
            cols = [c.strip(" `\"") for c in m.group(2).split(",")] if m.group(2) else creates.get(m.group(1), [])
            rows, i = [], m.end()
            while i < len(t) and t[i] == "(":
                row, i = [], i + 1
                while True:
                    if t[i] == "'":
                        j = i + 1
                        while not (t[j] == "'" and t[j + 1] != "'"):
                            j += 2 if t[j] == "'" else 1
                        row.append((t[i + 1:j], i + 1))
                        i = j + 1
                    else:
                        j = i
                        while t[j] not in ",)":
                            j += 1
                        v = t[i:j]
                        row.append(("" if v == "NULL" else v, i))
                        i = j
                    if t[i] == ")":
                        break
                    i += 1
                rows.append(row)
                i += 1
                if i < len(t) and t[i] == ",":
                    i += 1
            self.table_rows(cols, rows)
        for m in re.finditer(r"^COPY (?:\w+\.)?(\w+) \(([^)]*)\) FROM stdin;\n(.*?)^\\\.$", t, re.S | re.M):
            cols = [c.strip() for c in m.group(2).split(",")]
            rows = []
            for lm in re.finditer(r"[^\n]+", m.group(3)):
                at, row = m.start(3) + lm.start(), []
                for f in lm.group(0).split("\t"):
                    row.append(("" if f == "\\N" else f, at))
                    at += len(f) + 1
                rows.append(row)
            self.table_rows(cols, rows)

    def structured_html(self):
        """A page's tables: the header is the last of the leading rows made of <th> cells only;
        `colspan` cells fill the columns they span."""
        t = self.text
        for tm in re.finditer(r"<table[^>]*>(.*?)</table>", t, re.S | re.I):
            rows = []
            for rm in re.finditer(r"<tr[^>]*>(.*?)</tr>", tm.group(1), re.S | re.I):
                base = tm.start(1) + rm.start(1)
                cells = []
                for cm in re.finditer(r"<(t[hd])([^>]*)>(.*?)</t[hd]>", rm.group(1), re.S | re.I):
                    span = re.search(r"colspan=[\"']?(\d+)", cm.group(2))
                    text = html_unescape(cm.group(3))
                    cells.append((cm.group(1).lower(), text, base + cm.start(3)))
                    cells += [(cm.group(1).lower(), "", base + cm.start(3))] * (int(span.group(1)) - 1 if span else 0)
                rows.append(cells)
            head = 0
            while head + 1 < len(rows) and all(c[0] == "th" for c in rows[head + 1]) and all(c[0] == "th" for c in rows[head]):
                head += 1
            self.table_rows([c[1] for c in rows[head]], [[(c[1], c[2]) for c in r] for r in rows[head + 1:]])

    def structured_hl7(self):
        t = self.text
        for m in re.finditer(r"[^\r\n]+", t):
            seg, base = m.group(0), m.start()
            if seg.startswith("MSH"):
                self.hl7_fs = seg[3]
                self.hl7_cs, self.hl7_rs = seg[4], seg[5]
                continue
            fs = getattr(self, "hl7_fs", "|")
            cs, rs = getattr(self, "hl7_cs", "^"), getattr(self, "hl7_rs", "~")
            fields, off = [], 0
            for f in seg.split(fs):
                fields.append((f, base + off))
                off += len(f) + 1
            name = fields[0][0]
            def comp1(idx):
                if idx >= len(fields):
                    return []
                f, p = fields[idx]
                out, o = [], 0
                for rep in f.split(rs):
                    c = rep.split(cs)[0]
                    if c:
                        out.append((c, p + o))
                    o += len(rep) + 1
                return out
            if name == "PID":
                for c, p in comp1(3):
                    if mrn_token_ok(c):
                        self.add(p, p + len(c), "mrn", alnum_upper(c), "pid3")
                for c, p in comp1(7):
                    if re.fullmatch(r"\d{8}(\d{4,6})?", c):
                        d = parse_date("compact", c[:8])
                        st = dob_status(d)
                        if st == "valid":
                            self.add(p, p + 8, "dob", d.isoformat(), "pid7")
                        elif st == "ambiguous":
                            self.prob(p, "ambiguous PID-7")
            if name == "IN1":
                for idx in (36, 49):
                    for c, p in comp1(idx):
                        if ins_token_ok(c):
                            self.add(p, p + len(c), "insurance_id", alnum_upper(c), f"in1-{idx}")

    def structured_x12(self):
        t = self.text
        es = t[3] if t.startswith("ISA") else "*"
        pos = 0
        for raw in t.split("~"):
            lead = len(raw) - len(raw.lstrip())
            seg, base = raw.strip(), pos + lead
            pos += len(raw) + 1
            if not seg:
                continue
            els, off = [], 0
            for e in seg.split(es):
                els.append((e, base + off))
                off += len(e) + 1
            name = els[0][0]
            if name == "NM1" and len(els) > 9:
                q, (v, p) = els[8][0], els[9]
                if els[1][0] == "IL" and q == "MI" and ins_token_ok(v):
                    self.add(p, p + len(v), "insurance_id", alnum_upper(v), "nm1-il")
                if q == "XX" and npi_valid(v):
                    self.add(p, p + len(v), "npi", v, "nm1-xx")
            if name == "DMG" and len(els) > 2 and els[1][0] == "D8":
                v, p = els[2]
                st = dob_status(parse_date("compact", v))
                if st == "valid":
                    self.add(p, p + 8, "dob", parse_date("compact", v).isoformat(), "dmg")

    def structured_fhir(self):
        try:
            root = parse_json_pos(self.text)
        except ValueError as e:
            self.prob(0, f"bad JSON: {e}")
            return
        def walk(node):
            if isinstance(node, dict):
                rt = node.get("resourceType")
                if rt == "Patient":
                    for ident in node.get("identifier", []):
                        codes = [c.get("code") for c in ident.get("type", {}).get("coding", [])]
                        v = ident.get("value")
                        if "MR" in codes and isinstance(v, PStr) and mrn_token_ok(v):
                            self.add(v.pos, v.pos + len(v), "mrn", alnum_upper(v), "fhir-mr")
                    b = node.get("birthDate")
                    if isinstance(b, PStr):
                        mm = DATE_RES[1][1].fullmatch(b)
                        st = dob_status(parse_date("iso", mm)) if mm else "invalid"
                        if st == "valid":
                            self.add(b.pos, b.pos + len(b), "dob", str(b), "fhir-birthdate")
                        elif st == "ambiguous":
                            self.prob(b.pos, "ambiguous birthDate")
                if rt == "Coverage":
                    s = node.get("subscriberId")
                    if isinstance(s, PStr) and ins_token_ok(s):
                        self.add(s.pos, s.pos + len(s), "insurance_id", alnum_upper(s), "fhir-subscriberid")
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
        walk(root)


def html_unescape(s: str) -> str:
    """The entities the generator writes (a cell's text has no tags)."""
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def split_delimited(line: str, delim: str):
    """Split one CSV/TSV line into (cell, offset) pairs; quotes as in RFC 4180 (no embedded newlines)."""
    out, i, n = [], 0, len(line)
    while True:
        if i < n and line[i] == '"':
            j, buf = i + 1, []
            while j < n:
                if line[j] == '"':
                    if j + 1 < n and line[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(line[j])
                j += 1
            out.append(("".join(buf), i + 1))
            k = line.find(delim, j)
            if k < 0:
                break
            i = k + 1
        else:
            k = line.find(delim, i)
            if k < 0:
                out.append((line[i:], i))
                break
            out.append((line[i:k], i))
            i = k + 1
    return out


def header_kind(h: str):
    # Database columns are identifiers: date_of_birth, chart_no, memberId.
    h = re.sub(r"([a-z])([A-Z])", r"\1 \2", h.strip().strip('"'))
    h = re.sub(r"[_-]", " ", h).lower().lstrip("\ufeff")
    if re.search(r"\bssn\b|social security|soc sec", h):
        return "ssn"
    if re.search(r"\bdob\b|date of birth|birth ?date", h):
        return "dob"
    if re.search(r"(?:^|\s)(?:mrn|mr ?#|med rec ?#|medical record (?:number|no\.?)|chart ?#|chart no\.?|chart number|patient id|patient #|pt id|acct ?#)$", h):
        return "mrn"
    if re.search(r"(?:^|\s)(?:member id|member #|subscriber id|subscriber #|policy #|policy number|insurance id|medicaid id|hicn|medicare id|medicare #)$", h):
        return "ins"
    if re.search(r"\bnpi\b", h):
        return "npi"
    return None


class PStr(str):
    pos: int


def parse_json_pos(s: str):
    """Minimal JSON parser whose strings remember their offset in s (of the first content char)."""
    i = 0
    n = len(s)
    ws = " \t\r\n\ufeff"

    def skip():
        nonlocal i
        while i < n and s[i] in ws:
            i += 1

    def val():
        nonlocal i
        skip()
        c = s[i]
        if c == "{":
            i += 1
            d = {}
            skip()
            if s[i] == "}":
                i += 1
                return d
            while True:
                skip()
                k = string()
                skip()
                assert s[i] == ":"
                i += 1
                d[str(k)] = val()
                skip()
                if s[i] == ",":
                    i += 1
                    continue
                assert s[i] == "}", s[i - 20:i + 20]
                i += 1
                return d
        if c == "[":
            i += 1
            a = []
            skip()
            if s[i] == "]":
                i += 1
                return a
            while True:
                a.append(val())
                skip()
                if s[i] == ",":
                    i += 1
                    continue
                assert s[i] == "]"
                i += 1
                return a
        if c == '"':
            return string()
        m = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null").match(s, i)
        if not m:
            raise ValueError(f"bad JSON at {i}")
        i = m.end()
        return json.loads(m.group(0))

    def string():
        nonlocal i
        assert s[i] == '"'
        j = i + 1
        while s[j] != '"':
            j += 2 if s[j] == "\\" else 1
        raw = s[i:j + 1]
        p = PStr(json.loads(raw))
        p.pos = i + 1
        i = j + 1
        return p

    try:
        v = val()
    except (AssertionError, IndexError) as e:
        raise ValueError(str(e))
    return v


# ----------------------------------------------------------------------------------------------
# Driver, writer, self-check
# ----------------------------------------------------------------------------------------------

SQL_COLS = {
    "mrn": {"fm": ["mrn", "medical_record_no"], "dental": ["chart_no", "chart_number"], "peds": ["patient_id", "pt_id"]},
    "acct": ["acct_no", "account_no"], "last": ["last_name", "lname"], "first": ["first_name", "fname"],
    "name": ["patient_name"], "dob": ["dob", "date_of_birth", "birth_date", "birthdate"],
    "ssn": ["ssn", "social_security_number", "pt_ssn"], "phone": ["home_phone", "phone", "phone_number"],
    "cell": ["cell_phone", "mobile"], "email": ["email", "email_address"],
    "member": ["member_id", "subscriber_id", "policy_number"], "payer": ["payer", "carrier"], "group": ["group_no"],
    "dos": ["service_date", "dos"], "provider": ["provider"], "balance": ["balance"],
}


def sql_col(r: random.Random, col: str, practice: str) -> str:
    h = SQL_COLS[col]
    if isinstance(h, dict):
        h = h[practice]
    return r.choice(h)


def sql_str(cell: str) -> str:
    """A SQL string literal (markers pass through: their values hold no quote)."""
    return "'" + cell.replace("\\", "\\\\").replace("'", "''") + "'"


def html_esc(cell: str) -> str:
    return cell.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def gen_exports(c: Corpus, pop):
    """Patient data as database software and report writers export it: SQL dumps (mysqldump's
    extended INSERTs, pg_dump's COPY blocks), HTML reports with a header row (and merged
    cells). Hard negatives beside them: order, appointment, visit and claim ids, service
    dates, amounts. (JSON Lines with identifier keys are in the integration tests: this
    file's oracle does not read identifier keys.)"""
    r = rng_for("exports")
    # --- mysqldump: patients, and appointments (ids and service dates: not PHI kinds) ---
    for path, practice, cols, n, extended in [
        ("IT/backups/pm_db_2024-03-02.sql", "fm", ["mrn", "last", "first", "dob", "ssn", "phone", "email"], 70, True),
        ("IT/.old_server/dentrix_export.sql", "dental", ["mrn", "name", "dob", "cell", "member"], 60, False),
    ]:
        d = Doc()
        cl = Cols(r, practice)
        names = [sql_col(r, x, practice) for x in cols]
        out = ["-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n-- Host: localhost    Database: pm\n"
               "-- ------------------------------------------------------\n/*!40101 SET NAMES utf8mb4 */;\n\n"
               "DROP TABLE IF EXISTS `patients`;\nCREATE TABLE `patients` (\n  `id` int NOT NULL AUTO_INCREMENT,\n"]
        out += [f"  `{nm}` varchar(64) DEFAULT NULL,\n" for nm in names]
        out.append("  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\nLOCK TABLES `patients` WRITE;\n")
        pts = r.sample([p for p in pop.patients if p.practice == practice], n)
        tuples = []
        for i, p in enumerate(pts):
            cells = [cl.cell(d, x, p, {"practice": practice}) for x in cols]
            vals = [str(1000 + i)] + [sql_str(x) if x else "NULL" for x in cells]
            tuples.append("(" + ",".join(vals) + ")")
        if extended:
            out.append("INSERT INTO `patients` VALUES " + ",".join(tuples) + ";\n")
        else:
            out += [f"INSERT INTO `patients` (`id`, {', '.join('`' + x + '`' for x in names)}) VALUES {t};\n" for t in tuples]
        out.append("UNLOCK TABLES;\n\nCREATE TABLE `appointments` (\n  `appt_id` bigint NOT NULL,\n  `order_no` int,\n"
                   "  `appt_date` date,\n  `amount` decimal(8,2),\n  PRIMARY KEY (`appt_id`)\n);\nINSERT INTO `appointments` VALUES ")
        out.append(",".join(f"({r.randint(100000000, 899999999)},{r.randint(100000000, 899999999)},'{svc_date(r).isoformat()}',{money(r, 20, 400)})"
                            for _ in range(40)) + ";\n-- Dump completed on 2024-03-02  2:00:01\n")
        c.add(path, d, "".join(out))
    # --- pg_dump COPY blocks ---
    d = Doc()
    cl = Cols(r, "peds")
    cols = ["mrn", "last", "first", "dob", "ssn", "member"]
    names = [sql_col(r, x, "peds") for x in cols]
    out = ["--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n\n"
           f"CREATE TABLE public.patient (\n    id integer NOT NULL,\n" + ",\n".join(f"    {nm} text" for nm in names) + "\n);\n\n",
           f"COPY public.patient (id, {', '.join(names)}) FROM stdin;\n"]
    for i, p in enumerate(r.sample([p for p in pop.patients if p.practice == "peds"], 50)):
        cells = [cl.cell(d, x, p, {"practice": "peds"}) for x in cols]
        out.append("\t".join([str(i + 1)] + [x if x else "\\N" for x in cells]) + "\n")
    out.append("\\.\n\nCOPY public.visit (visit_id, claim_no, visit_date, charge) FROM stdin;\n")
    for i in range(40):
        out.append(f"{r.randint(100000000, 899999999)}\t{r.randint(10 ** 10, 10 ** 11 - 1)}\t{svc_date(r).isoformat()}\t{money(r, 40, 400)}\n")
    out.append("\\.\n\n--\n-- PostgreSQL database dump complete\n--\n")
    c.add("IT/backups/peds_pg_2023-12-31.sql", d, "".join(out))
    # --- HTML reports: a header row of <th> (two rows, the upper with merged cells, in one) ---
    for path, practice, cols, n, two_rows in [
        ("reports/2024/active_patients_report.html", "fm", ["mrn", "name", "dob", "phone", "member"], 60, False),
        ("reports/2023/Dental Recall Report.htm", "dental", ["mrn", "last", "first", "dob", "cell", "email"], 50, True),
    ]:
        d = Doc()
        cl = Cols(r, practice)
        heads = [col_header(r, x, practice) for x in cols]
        out = ["<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Report</title>\n"
               "<style>td { padding: 2px }</style></head>\n<body>\n<h2>Patients &amp; contacts</h2>\n"
               f"<p>Printed {us(svc_date(r))} by frontdesk. Page 1 of 1.</p>\n<table border=\"1\">\n<thead>\n"]
        if two_rows:
            out.append(f"<tr><th colspan=\"3\">Patient</th><th colspan=\"{len(cols) - 3}\">Details</th></tr>\n")
        out.append("<tr>" + "".join(f"<th>{html_esc(h)}</th>" for h in heads) + "</tr>\n</thead>\n<tbody>\n")
        for p in r.sample([p for p in pop.patients if p.practice == practice], n):
            cells = [cl.cell(d, x, p, {"practice": practice}) for x in cols]
            out.append("<tr>" + "".join(f"<td>{html_esc(x)}</td>" for x in cells) + "</tr>\n")
        out.append(f"</tbody>\n</table>\n<p>Total: {n} patients. Order #{r.randint(100000000, 899999999)}</p>\n</body></html>\n")
        c.add(path, d, "".join(out), crlf=r.random() < 0.5)


GENERATORS = [gen_referrals, gen_visit_notes, gen_labs, gen_discharge, gen_tables, gen_superbills, gen_statements,
              gen_day_sheets, gen_call_logs, gen_intake, gen_scans, gen_hr_docs, gen_cards_text, gen_cc_auth, gen_rx_text,
              gen_misc_clinical, gen_hl7, gen_x12, gen_fhir, gen_it, gen_admin_negatives, gen_more_negatives, gen_test_data, gen_binaries,
              gen_directory, gen_exports]


def label_valid(kind: str, norm: str, display: str) -> bool:
    if kind == "ssn":
        return ssn_valid(norm) and normalize(kind, display) == norm
    if kind == "itin":
        return itin_valid(norm) and normalize(kind, display) == norm
    if kind == "npi":
        return npi_valid(norm) and display == norm
    if kind == "dea":
        return dea_valid(norm) and display == norm
    if kind == "credit_card":
        return card_valid(norm) and digits(display) == norm
    if kind == "phone":
        return nanp_valid(norm) and normalize(kind, display) == norm
    if kind == "email":
        return bool(EMAIL_RE.fullmatch(display)) and display.lower() == norm
    if kind == "mrn":
        return mrn_token_ok(display) and alnum_upper(display) == norm
    if kind == "insurance_id":
        return (mbi_valid(norm) or hicn_valid(norm) or ins_token_ok(norm)) and alnum_upper(display) == norm
    if kind == "dob":
        d = dt.date.fromisoformat(norm)
        return dt.date(1900, 1, 1) <= d <= LAST_VALID_DOB
    return False


def self_check(c: Corpus, outdir: str) -> list[str]:
    problems: list[str] = []
    lower_paths: dict[str, str] = {}
    for path in sorted(c.files):
        f = c.files[path]
        key = path.lower()
        if key in lower_paths:
            problems.append(f"paths differ only by case: {path} / {lower_paths[key]}")
        lower_paths[key] = path
        data = open(os.path.join(outdir, "files", path), "rb").read()
        if f["enc"] == "binary":
            o = Oracle(path, data.decode("latin-1"))
            o.anywhere()
            if o.found:
                problems.append(f"{path}: binary file contains text findings {o.found[:3]}")
            continue
        text = decode_bytes(data, f["enc"])
        if text != f["text"]:
            problems.append(f"{path}: does not round-trip through {f['enc']}")
        pos = 0
        for kind, norm, display in f["labels"]:
            if not label_valid(kind, norm, display):
                problems.append(f"{path}: invalid label {kind}={norm} ({display!r})")
            k = text.find(display, pos)
            if k < 0:
                problems.append(f"{path}: label value {display!r} not found in order")
            else:
                pos = k + len(display)
        ext = os.path.splitext(path)[1].lower()
        found, probs = Oracle(path, text).run(ext)
        problems += probs
        got = [(k, v) for _, _, k, v, _ in found]
        want = [(k, v) for k, v, _ in f["labels"]]
        if got != want:
            gi = [f"{k}={v}" for k, v in got]
            wi = [f"{k}={v}" for k, v in want]
            missing = [x for x in wi if x not in gi]
            extra = [x for x in gi if x not in wi]
            detail = f"labels-not-found-by-oracle={missing[:4]} oracle-not-labelled={extra[:4]}"
            if not missing and not extra:
                detail = f"order/multiplicity differs: labels {wi[:6]}... oracle {gi[:6]}..."
            problems.append(f"{path}: oracle disagrees: {detail}")
    return problems


def write(c: Corpus, outdir: str):
    files_dir = os.path.join(outdir, "files")
    if os.path.isdir(files_dir):
        shutil.rmtree(files_dir)
    for path in sorted(c.files):
        f = c.files[path]
        full = os.path.join(files_dir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        data = f["bytes"] if f["enc"] == "binary" else encode_text(f["text"], f["enc"])
        with open(full, "wb") as fh:
            fh.write(data)
    with open(os.path.join(outdir, "labels.jsonl"), "w", encoding="utf-8", newline="\n") as fh:
        for path in sorted(c.files):
            for kind, norm, _ in c.files[path]["labels"]:
                fh.write(json.dumps({"path": f"files/{path}", "kind": kind, "value": norm}, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    outdir = os.path.abspath(argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
    pop = build_population()
    c = Corpus()
    for g in GENERATORS:
        g(c, pop)
    write(c, outdir)
    problems = self_check(c, outdir)
    counts = {k: 0 for k in KINDS}
    for f in c.files.values():
        for kind, _, _ in f["labels"]:
            counts[kind] += 1
    nfiles = len(c.files)
    nneg = sum(1 for f in c.files.values() if not f["labels"])
    size = sum(os.path.getsize(os.path.join(outdir, "files", p)) for p in c.files)
    print(f"files: {nfiles} ({nneg} negative, {100 * nneg / nfiles:.1f}%), bytes: {size}")
    print("labels: " + ", ".join(f"{k}={v}" for k, v in counts.items()) + f", total={sum(counts.values())}")
    if problems:
        for p in problems[:3000]:
            print("SELF-CHECK:", p, file=sys.stderr)
        print(f"self-check FAILED: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("self-check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
