//! Micro-benchmarks of the detection engine (`Detector::scan` on one in-memory chunk), with
//! throughput in bytes. From the repository root:
//!
//! ```text
//! cargo bench --bench detect              # all of them
//! cargo bench --bench detect -- office    # those whose name contains "office"
//! ```
//!
//! Five inputs, ~6 MB each, generated deterministically here (a seeded splitmix64, no data
//! files, no extra dependencies):
//!
//! * `office`: letters, referrals, billing statements, clinical notes and application logs:
//!   prose with ordinary numbers (amounts, dates of service, rooms, CPT codes, doses,
//!   timestamps) and a few SSNs, dates of birth, MRNs, phones, NPIs, member ids and e-mail
//!   addresses per KB.
//! * `prose`: running text without a single digit or `@` (the best case: skipped at memory
//!   speed by the trigger scan).
//! * `prose_typed`: the same prose as people type it in e-mails and plain-text notes: lines
//!   wrapped at 72 columns, two spaces after a full stop, paragraphs indented with a tab.
//! * `digits`: digit-dense tables (orders, ledgers, inventory) with no PHI at all: every window
//!   is searched, every date-shaped candidate is evaluated and rejected.
//! * `csv`: a patient-visit CSV export (MRN, DOB and phone columns on every row), scanned as a
//!   table (`TextFormat::sniff(.., Some("csv"), ..)`).
//!
//! Every benchmark is also a correctness check, like aho-corasick's: the generator counts what
//! it plants (per kind) and the scan must report exactly that many findings, of those kinds,
//! at any confidence (so no ordinary number may become even a low-confidence finding). The
//! check runs once before timing (with the unexpected findings shown on failure) and the count
//! is asserted again after every timed iteration.
//!
//! Each benchmark takes at most 20 samples or 20 s (`max_time`), whichever comes first, so a
//! pathologically slow case still finishes. See BENCHMARKS.md for figures.

use divan::counter::BytesCount;
use divan::Bencher;
use phiscan::detect::{rules::RuleSet, Chunk, Detector, Finding, Kind, Scratch, TextFormat};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::LazyLock;

fn main() {
    // Say what the inputs are (generating them is quick; checking them is done by each
    // benchmark before it is timed).
    for inp in [&*OFFICE, &*PROSE, &*PROSE_TYPED, &*DIGITS, &*CSV] {
        eprintln!(
            "input {:<11} {:>8} bytes, {:>6} findings planted ({:.2}/KB) {:?}",
            inp.name,
            inp.data.len(),
            inp.planted.total(),
            inp.planted.total() as f64 * 1024.0 / inp.data.len() as f64,
            inp.planted.0
        );
    }
    divan::main();
}

/// Size of each generated input.
const SIZE: usize = 6 << 20;

// ---------------------------------------------------------------------------------------------
// Deterministic generation
// ---------------------------------------------------------------------------------------------

