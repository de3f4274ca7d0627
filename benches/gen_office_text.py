#!/usr/bin/env python3
"""Generate "office text" for phiscan's whole-process benchmark (benches/whole.sh).

    python3 benches/gen_office_text.py DIR                  a tree of ~1 GiB (default)
    python3 benches/gen_office_text.py DIR --size 200M      a smaller tree
    python3 benches/gen_office_text.py FILE --single        one file of --size bytes (1 GiB)
    python3 benches/gen_office_text.py DIR --small --size 100M
                                                            many small files (1-16 KiB)

A tree is made of files of 100 KiB - 2 MiB (log-uniform sizes, so ~1,700 files per GiB) under
department/year folders: letters and clinical notes (.txt, .md), billing statements and
reports with space-aligned tables (.txt), application logs (.log) and CSV exports (.csv).
A single file is the text documents and log excerpts, concatenated (a text dump).

What the text is like: mostly prose and ordinary numbers (amounts, dates of service, room and
suite numbers, CPT and ICD codes, doses, vitals, order and invoice numbers, timestamps, URLs).
PHI is there at a realistic density: three files in four (memos, minutes, vendor letters,
reports, logs, order and ledger exports) have none at all; the rest are about patients: a
DOB / MRN block on half the letters, an MRN (sometimes a DOB) on clinical notes, the odd
referral form (name, DOB, SSN, phone, e-mail, MRN, NPI, member id), billing statements, a
patient id or e-mail in a few log lines, and one CSV export in five is a patient list (MRN,
DOB and phone on every row). Text documents
come in three styles: one line per paragraph (as exported from a word processor, most of
them), wrapped at 72 columns, and "typed" (wrapped, two spaces after a full stop, paragraphs
indented with a tab; a few percent).

Python 3 standard library only. Deterministic: every choice comes from random.Random seeded
with a fixed string (string seeds are hashed with SHA-512, so PYTHONHASHSEED has no effect),
no clock is read, no set is iterated: the same arguments give byte-identical output. Fast:
paragraphs and log lines are rendered into pools once and files are assembled from them, with
PHI-bearing blocks, statements and CSV rows rendered fresh (~1 GiB in about a minute).

Writes DIR.manifest.json (or FILE.manifest.json) beside the output: the arguments, the
generator version, file and byte counts and the number of values planted per kind (the shapes
of the benchmark's ripgrep regex: SSNs, DOB-labelled dates, MRN-labelled ids, phones; plus
e-mails, NPIs, member ids). whole.sh uses it to know whether the cached data is current.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys

VERSION = 1  # bump when the output changes: whole.sh regenerates cached data on a mismatch
SEED = "phiscan-bench-office-text/v1"

FIRST = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara
Richard Susan Joseph Jessica Thomas Sarah Charles Karen Carlos Maria Wei Aisha Dmitri Priya Kenji
Fatima Liam Olivia Noah Emma Mateo Sofia Andre Grace Hassan Chloe Tomasz Ingrid Oluwaseun Mei
Rafael Ana Yusuf Leila Bjorn Siobhan""".split()
LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez
Clark Ramirez Lewis Robinson Walker Young Nguyen Patel Kim Chen Kowalski Okafor Haddad Novak
Fitzgerald Yamamoto Svensson Dubois Rossi Schmidt Ivanova""".split()
CITIES = [("Springfield", "IL"), ("Columbus", "OH"), ("Albany", "NY"), ("Madison", "WI"),
          ("Austin", "TX"), ("Salem", "OR"), ("Raleigh", "NC"), ("Denver", "CO"),
          ("Tucson", "AZ"), ("Richmond", "VA"), ("Hartford", "CT"), ("Boise", "ID")]
STREETS = ["Main Street", "Oak Avenue", "Maple Drive", "Lakeview Road", "Elm Street",
           "Cedar Lane", "Washington Boulevard", "Park Place", "Hillcrest Court", "River Road",
           "Franklin Avenue", "Mill Street"]
SPECIALTIES = ["cardiology", "orthopedics", "dermatology", "endocrinology", "neurology",
               "gastroenterology", "physical therapy", "pulmonology", "rheumatology",
               "ophthalmology", "urology", "sleep medicine"]
PAYERS = ["Blue Cross Blue Shield", "Aetna", "UnitedHealthcare", "Cigna", "Humana",
          "Kaiser Permanente", "Molina Healthcare", "Anthem", "Medicare Advantage"]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "example-clinic.org", "aol.com",
           "icloud.com", "lakeside-health.org"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
SERVICES = [("99213", "Office visit, established patient"),
            ("99214", "Office visit, established, moderate"),
            ("99203", "Office visit, new patient"),
            ("93000", "Electrocardiogram, complete"),
            ("80053", "Comprehensive metabolic panel"),
            ("85025", "Complete blood count w/ differential"),
            ("71046", "Chest X-ray, two views"),
            ("90686", "Influenza vaccine, quadrivalent"),
            ("97110", "Therapeutic exercise, 15 min"),
            ("36415", "Routine venipuncture"),
            ("81002", "Urinalysis, non-automated"),
            ("99395", "Preventive visit, 18-39 years")]
DRUGS = [("Lisinopril", "mg"), ("Metformin", "mg"), ("Atorvastatin", "mg"),
         ("Amoxicillin", "mg"), ("Levothyroxine", "mcg"), ("Omeprazole", "mg"),
         ("Sertraline", "mg"), ("Albuterol", "puffs"), ("Amlodipine", "mg"),
         ("Gabapentin", "mg")]
SUBJECTS = ["The patient", "She", "He", "The committee", "Our billing office", "The care team",
            "The vendor", "Facilities staff", "The front desk", "The pharmacy",
            "Human resources", "The compliance officer", "The night shift", "The new hire"]
VERBS = ["reviewed", "discussed", "approved", "postponed", "requested", "confirmed",
         "documented", "completed", "updated", "scheduled", "declined", "forwarded"]
OBJECTS = ["the revised plan of care", "the quarterly budget", "the incident report",
           "the prior authorization request", "the discharge instructions",
           "the new visitor policy", "the staffing schedule", "the equipment order",
           "the referral paperwork", "the training materials", "the insurance appeal",
           "the patient education handout", "the maintenance request"]
TAILS = ["without further questions.", "and will follow up next week.",
         "after a brief discussion.", "as requested by the department head.",
         "pending a final signature.", "before the end of the day.",
         "with the help of the interpreter.", "and sent a copy to the file.",
         "in line with the current policy.", "so that nothing is missed."]
SENTENCES = [
    "Please find enclosed a summary of the visit and the plan we discussed.",
    "The patient tolerated the procedure well and was discharged home in stable condition.",
    "We will continue the current medication and reassess at the next appointment.",
    "Thank you for referring this pleasant patient to our practice.",
    "Laboratory results were reviewed with the patient and all questions were answered.",
    "The insurance carrier requested additional documentation before approving the claim.",
    "Please contact the front desk if you need to reschedule or cancel.",
    "She reports intermittent headaches that improve with rest and hydration.",
    "He denies chest pain, shortness of breath, fever or chills.",
    "Physical examination was unremarkable apart from mild tenderness over the left knee.",
    "The care team met this morning to review open items on the quality dashboard.",
    "Staff are reminded that the annual compliance training must be completed this quarter.",
    "The new scheduling system goes live next month; training sessions are listed below.",
    "Parking in the north garage will be limited while the resurfacing work is under way.",
    "Our billing office can set up a payment plan if the balance cannot be paid in full.",
    "Prior authorization is required for imaging studies ordered by outside providers.",
    "The committee approved the revised policy on the retention of paper records.",
    "Patients should bring a current insurance card and a list of medications to each visit.",
    "We appreciate your patience while we upgrade the telephone system.",
    "The patient was counseled on diet, exercise and the importance of regular follow up.",
    "Wound edges are well approximated with no sign of infection.",
    "Results of the imaging study will be sent to the ordering physician.",
    "Remember to update the shared calendar when you schedule time away from the office.",
    "The vendor confirmed that the replacement parts will ship by the end of the week.",
    "All visitors must check in at the reception desk and wear a badge.",
    "The patient prefers morning appointments and would like reminders by text message.",
    "Handwashing audits showed steady improvement across all units.",
    "Minutes of the previous meeting were read and accepted without changes.",
    "Lungs are clear to auscultation bilaterally; heart has a regular rate and rhythm.",
    "Assessment and plan were reviewed and the patient agrees with the approach.",
    "The cafeteria will close early on Friday for the holiday luncheon.",
    "Please submit expense reports through the finance portal rather than by e-mail.",
    "The outpatient clinic reported shorter waiting times after the new check-in process.",
    "A reminder letter was mailed because the patient missed the last appointment.",
]


def wrap(text: str, width: int = 72, typed: bool = False) -> str:
    """Wrap a paragraph; `typed`: two spaces after a full stop, first line indented by a tab."""
    words = text.split(" ")
    lines, cur, col = [], [], 0
    if typed:
        cur, col = ["\t"], 8
    for w in words:
        sep = ""
        if cur and cur != ["\t"]:
            sep = "  " if typed and cur[-1].endswith((".", "?", "!")) else " "
        if col + len(sep) + len(w) > width and cur and cur != ["\t"]:
            lines.append("".join(cur))
            cur, col, sep = [], 0, ""
        cur.append(sep + w)
        col += len(sep) + len(w)
    if cur:
        lines.append("".join(cur))
    return "\n".join(lines)


class Gen:
    def __init__(self, seed: str):
        self.r = random.Random(seed)
        self.planted: dict[str, int] = {}

    def plant(self, kind: str) -> None:
        self.planted[kind] = self.planted.get(kind, 0) + 1

    # --- ordinary things -----------------------------------------------------------------

    def name(self) -> tuple[str, str]:
        return self.r.choice(FIRST), self.r.choice(LAST)

    def service_date(self) -> str:
        r = self.r
        return f"{r.randint(1, 12):02d}/{r.randint(1, 28):02d}/{r.randint(2018, 2024)}"

    def amount(self) -> str:
        v = self.r.randint(0, 250_000)
        if v >= 100_000:
            return f"${v // 100_000},{(v // 100) % 1000:03d}.{v % 100:02d}"
        return f"${v // 100}.{v % 100:02d}"

    def numeric_sentence(self) -> str:
        r = self.r
        k = r.randrange(12)
        if k == 0:
            drug, unit = r.choice(DRUGS)
            dose = r.choice([5, 10, 20, 25, 40, 50, 100, 250, 500])
            return (f"Continue {drug} {dose} {unit} {r.randint(1, 3)} times daily for "
                    f"{r.randint(5, 90)} days.")
        if k == 1:
            return (f"Vitals: BP {r.randint(100, 160)}/{r.randint(60, 99)}, pulse "
                    f"{r.randint(55, 110)}, temp 98.{r.randrange(10)} F, weight "
                    f"{r.randint(95, 280)} lb.")
        if k == 2:
            return (f"The meeting moved to Room {r.randint(100, 899)} on the "
                    f"{r.choice(['2nd', '3rd', '4th', '5th'])} floor at {r.randint(1, 5)}:"
                    f"{r.choice([0, 15, 30, 45]):02d} PM.")
        if k == 3:
            return (f"A payment of {self.amount()} was received on {self.service_date()} and "
                    f"applied to the balance.")
        if k == 4:
            cpt, desc = r.choice(SERVICES)
            return (f"Billed CPT {cpt} ({desc}) with ICD-10 {r.choice('EIJMKZ')}"
                    f"{r.randint(10, 99)}.{r.randrange(10)}.")
        if k == 5:
            return (f"Follow up in {r.randint(2, 12)} weeks; labs to be drawn "
                    f"{r.randint(2, 7)} days before the visit.")
        if k == 6:
            return (f"Invoice INV-{r.randint(10_000, 99_999)} for {self.amount()} is due "
                    f"within 30 days.")
        if k == 7:
            return (f"Census today: {r.randint(40, 180)} inpatients, {r.randint(3, 30)} "
                    f"observation, {r.randint(60, 99)}% occupancy.")
        if k == 8:
            return (f"Seen on {self.service_date()} in Suite {r.randint(100, 450)}; next "
                    f"appointment in {r.randint(1, 12)} months.")
        if k == 9:
            return (f"Order {r.randint(10_000_000, 99_999_999)} shipped in "
                    f"{r.randint(1, 12)} boxes, tracking to follow.")
        if k == 10:
            return (f"The {r.randint(2019, 2024)} budget allows {r.randint(2, 40)} new "
                    f"positions and {r.randint(1, 9)}.{r.randrange(10)}% growth in supplies.")
        return (f"See the policy manual, section {r.randint(1, 12)}.{r.randint(1, 20)}, pages "
                f"{r.randint(10, 80)}-{r.randint(81, 200)}.")

    def prose_sentence(self) -> str:
        r = self.r
        if r.random() < 0.5:
            return r.choice(SENTENCES)
        return f"{r.choice(SUBJECTS)} {r.choice(VERBS)} {r.choice(OBJECTS)} {r.choice(TAILS)}"

    def paragraph(self) -> str:
        r = self.r
        out = []
        for _ in range(r.randint(2, 6)):
            out.append(self.numeric_sentence() if r.random() < 0.35 else self.prose_sentence())
        return " ".join(out)

    def letterhead(self) -> str:
        r = self.r
        city, st = r.choice(CITIES)
        return (f"{r.choice(LAST)} Family Medicine\n{r.randint(10, 9999)} {r.choice(STREETS)}, "
                f"Suite {r.randint(100, 500)}\n{city}, {st} {r.randint(10_000, 99_999)}\n\n")

    # --- planted values ------------------------------------------------------------------

    def ssn(self) -> str:
        r = self.r
        while True:
            a = r.randint(1, 899)
            if a not in (666, 78, 219, 123, 111):
                break
        self.plant("ssn")
        return f"{a:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"

    def dob(self) -> str:
        r = self.r
        self.plant("dob")
        return f"{r.randint(1, 12):02d}/{r.randint(1, 28):02d}/{r.randint(1930, 2005)}"

    def mrn(self) -> str:
        self.plant("mrn")
        return f"{self.r.randint(100_000, 99_999_999):08d}"

    def phone(self) -> str:
        r = self.r
        while True:
            npa = r.randint(201, 989)
            if npa % 100 != 11 and (npa // 10) % 10 != 1:
                break
        while True:
            nxx = r.randint(200, 999)
            if nxx % 100 != 11:
                break
        line = r.randint(0, 9999)
        self.plant("phone")
        k = r.randrange(3)
        if k == 0:
            return f"({npa}) {nxx}-{line:04d}"
        if k == 1:
            return f"{npa}-{nxx}-{line:04d}"
        return f"{npa}.{nxx}.{line:04d}"

    def npi(self) -> str:
        r = self.r
        d = [r.choice((1, 2))] + [r.randrange(10) for _ in range(8)]
        full = [8, 0, 8, 4, 0] + d
        s = 0
        for i, c in enumerate(reversed(full)):
            v = c * 2 if i % 2 == 0 else c
            s += v - 9 if v > 9 else v
        d.append((10 - s % 10) % 10)
        self.plant("npi")
        return "".join(map(str, d))

    def member_id(self) -> str:
        r = self.r
        self.plant("insurance_id")
        return "".join(r.choice("ACDEFGHJKMNPQRTUVWXY") for _ in range(3)) + str(
            r.randint(100_000_000, 999_999_999))

    def email(self, first: str, last: str) -> str:
        self.plant("email")
        sep = self.r.choice([".", "_", ""])
        return f"{first.lower()}{sep}{last.lower()}@{self.r.choice(DOMAINS)}"


class Writer:
    """Assembles documents from pools (rendered once) and fresh PHI-bearing blocks."""

    def __init__(self, seed: str):
        self.g = Gen(seed)
        g = self.g
        # Pools of rendered text without PHI: paragraphs in three styles, log lines.
        self.para = [g.paragraph() for _ in range(6000)]
        self.para_wrapped = [wrap(p) for p in self.para[:3000]]
        self.para_typed = [wrap(p, typed=True) for p in self.para[3000:]]
        self.log_lines = [self.log_line() for _ in range(20000)]
        # Whether the file (or, in a single file, the document) being written is about
        # patients; most are not and have no PHI at all.
        self.phi = False

    # --- documents (each returns a str ending with a blank line) ------------------------

    def paragraphs(self, n: int, style: str) -> str:
        pool = {"plain": self.para, "wrapped": self.para_wrapped, "typed": self.para_typed}[style]
        ch = self.g.r.choice
        return "\n\n".join(ch(pool) for _ in range(n)) + "\n\n"

    def letter(self, style: str) -> str:
        g, r = self.g, self.g.r
        parts = [g.letterhead(),
                 f"{r.choice(MONTHS)} {r.randint(1, 28)}, {r.randint(2019, 2024)}\n\n"]
        f, l = g.name()
        if self.phi and r.random() < 0.5:  # a letter about a patient
            parts.append(f"Re: {f} {l}\nDOB: {g.dob()}\n")
            if r.random() < 0.6:
                parts.append(f"MRN: {g.mrn()}\n")
            parts.append("\n")
        parts.append(f"Dear {r.choice(['Dr.', 'Ms.', 'Mr.'])} {r.choice(LAST)},\n\n")
        parts.append(self.paragraphs(r.randint(2, 5), style))
        if self.phi and r.random() < 0.1:
            parts.append(f"You can reach the patient at {g.phone()} in the afternoons.\n\n")
        sf, sl = g.name()
        parts.append(f"Sincerely,\n\n{sf} {sl}\n{r.choice(['Office Manager', 'MD', 'RN', 'Billing Supervisor'])}\n\n\n")
        return "".join(parts)

    def note(self, style: str) -> str:
        g, r = self.g, self.g.r
        parts = []
        if self.phi and r.random() < 0.6:  # a clinical note
            f, l = g.name()
            parts.append(f"PROGRESS NOTE\nVisit date: {g.service_date()}\nPatient: {f} {l}, "
                         f"MRN {g.mrn()}")
            if r.random() < 0.3:
                parts.append(f", DOB {g.dob()}")
            parts.append("\n\n")
        else:  # minutes, memos, announcements
            parts.append(f"{r.choice(['MEMO', 'MEETING MINUTES', 'ANNOUNCEMENT', 'UPDATE'])}: "
                         f"{r.choice(OBJECTS)}\nDate: {g.service_date()}\n\n")
        parts.append(self.paragraphs(r.randint(3, 8), style))
        if self.phi and r.random() < 0.02:
            parts.append(f"Patient provided SSN {g.ssn()} for the payroll deduction form.\n\n")
        return "".join(parts)

    def referral(self) -> str:
        g, r = self.g, self.g.r
        f, l = g.name()
        parts = [f"REFERRAL FORM\nReferral date: {g.service_date()}\n"
                 f"Specialty: {r.choice(SPECIALTIES)}\nPatient name: {f} {l}\n"
                 f"Date of birth: {g.dob()}\nSocial Security No.: {g.ssn()}\n"
                 f"Home phone: {g.phone()}\n"]
        if r.random() < 0.5:
            parts.append(f"Email: {g.email(f, l)}\n")
        parts.append(f"Medical record number: {g.mrn()}\n"
                     f"Referring provider: Dr. {r.choice(LAST)}, NPI {g.npi()}\n"
                     f"Insurance: {r.choice(PAYERS)}, Member ID: {g.member_id()}\n"
                     f"Reason for referral: {g.prose_sentence()} {g.prose_sentence()}\n\n\n")
        return "".join(parts)

    def statement(self) -> str:
        g, r = self.g, self.g.r
        f, l = g.name()
        parts = [g.letterhead(), f"STATEMENT OF ACCOUNT\nStatement date: {g.service_date()}\n"
                 f"Patient: {f} {l}    Account: {r.randint(10_000_000, 99_999_999)}\n\n"
                 "Date of service  CPT    Description                           Charge      Paid\n"]
        for _ in range(r.randint(3, 12)):
            cpt, desc = r.choice(SERVICES)
            parts.append(f"{g.service_date()}       {cpt}  {desc:<36}  {g.amount():>9}  "
                         f"{g.amount():>9}\n")
        parts.append(f"\nTotal due: {g.amount()}\nPlease remit payment by {g.service_date()}. "
                     f"Questions? Call our billing office at {g.phone()}.\n\n\n")
        return "".join(parts)

    def report(self) -> str:
        """A space-aligned table (inventory, budget, census): digits, no PHI."""
        g, r = self.g, self.g.r
        k = r.randrange(3)
        if k == 0:
            parts = ["SUPPLY ORDERS\n\nOrder     Date        Item        Qty  Unit price     Amount\n"]
            for _ in range(r.randint(20, 60)):
                qty, unit = r.randint(1, 500), r.randint(50, 99_999)
                parts.append(f"{r.randint(10_000_000, 99_999_999)}  {r.randint(2019, 2024)}-"
                             f"{r.randint(1, 12):02d}-{r.randint(1, 28):02d}  SKU-"
                             f"{r.randint(0, 99_999):05d}  {qty:>4}  {unit // 100:>7}."
                             f"{unit % 100:02d}  {qty * unit // 100:>9}.{qty * unit % 100:02d}\n")
        elif k == 1:
            parts = ["BUDGET VS ACTUAL\n\nGL account  Period   Budget       Actual       Variance\n"]
            for _ in range(r.randint(20, 60)):
                parts.append(f"{r.randint(1000, 9999)}-{r.randint(0, 999):03d}    "
                             f"{r.randint(2019, 2024)}/{r.randint(1, 12):02d}  {g.amount():>11}  "
                             f"{g.amount():>11}  {g.amount():>11}\n")
        else:
            parts = ["DAILY CENSUS\n\nUnit         Beds  Occupied  Admits  Discharges  Pct\n"]
            for _ in range(r.randint(10, 30)):
                beds = r.randint(10, 60)
                occ = r.randint(0, beds)
                parts.append(f"{r.choice(['ICU', 'Med-Surg', 'Peds', 'Maternity', 'Rehab', 'Ortho', 'Cardiac']):<12} "
                             f"{beds:>4}  {occ:>8}  {r.randint(0, 12):>6}  {r.randint(0, 12):>10}  "
                             f"{100 * occ // beds:>3}%\n")
        parts.append("\n\n")
        return "".join(parts)

    def log_line(self) -> str:
        r = self.g.r
        k = r.randrange(6)
        if k <= 2:
            path = r.choice(["claims", "visits", "orders", "reports", "schedule", "documents"])
            return (f"INFO  [http] GET /api/v2/{path}/{r.randint(1, 99_999)} "
                    f"{r.choice([200, 200, 200, 304, 404])} {r.randint(1, 900)}ms "
                    f"worker={r.randint(1, 16)} bytes={r.randint(100, 200_000)}")
        if k == 3:
            return (f"DEBUG [db] pool active={r.randint(0, 32)} idle={r.randint(0, 32)} "
                    f"wait_ms={r.randint(0, 50)} query_ms={r.randint(0, 900)}")
        if k == 4:
            return (f"WARN  [auth] session expired for user {r.choice(LAST).lower()}"
                    f"{r.randint(1, 99)} after {r.randint(15, 480)} minutes idle")
        return (f"INFO  [batch] job {r.choice(['eligibility', 'statements', 'backup', 'reminders'])} "
                f"processed {r.randint(0, 50_000)} records in {r.randint(1, 3600)}.{r.randrange(10)}s")

    def log(self, target: int) -> str:
        g, r = self.g, self.g.r
        parts, n = [], 0
        t = r.randint(0, 86_400 * 300)
        day0 = r.randint(0, 300)
        ch, lines = r.choice, self.log_lines
        while n < target:
            t += r.randint(0, 90)
            d = day0 + t // 86_400
            s = t % 86_400
            ts = (f"2024-{1 + (d // 28) % 12:02d}-{1 + d % 28:02d} {s // 3600:02d}:"
                  f"{(s // 60) % 60:02d}:{s % 60:02d}.{t * 7 % 1000:03d} ")
            x = r.random()
            if self.phi and x < 0.002:
                line = f"INFO  [scheduler] appointment confirmed for patient id P-{r.randint(1_000_000, 9_999_999)}"
                g.plant("mrn")
            elif self.phi and x < 0.004:
                f, l = g.name()
                line = f"INFO  [mailer] reminder sent to {g.email(f, l)}"
            else:
                line = ch(lines)
            parts.append(ts + line + "\n")
            n += len(ts) + len(line) + 1
        return "".join(parts)

    def csv(self, target: int) -> str:
        g, r = self.g, self.g.r
        k = r.randrange(5)
        parts, n = [], 0
        if self.phi:  # a patient list: MRN, DOB and phone on every row
            head = "Date of Service,Patient Name,MRN,DOB,Phone,Provider,CPT,Charge,Paid,Balance\r\n"
            parts.append(head)
            n = len(head)
            while n < target:
                f, l = g.name()
                charge, paid = r.randint(2_000, 90_000), r.randint(0, 2_000)
                row = (f"{r.randint(2019, 2024)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d},"
                       f"\"{l}, {f}\",{g.mrn()},{g.dob()},{g.phone()},Dr. {r.choice(LAST)},"
                       f"{r.choice(SERVICES)[0]},{charge // 100}.{charge % 100:02d},"
                       f"{paid // 100}.{paid % 100:02d},{(charge - paid) // 100}."
                       f"{(charge - paid) % 100:02d}\r\n")
                parts.append(row)
                n += len(row)
        elif k < 3:  # orders
            head = "order_id,order_date,sku,description,qty,unit_price,amount,warehouse\n"
            parts.append(head)
            n = len(head)
            while n < target:
                qty, unit = r.randint(1, 500), r.randint(50, 99_999)
                row = (f"{r.randint(10_000_000, 99_999_999)},{r.randint(2019, 2024)}-"
                       f"{r.randint(1, 12):02d}-{r.randint(1, 28):02d},SKU-{r.randint(0, 99_999):05d},"
                       f"\"{r.choice(OBJECTS)}\",{qty},{unit // 100}.{unit % 100:02d},"
                       f"{qty * unit // 100}.{qty * unit % 100:02d},WH{r.randint(1, 9)}\n")
                parts.append(row)
                n += len(row)
        else:  # general ledger / timesheets
            head = "Period,Department,Account,Description,Debit,Credit,Hours\n"
            parts.append(head)
            n = len(head)
            while n < target:
                row = (f"{r.randint(2019, 2024)}-{r.randint(1, 12):02d},"
                       f"{r.choice(['Radiology', 'Pharmacy', 'Admin', 'Nursing', 'IT', 'Facilities'])},"
                       f"{r.randint(1000, 9999)}-{r.randint(0, 999):03d},{r.choice(VERBS)} "
                       f"{r.choice(OBJECTS)},{r.randint(0, 99_999)}.{r.randrange(100):02d},"
                       f"{r.randint(0, 99_999)}.{r.randrange(100):02d},{r.randint(0, 80)}.{r.choice([0, 25, 5, 75])}\n")
                parts.append(row)
                n += len(row)
        return "".join(parts)

    def text_doc(self) -> str:
        """One document of the text mix (letters, notes, referrals, statements, reports)."""
        r = self.g.r
        x = r.random()
        style = "plain" if x < 0.80 else ("wrapped" if x < 0.96 else "typed")
        k = r.random()
        if k < 0.35:
            return self.letter(style)
        if k < 0.75:
            return self.note(style)
        if k < 0.78 and self.phi:
            return self.referral()
        if k < 0.92 and self.phi:
            return self.statement()
        return self.report()

    def text_file(self, target: int) -> str:
        parts, n = [], 0
        while n < target:
            d = self.text_doc()
            parts.append(d)
            n += len(d)
        return "".join(parts)

    def mixed_stream(self, target: int) -> str:
        """For a single big file (a text dump): documents with log excerpts between them. No
        CSV sections: a table is recognized by a file's first line, not in the middle of text."""
        r = self.g.r
        parts, n = [], 0
        while n < target:
            self.phi = r.random() < PHI_DOCS
            x = r.random()
            if x < 0.8:
                d = self.text_doc()
            else:
                d = self.log(r.randint(2_000, 20_000)) + "\n"
            parts.append(d)
            n += len(d)
        return "".join(parts)