/// splitmix64: tiny, fast, good enough for test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() >> 32) * n) >> 32
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Maria",
    "Wei",
    "Aisha",
    "Dmitri",
    "Priya",
    "Kenji",
    "Fatima",
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Mateo",
    "Sofia",
    "Andre",
    "Grace",
    "Hassan",
    "Chloe",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Nguyen",
    "Patel",
    "Kim",
    "Chen",
];
const CITIES: &[(&str, &str)] = &[
    ("Springfield", "IL"),
    ("Columbus", "OH"),
    ("Albany", "NY"),
    ("Madison", "WI"),
    ("Austin", "TX"),
    ("Salem", "OR"),
    ("Raleigh", "NC"),
    ("Denver", "CO"),
    ("Tucson", "AZ"),
    ("Richmond", "VA"),
];
const STREETS: &[&str] = &[
    "Main Street",
    "Oak Avenue",
    "Maple Drive",
    "Lakeview Road",
    "Elm Street",
    "Cedar Lane",
    "Washington Boulevard",
    "Park Place",
    "Hillcrest Court",
    "River Road",
];
const SPECIALTIES: &[&str] = &[
    "cardiology",
    "orthopedics",
    "dermatology",
    "endocrinology",
    "neurology",
    "gastroenterology",
    "physical therapy",
    "pulmonology",
    "rheumatology",
    "ophthalmology",
];
const PAYERS: &[&str] = &[
    "Blue Cross Blue Shield",
    "Aetna",
    "UnitedHealthcare",
    "Cigna",
    "Humana",
    "Kaiser Permanente",
    "Molina Healthcare",
    "Anthem",
];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "example-clinic.org",
    "aol.com",
];
const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const SERVICES: &[(&str, &str)] = &[
    ("99213", "Office visit, established patient"),
    ("99214", "Office visit, established patient, moderate"),
    ("99203", "Office visit, new patient"),
    ("93000", "Electrocardiogram, complete"),
    ("80053", "Comprehensive metabolic panel"),
    ("85025", "Complete blood count with differential"),
    ("71046", "Chest X-ray, two views"),
    ("90686", "Influenza vaccine, quadrivalent"),
    ("97110", "Therapeutic exercise, each fifteen minutes"),
    ("36415", "Routine venipuncture"),
];
const DRUGS: &[(&str, &str)] = &[
    ("Lisinopril", "mg"),
    ("Metformin", "mg"),
    ("Atorvastatin", "mg"),
    ("Amoxicillin", "mg"),
    ("Levothyroxine", "mcg"),
    ("Omeprazole", "mg"),
    ("Sertraline", "mg"),
    ("Albuterol", "puffs"),
];
/// Office prose without digits or `@`.
const SENTENCES: &[&str] = &[
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
];

/// What the generator planted, per kind.
#[derive(Default, Debug, Clone, PartialEq, Eq)]
struct Planted(BTreeMap<&'static str, usize>);

impl Planted {
    fn add(&mut self, k: Kind) {
        *self.0.entry(k.as_str()).or_default() += 1;
    }
    fn total(&self) -> usize {
        self.0.values().sum()
    }
}

struct Gen {
    r: Rng,
    out: Vec<u8>,
    planted: Planted,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            r: Rng::new(seed),
            out: Vec::with_capacity(SIZE + (64 << 10)),
            planted: Planted::default(),
        }
    }
    fn s(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }
    fn name(&mut self) -> (&'static str, &'static str) {
        (*self.r.pick(FIRST), *self.r.pick(LAST))
    }
    fn sentences(&mut self, lo: u64, hi: u64) {
        let n = self.r.range(lo, hi);
        for i in 0..n {
            if i > 0 {
                self.s(" ");
            }
            let s = *self.r.pick(SENTENCES);
            self.s(s);
        }
    }
    /// A date of service / letter date (no birth context): mm/dd/yyyy.
    fn service_date(&mut self) {
        let (m, d, y) = (
            self.r.range(1, 12),
            self.r.range(1, 28),
            self.r.range(2018, 2024),
        );
        write!(self.out, "{m:02}/{d:02}/{y}").unwrap();
    }
    fn amount(&mut self) {
        let v = self.r.range(0, 250_000);
        if v >= 100_000 {
            write!(
                self.out,
                "${},{:03}.{:02}",
                v / 100_000,
                (v / 100) % 1000,
                v % 100
            )
            .unwrap();
        } else {
            write!(self.out, "${}.{:02}", v / 100, v % 100).unwrap();
        }
    }

    // --- planted values (each is exactly one finding) ---

    fn ssn(&mut self) {
        let area = loop {
            let a = self.r.range(1, 899);
            if a != 666 && a != 78 && a != 219 && a != 123 && a != 111 {
                break a;
            }
        };
        let (g, s) = (self.r.range(1, 99), self.r.range(1, 9999));
        write!(self.out, "{area:03}-{g:02}-{s:04}").unwrap();
        self.planted.add(Kind::Ssn);
    }
    fn dob(&mut self) {
        let (m, d, y) = (
            self.r.range(1, 12),
            self.r.range(1, 28),
            self.r.range(1930, 2005),
        );
        write!(self.out, "{m:02}/{d:02}/{y}").unwrap();
        self.planted.add(Kind::Dob);
    }
    fn mrn(&mut self) {
        let v = self.r.range(100_000, 99_999_999);
        write!(self.out, "{v:08}").unwrap();
        self.planted.add(Kind::Mrn);
    }
    fn phone(&mut self) {
        let npa = loop {
            let a = self.r.range(201, 989);
            if a % 100 != 11 && (a / 10) % 10 != 1 {
                break a;
            }
        };
        let nxx = loop {
            let a = self.r.range(200, 999);
            if a % 100 != 11 {
                break a;
            }
        };
        let line = self.r.range(0, 9999);
        match self.r.below(3) {
            0 => write!(self.out, "({npa}) {nxx}-{line:04}"),
            1 => write!(self.out, "{npa}-{nxx}-{line:04}"),
            _ => write!(self.out, "{npa}.{nxx}.{line:04}"),
        }
        .unwrap();
        self.planted.add(Kind::Phone);
    }
    fn npi(&mut self) {
        let mut d: Vec<u8> = vec![*self.r.pick(b"12")];
        for _ in 0..8 {
            d.push(b'0' + self.r.below(10) as u8);
        }
        // Luhn over 80840 + the first nine digits, then the check digit.
        let mut full = b"80840".to_vec();
        full.extend_from_slice(&d);
        let mut sum = 0;
        for (i, &c) in full.iter().rev().enumerate() {
            let mut v = u32::from(c - b'0');
            if i % 2 == 0 {
                v *= 2;
                if v > 9 {
                    v -= 9;
                }
            }
            sum += v;
        }
        d.push(b'0' + ((10 - sum % 10) % 10) as u8);
        self.out.extend_from_slice(&d);
        self.planted.add(Kind::Npi);
    }
    fn member_id(&mut self) {
        let letters = b"ACDEFGHJKMNPQRTUVWXY";
        for _ in 0..3 {
            let c = *self.r.pick(letters);
            self.out.push(c);
        }
        let v = self.r.range(100_000_000, 999_999_999);
        write!(self.out, "{v}").unwrap();
        self.planted.add(Kind::InsuranceId);
    }
    fn email(&mut self, first: &str, last: &str) {
        let dom = *self.r.pick(DOMAINS);
        let sep = *self.r.pick(&[".", "_", ""]);
        write!(
            self.out,
            "{}{sep}{}@{dom}",
            first.to_lowercase(),
            last.to_lowercase()
        )
        .unwrap();
        self.planted.add(Kind::Email);
    }

    // --- ordinary numbers (never a finding) ---

    /// A sentence with everyday numbers: doses, vitals, rooms, amounts, times, codes.
    fn numeric_sentence(&mut self) {
        match self.r.below(10) {
            0 => {
                let (drug, unit) = *self.r.pick(DRUGS);
                let dose = *self.r.pick(&[5, 10, 20, 25, 40, 50, 100, 250, 500]);
                let times = self.r.range(1, 3);
                write!(
                    self.out,
                    "Continue {drug} {dose} {unit} {times} times daily for {} days.",
                    self.r.range(5, 90)
                )
                .unwrap();
            }
            1 => {
                let (s, d, p) = (
                    self.r.range(100, 160),
                    self.r.range(60, 99),
                    self.r.range(55, 110),
                );
                write!(
                    self.out,
                    "Vitals: BP {s}/{d}, pulse {p}, temp 98.{} F, weight {} lb.",
                    self.r.below(10),
                    self.r.range(95, 280)
                )
                .unwrap();
            }
            2 => {
                write!(
                    self.out,
                    "The meeting moved to Room {} on the {} floor at {}:{:02} PM.",
                    self.r.range(100, 899),
                    *self.r.pick(&["2nd", "3rd", "4th", "5th"]),
                    self.r.range(1, 5),
                    *self.r.pick(&[0, 15, 30, 45])
                )
                .unwrap();
            }
            3 => {
                self.s("A payment of ");
                self.amount();
                self.s(" was received on ");
                self.service_date();
                self.s(" and applied to the balance.");
            }
            4 => {
                let (cpt, desc) = *self.r.pick(SERVICES);
                write!(
                    self.out,
                    "Billed CPT {cpt} ({desc}) with ICD-10 {}{:02}.{}.",
                    *self.r.pick(&["E", "I", "J", "M", "K", "Z"]),
                    self.r.range(10, 99),
                    self.r.below(10)
                )
                .unwrap();
            }
            5 => {
                write!(
                    self.out,
                    "Follow up in {} weeks; labs to be drawn {} days before the visit.",
                    self.r.range(2, 12),
                    self.r.range(2, 7)
                )
                .unwrap();
            }
            6 => {
                write!(
                    self.out,
                    "Invoice INV-{} for ",
                    self.r.range(10_000, 99_999)
                )
                .unwrap();
                self.amount();
                self.s(" is due within 30 days.");
            }
            7 => {
                write!(
                    self.out,
                    "Census today: {} inpatients, {} observation, {}% occupancy.",
                    self.r.range(40, 180),
                    self.r.range(3, 30),
                    self.r.range(60, 99)
                )
                .unwrap();
            }
            8 => {
                self.s("Seen on ");
                self.service_date();
                write!(
                    self.out,
                    " in Suite {}; next appointment in {} months.",
                    self.r.range(100, 450),
                    self.r.range(1, 12)
                )
                .unwrap();
            }
            _ => {
                write!(
                    self.out,
                    "Order {} shipped in {} boxes, tracking to follow.",
                    self.r.range(10_000_000, 99_999_999),
                    self.r.range(1, 12)
                )
                .unwrap();
            }
        }
    }
    fn paragraph(&mut self) {
        let n = self.r.range(2, 6);
        for i in 0..n {
            if i > 0 {
                self.s(" ");
            }
            if self.r.chance(35) {
                self.numeric_sentence();
            } else {
                let s = *self.r.pick(SENTENCES);
                self.s(s);
            }
        }
        self.s("\n\n");
    }
    fn letterhead(&mut self) {
        let (city, st) = *self.r.pick(CITIES);
        let street = *self.r.pick(STREETS);
        let last = *self.r.pick(LAST);
        write!(
            self.out,
            "{last} Family Medicine\n{} {street}, Suite {}\n{city}, {st} {}\n\n",
            self.r.range(10, 9999),
            self.r.range(100, 500),
            self.r.range(10_000, 99_999)
        )
        .unwrap();
    }

    // --- documents ---

    fn letter(&mut self) {
        self.letterhead();
        let month = *self.r.pick(MONTHS);
        write!(
            self.out,
            "{month} {}, {}\n\n",
            self.r.range(1, 28),
            self.r.range(2019, 2024)
        )
        .unwrap();
        let (f, l) = self.name();
        writeln!(self.out, "Re: {f} {l}").unwrap();
        self.s("DOB: ");
        self.dob();
        self.s("\nMRN: ");
        self.mrn();
        let doc = *self.r.pick(LAST);
        write!(self.out, "\n\nDear Dr. {doc},\n\n").unwrap();
        for _ in 0..self.r.range(2, 4) {
            self.paragraph();
        }
        if self.r.chance(40) {
            self.s("You can reach the patient at ");
            self.phone();
            self.s(" in the afternoons.\n\n");
        }
        let (sf, sl) = self.name();
        write!(self.out, "Sincerely,\n\n{sf} {sl}, MD\n\n").unwrap();
    }
    fn referral(&mut self) {
        self.s("REFERRAL FORM\nReferral date: ");
        self.service_date();
        let (f, l) = self.name();
        write!(
            self.out,
            "\nSpecialty: {}\nPatient name: {f} {l}\nDate of birth: ",
            *self.r.pick(SPECIALTIES)
        )
        .unwrap();
        self.dob();
        self.s("\nSocial Security No.: ");
        self.ssn();
        self.s("\nHome phone: ");
        self.phone();
        if self.r.chance(50) {
            self.s("\nEmail: ");
            self.email(f, l);
        }
        self.s("\nMedical record number: ");
        self.mrn();
        let doc = *self.r.pick(LAST);
        write!(self.out, "\nReferring provider: Dr. {doc}, NPI ").unwrap();
        self.npi();
        write!(
            self.out,
            "\nInsurance: {}, Member ID: ",
            *self.r.pick(PAYERS)
        )
        .unwrap();
        self.member_id();
        self.s("\nReason for referral: ");
        self.sentences(1, 3);
        self.s("\n\n");
    }
    fn statement(&mut self) {
        self.letterhead();
        self.s("STATEMENT OF ACCOUNT\nStatement date: ");
        self.service_date();
        let (f, l) = self.name();
        write!(
            self.out,
            "\nPatient: {f} {l}    Account: {}\n\n",
            self.r.range(10_000_000, 99_999_999)
        )
        .unwrap();
        self.s("Date of service  CPT    Description");
        self.s("                                   Charge      Paid\n");
        for _ in 0..self.r.range(3, 12) {
            self.service_date();
            let (cpt, desc) = *self.r.pick(SERVICES);
            write!(self.out, "       {cpt}  {desc:<44}  ").unwrap();
            self.amount();
            self.s("   ");
            self.amount();
            self.s("\n");
        }
        self.s("\nTotal due: ");
        self.amount();
        self.s("\nPlease remit payment by ");
        self.service_date();
        self.s(". Questions? Call our billing office at ");
        self.phone();
        self.s(".\n\n");
    }
    fn note(&mut self) {
        let (f, l) = self.name();
        self.s("PROGRESS NOTE\nVisit date: ");
        self.service_date();
        write!(self.out, "\nPatient: {f} {l}, MRN ").unwrap();
        self.mrn();
        if self.r.chance(50) {
            self.s(", DOB ");
            self.dob();
        }
        self.s("\n\n");
        for _ in 0..self.r.range(2, 5) {
            self.paragraph();
        }
        if self.r.chance(20) {
            self.s("Patient provided SSN ");
            self.ssn();
            self.s(" for the payroll deduction form.\n\n");
        }
    }
    fn log(&mut self) {
        for _ in 0..self.r.range(10, 30) {
            let (mo, d, h, mi, s) = (
                self.r.range(1, 12),
                self.r.range(1, 28),
                self.r.range(0, 23),
                self.r.range(0, 59),
                self.r.range(0, 59),
            );
            write!(
                self.out,
                "2024-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{:03} ",
                self.r.below(1000)
            )
            .unwrap();
            match self.r.below(12) {
                0 => {
                    self.s("INFO  [scheduler] appointment confirmed for patient id P-");
                    let v = self.r.range(1_000_000, 9_999_999);
                    write!(self.out, "{v}").unwrap();
                    self.planted.add(Kind::Mrn);
                }
                1 => {
                    let (f, l) = self.name();
                    self.s("INFO  [mailer] reminder sent to ");
                    self.email(f, l);
                }
                _ => {
                    let path = *self
                        .r
                        .pick(&["claims", "visits", "orders", "reports", "schedule"]);
                    write!(
                        self.out,
                        "INFO  [http] GET /api/v2/{path}/{} {} {}ms worker={} bytes={}",
                        self.r.range(1, 99_999),
                        *self.r.pick(&[200, 200, 200, 304, 404]),
                        self.r.range(1, 900),
                        self.r.range(1, 16),
                        self.r.range(100, 200_000)
                    )
                    .unwrap();
                }
            }
            self.s("\n");
        }
        self.s("\n");
    }
}