def parse_size(s: str) -> int:
    s = s.strip().upper().removesuffix("B").removesuffix("I")
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1:], 1)
    return int(float(s.rstrip("KMG")) * mult)


# Shares of files (tree) or documents (single file) about patients: the others have no PHI.
PHI_FILES = 0.25
PHI_CSVS = 0.2
PHI_DOCS = 0.25

DEPTS = {
    "letter": ["correspondence", "referrals", "clinical"],
    "note": ["clinical", "admin", "hr", "quality"],
    "billing": ["billing", "finance"],
    "log": ["it/logs", "it/archive"],
    "csv": ["exports", "billing/exports", "finance/exports"],
}


def write_tree(w: Writer, out: str, size: int, small: bool) -> dict:
    r = w.g.r
    files = total = 0
    lo, hi = (1 << 10, 16 << 10) if small else (100 << 10, 2 << 20)
    while total < size:
        target = int(math.exp(r.uniform(math.log(lo), math.log(hi))))
        target = min(target, max(size - total, lo))
        x = r.random()
        w.phi = r.random() < (PHI_CSVS if x >= 0.85 else PHI_FILES)
        if x < 0.30:
            kind, ext, body = "letter", r.choice([".txt", ".txt", ".md"]), w.text_file(target)
        elif x < 0.55:
            kind, ext, body = "note", r.choice([".txt", ".md"]), w.text_file(target)
        elif x < 0.65:
            kind, ext, body = "billing", ".txt", w.text_file(target)
        elif x < 0.85:
            kind, ext, body = "log", ".log", w.log(target)
        else:
            kind, ext, body = "csv", ".csv", w.csv(target)
        d = os.path.join(out, r.choice(DEPTS[kind]), str(r.randint(2019, 2024)))
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, f"{kind}-{files:06d}{ext}")
        data = body.encode("ascii")
        with open(p, "wb") as f:
            f.write(data)
        files += 1
        total += len(data)
    return {"files": files, "bytes": total}