/// (a) Office documents with a realistic mix of prose, ordinary numbers and PHI.
fn gen_office() -> (Vec<u8>, Planted) {
    let mut g = Gen::new(0x0FF1CE);
    while g.out.len() < SIZE {
        match g.r.below(10) {
            0 | 1 => g.letter(),
            2 => g.referral(),
            3 | 4 => g.statement(),
            5 | 6 => g.note(),
            7 => g.log(),
            _ => {
                for _ in 0..3 {
                    g.paragraph();
                }
            }
        }
    }
    (g.out, g.planted)
}

/// (b) Prose without a digit or `@`.
fn gen_prose() -> (Vec<u8>, Planted) {
    let mut g = Gen::new(0x9805E);
    while g.out.len() < SIZE {
        g.sentences(3, 7);
        g.s("\n\n");
    }
    (g.out, g.planted)
}

/// (b') The same prose as typed in e-mails and plain-text notes: wrapped at 72 columns, two
/// spaces after each sentence, first line of a paragraph indented with a tab.
fn gen_prose_typed() -> (Vec<u8>, Planted) {
    let mut g = Gen::new(0x7E4ED);
    while g.out.len() < SIZE {
        g.s("\t");
        let mut col = 8;
        for i in 0..g.r.range(3, 7) {
            let s = *g.r.pick(SENTENCES);
            for (j, w) in s.split(' ').enumerate() {
                let sep = if j > 0 {
                    " "
                } else if i > 0 {
                    "  "
                } else {
                    ""
                };
                if col + sep.len() + w.len() > 72 {
                    g.s("\n");
                    col = 0;
                } else {
                    g.s(sep);
                    col += sep.len();
                }
                g.s(w);
                col += w.len();
            }
        }
        g.s("\n\n");
    }
    (g.out, g.planted)
}

/// (c) Digit-heavy tables without PHI: orders, ledgers, inventory counts.
fn gen_digits() -> (Vec<u8>, Planted) {
    let mut g = Gen::new(0xD1D1);
    while g.out.len() < SIZE {
        match g.r.below(3) {
            0 => {
                g.s("Order     Date        Item        Qty  Unit price     Amount  Ref\n");
                for _ in 0..g.r.range(20, 60) {
                    let (y, m, d) = (g.r.range(2019, 2024), g.r.range(1, 12), g.r.range(1, 28));
                    let (qty, unit) = (g.r.range(1, 500), g.r.range(50, 99_999));
                    let (order, sku) = (g.r.range(10_000_000, 99_999_999), g.r.range(0, 99_999));
                    let (amount, r1, r2) = (qty * unit, g.r.range(1000, 9999), g.r.range(0, 99));
                    writeln!(
                        g.out,
                        "{order}  {y}-{m:02}-{d:02}  SKU-{sku:05}  {qty:>4}  {:>7}.{:02}  {:>9}.{:02}  {r1}-{r2:02}",
                        unit / 100,
                        unit % 100,
                        amount / 100,
                        amount % 100,
                    )
                    .unwrap();
                }
            }
            1 => {
                g.s("GL account  Period   Debit        Credit       Balance\n");
                for _ in 0..g.r.range(20, 60) {
                    write!(
                        g.out,
                        "{}-{:03}    {}/{:02}  ",
                        g.r.range(1000, 9999),
                        g.r.range(0, 999),
                        g.r.range(2019, 2024),
                        g.r.range(1, 12)
                    )
                    .unwrap();
                    g.amount();
                    g.s("  ");
                    g.amount();
                    g.s("  ");
                    g.amount();
                    g.s("\n");
                }
            }
            _ => {
                g.s("Bin   Lot       Count  Reorder  Weight kg  Temp C\n");
                for _ in 0..g.r.range(20, 60) {
                    writeln!(
                        g.out,
                        "{}-{:02}  L{:06}  {:>5}  {:>7}  {:>6}.{}  {}.{}",
                        (b'A' + g.r.below(8) as u8) as char,
                        g.r.range(1, 40),
                        g.r.range(0, 999_999),
                        g.r.range(0, 20_000),
                        g.r.range(10, 900),
                        g.r.range(1, 2000),
                        g.r.below(10),
                        g.r.range(2, 8),
                        g.r.below(10)
                    )
                    .unwrap();
                }
            }
        }
        g.s("\n");
    }
    (g.out, g.planted)
}