def write_single(w: Writer, out: str, size: int) -> dict:
    total = 0
    with open(out, "wb") as f:
        while total < size:
            data = w.mixed_stream(min(8 << 20, size - total)).encode("ascii")
            f.write(data)
            total += len(data)
    return {"files": 1, "bytes": total}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="output directory (tree) or file (--single)")
    ap.add_argument("--size", default="1G", help="total bytes to write (K, M, G suffixes; default 1G)")
    ap.add_argument("--single", action="store_true", help="write one file instead of a tree")
    ap.add_argument("--small", action="store_true", help="many small files (1-16 KiB) instead of 100 KiB - 2 MiB")
    ap.add_argument("--seed", default="", help="extra seed text (default: none)")
    a = ap.parse_args()
    size = parse_size(a.size)
    mode = "single" if a.single else ("small" if a.small else "tree")
    w = Writer(f"{SEED}|{mode}|{size}|{a.seed}")
    if os.path.lexists(a.out):
        if os.path.isdir(a.out) and not os.path.islink(a.out):
            shutil.rmtree(a.out)
        else:
            os.remove(a.out)
    if a.single:
        parent = os.path.dirname(os.path.abspath(a.out))
        os.makedirs(parent, exist_ok=True)
        stats = write_single(w, a.out, size)
    else:
        os.makedirs(a.out)
        stats = write_tree(w, a.out, size, a.small)
    manifest = {"generator": "gen_office_text.py", "version": VERSION, "mode": mode,
                "size_arg": size, "seed": a.seed, **stats,
                "planted": dict(sorted(w.g.planted.items()))}
    with open(a.out.rstrip("/") + ".manifest.json", "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    json.dump(manifest, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