/// (d) A patient-visit CSV export: MRN, DOB and phone on every row.
fn gen_csv() -> (Vec<u8>, Planted) {
    let mut g = Gen::new(0xC5F);
    g.s("Date of Service,Patient Name,MRN,DOB,Phone,Provider,CPT,Charge,Paid,Balance\r\n");
    while g.out.len() < SIZE {
        let (y, m, d) = (g.r.range(2019, 2024), g.r.range(1, 12), g.r.range(1, 28));
        let (f, l) = g.name();
        write!(g.out, "{y}-{m:02}-{d:02},\"{l}, {f}\",").unwrap();
        g.mrn();
        g.s(",");
        g.dob();
        g.s(",");
        g.phone();
        let (cpt, _) = *g.r.pick(SERVICES);
        let (charge, paid) = (g.r.range(2_000, 90_000), g.r.range(0, 2_000));
        write!(
            g.out,
            ",Dr. {},{cpt},{}.{:02},{}.{:02},{}.{:02}\r\n",
            *g.r.pick(LAST),
            charge / 100,
            charge % 100,
            paid / 100,
            paid % 100,
            (charge - paid) / 100,
            (charge - paid) % 100
        )
        .unwrap();
    }
    (g.out, g.planted)
}

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::load(&[] as &[&str]).unwrap());

struct Input {
    name: &'static str,
    data: Vec<u8>,
    ext: Option<&'static str>,
    planted: Planted,
}

impl Input {
    fn new(name: &'static str, ext: Option<&'static str>, g: fn() -> (Vec<u8>, Planted)) -> Input {
        let (data, planted) = g();
        Input {
            name,
            data,
            ext,
            planted,
        }
    }

    fn format(&self) -> TextFormat {
        TextFormat::sniff(
            &self.data[..self.data.len().min(64 << 10)],
            self.ext,
            &RULES,
        )
    }

    fn scan(&self, det: &Detector<'_>, sc: &mut Scratch, fmt: &TextFormat, out: &mut Vec<Finding>) {
        let chunk = Chunk {
            text: &self.data,
            from: 0,
            to: self.data.len(),
            at_start: true,
            fhir: None,
        };
        det.scan(sc, &chunk, fmt, out);
    }

    /// Scan once and compare the findings with what was planted, per kind; on a mismatch,
    /// show the unexpected findings in their context.
    fn check(&self) {
        let det = Detector::new(&RULES);
        let mut sc = Scratch::new(&RULES);
        let fmt = self.format();
        if self.ext == Some("csv") {
            assert_eq!(fmt.name(), "csv", "{}: not sniffed as a table", self.name);
        }
        let mut out = Vec::new();
        self.scan(&det, &mut sc, &fmt, &mut out);
        let mut got = Planted::default();
        for f in &out {
            got.add(f.kind);
        }
        if got != self.planted {
            let mut shown = 0;
            for f in &out {
                if got.0.get(f.kind.as_str()) > self.planted.0.get(f.kind.as_str()) && shown < 20 {
                    shown += 1;
                    let a = f.start.saturating_sub(60);
                    let b = (f.end + 20).min(self.data.len());
                    eprintln!(
                        "  {} {:?} {} {:?}",
                        RULES.rules[f.rule].spec.id,
                        f.confidence,
                        f.value,
                        String::from_utf8_lossy(&self.data[a..b])
                    );
                }
            }
            panic!(
                "{}: findings {:?} != planted {:?}",
                self.name, got.0, self.planted.0
            );
        }
    }
}

static OFFICE: LazyLock<Input> = LazyLock::new(|| Input::new("office", None, gen_office));
static PROSE: LazyLock<Input> = LazyLock::new(|| Input::new("prose", None, gen_prose));
static PROSE_TYPED: LazyLock<Input> =
    LazyLock::new(|| Input::new("prose_typed", None, gen_prose_typed));
static DIGITS: LazyLock<Input> = LazyLock::new(|| Input::new("digits", None, gen_digits));
static CSV: LazyLock<Input> = LazyLock::new(|| Input::new("csv", Some("csv"), gen_csv));

fn run(bencher: Bencher, inp: &'static Input) {
    inp.check();
    let det = Detector::new(&RULES);
    let mut sc = Scratch::new(&RULES);
    let fmt = inp.format();
    let mut out = Vec::new();
    let want = inp.planted.total();
    bencher
        .counter(BytesCount::new(inp.data.len()))
        .bench_local(|| {
            out.clear();
            inp.scan(&det, &mut sc, &fmt, &mut out);
            assert_eq!(out.len(), want, "{}", inp.name);
        });
}

#[divan::bench(sample_count = 20, max_time = 20)]
fn office(b: Bencher) {
    run(b, &OFFICE);
}

#[divan::bench(sample_count = 20, max_time = 20)]
fn prose(b: Bencher) {
    run(b, &PROSE);
}

#[divan::bench(sample_count = 20, max_time = 20)]
fn prose_typed(b: Bencher) {
    run(b, &PROSE_TYPED);
}

#[divan::bench(sample_count = 20, max_time = 20)]
fn digits(b: Bencher) {
    run(b, &DIGITS);
}

#[divan::bench(sample_count = 20, max_time = 20)]
fn csv(b: Bencher) {
    run(b, &CSV);
}
