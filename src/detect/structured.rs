//! Structured health-data formats, understood field by field rather than grepped.
//!
//! - HL7 v2 (pipe-delimited segments): PID-3 patient identifiers (by CX-5 identifier type:
//!   MR/PI/PT/AN... are MRNs, SS is an SSN, MC/MA are Medicare/Medicaid numbers), PID-7 birth
//!   date, PID-19 SSN, IN1-36 policy number, IN1-49 insured's id, IN1-18 insured's birth date,
//!   GT1-8/GT1-12 guarantor birth date and SSN.
//! - X12 837/835 (`~`-terminated segments): NM1 with NM108=MI (member id), 34 (SSN) or XX
//!   (NPI), DMG02 birth date, REF*SY (SSN), REF*1W (member id), REF*EA (medical record number).
//! - FHIR JSON (R4): identifiers typed MR, SSN/MBI/NPI identifier systems, `birthDate`,
//!   Coverage.subscriberId.
//!
//! Each extractor yields raw field values with their byte spans in the text; `scan` validates
//! them like any other candidate (the rule ids live in patterns/structured.toml).

use serde_json::Value;

/// A field value found by a structured parser, before validation.
#[derive(Debug, Clone)]
pub struct Field {
    /// Rule id in patterns/structured.toml.
    pub rule: &'static str,
    pub start: usize,
    pub end: usize,
    /// "PID-3", "NM1*09" ...: the segment and field, for `location.record`.
    pub record: String,
}

/// HL7 v2 delimiters, read from the MSH segment.
#[derive(Debug, Clone, Copy)]
pub struct Hl7Delims {
    pub field: u8,
    pub component: u8,
    pub repetition: u8,
}

/// Is this text an HL7 v2 message (or batch)? Returns its delimiters.
pub fn sniff_hl7(text: &[u8]) -> Option<Hl7Delims> {
    let mut t = text;
    while let [b'\r' | b'\n' | b' ' | b'\t', rest @ ..] = t {
        t = rest;
    }
    for lead in [&b"MSH"[..], b"FHS", b"BHS"] {
        if t.starts_with(lead) && t.len() > 8 {
            let f = t[3];
            if f.is_ascii_alphanumeric() || f.is_ascii_whitespace() {
                return None;
            }
            return Some(Hl7Delims {
                field: f,
                component: t[4],
                repetition: t[5],
            });
        }
    }
    None
}

fn split_spans(
    text: &[u8],
    start: usize,
    end: usize,
    sep: u8,
) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut pos = start;
    let mut done = start > end;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let s = pos;
        match memchr::memchr(sep, &text[s..end]) {
            Some(i) => {
                pos = s + i + 1;
                Some((s, s + i))
            }
            None => {
                done = true;
                Some((s, end))
            }
        }
    })
}

fn trim_span(text: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && text[s].is_ascii_whitespace() {
        s += 1;
    }
    while e > s && text[e - 1].is_ascii_whitespace() {
        e -= 1;
    }
    (s, e)
}

/// Walk the HL7 segments of `text` that start inside `[from, to)`.
pub fn hl7_fields(text: &[u8], d: Hl7Delims, from: usize, to: usize, out: &mut Vec<Field>) {
    let mut seg_start = from;
    while seg_start < text.len() && seg_start < to {
        let seg_end =
            memchr::memchr2(b'\r', b'\n', &text[seg_start..]).map_or(text.len(), |i| seg_start + i);
        hl7_segment(text, d, seg_start, seg_end, out);
        seg_start = seg_end + 1;
    }
}

fn hl7_segment(text: &[u8], d: Hl7Delims, s: usize, e: usize, out: &mut Vec<Field>) {
    if e < s + 4 || text[s + 3] != d.field {
        return;
    }
    let name = &text[s..s + 3];
    let wanted: &[usize] = match name {
        b"PID" => &[3, 7, 19],
        b"IN1" => &[18, 36, 49],
        b"GT1" => &[8, 12],
        _ => return,
    };
    let seg = std::str::from_utf8(name).unwrap_or("???");
    for (idx, (fs, fe)) in split_spans(text, s, e, d.field).enumerate() {
        if !wanted.contains(&idx) {
            continue;
        }
        for (rs, re) in split_spans(text, fs, fe, d.repetition) {
            let comps: Vec<(usize, usize)> = split_spans(text, rs, re, d.component).collect();
            let (cs, ce) = trim_span(text, comps[0].0, comps[0].1);
            if cs == ce {
                continue;
            }
            let rule = match (name, idx) {
                (b"PID", 3) => {
                    // CX-5: identifier type code.
                    let ty = comps.get(4).map(|&(a, b)| &text[a..b]).unwrap_or(b"");
                    match ty {
                        b"SS" => "hl7.pid.ssn",
                        b"MC" | b"MA" | b"MCD" | b"MCR" => "hl7.in1.member_id",
                        b"DL" | b"PPN" | b"DN" | b"NPI" | b"PRN" => continue,
                        _ => "hl7.pid.mrn",
                    }
                }
                (b"PID", 7) | (b"IN1", 18) | (b"GT1", 8) => "hl7.pid.dob",
                (b"PID", 19) | (b"GT1", 12) => "hl7.pid.ssn",
                (b"IN1", 36) | (b"IN1", 49) => "hl7.in1.member_id",
                _ => continue,
            };
            // PID-7 is a TS: YYYYMMDD[HHMM[SS]]; keep the date part.
            let ce = if rule == "hl7.pid.dob" && ce - cs > 8 {
                cs + 8
            } else {
                ce
            };
            out.push(Field {
                rule,
                start: cs,
                end: ce,
                record: format!("{seg}-{idx}"),
            });
        }
    }
}

/// X12 delimiters from the fixed-width ISA segment.
#[derive(Debug, Clone, Copy)]
pub struct X12Delims {
    pub element: u8,
    pub segment: u8,
}

pub fn sniff_x12(text: &[u8]) -> Option<X12Delims> {
    let mut t = text;
    while let [b'\r' | b'\n' | b' ' | b'\t', rest @ ..] = t {
        t = rest;
    }
    if !t.starts_with(b"ISA") || t.len() < 106 {
        return None;
    }
    let element = t[3];
    if element.is_ascii_alphanumeric() {
        return None;
    }
    // ISA has 16 elements; the segment terminator follows the 16th.
    let mut count = 0;
    for (i, &b) in t.iter().enumerate().take(200) {
        if b == element {
            count += 1;
            if count == 16 {
                let term = *t.get(i + 2)?;
                return Some(X12Delims {
                    element,
                    segment: term,
                });
            }
        }
    }
    None
}

pub fn x12_fields(text: &[u8], d: X12Delims, from: usize, to: usize, out: &mut Vec<Field>) {
    let mut s = from;
    while s < text.len() && s < to {
        let e = memchr::memchr(d.segment, &text[s..]).map_or(text.len(), |i| s + i);
        let (ss, se) = trim_span(text, s, e);
        x12_segment(text, d, ss, se, out);
        s = e + 1;
    }
}

fn x12_segment(text: &[u8], d: X12Delims, s: usize, e: usize, out: &mut Vec<Field>) {
    let els: Vec<(usize, usize)> = split_spans(text, s, e, d.element).collect();
    let el = |i: usize| els.get(i).map(|&(a, b)| &text[a..b]).unwrap_or(b"");
    let push = |out: &mut Vec<Field>, rule: &'static str, i: usize, rec: &str| {
        if let Some(&(a, b)) = els.get(i) {
            let (a, b) = trim_span(text, a, b);
            if a < b {
                out.push(Field {
                    rule,
                    start: a,
                    end: b,
                    record: format!("{rec}{i:02}"),
                });
            }
        }
    };
    match el(0) {
        b"NM1" => match el(8) {
            b"MI" if matches!(el(1), b"IL" | b"QC") => push(out, "x12.nm1.member_id", 9, "NM1*"),
            b"34" => push(out, "x12.nm1.ssn", 9, "NM1*"),
            b"XX" => push(out, "x12.nm1.npi", 9, "NM1*"),
            _ => {}
        },
        b"DMG" if el(1) == b"D8" => push(out, "x12.dmg.dob", 2, "DMG*"),
        b"REF" => match el(1) {
            b"SY" => push(out, "x12.nm1.ssn", 2, "REF*"),
            // 1W: member identification number; 0F: the subscriber number of an 834
            // enrollment.
            b"1W" | b"0F" => push(out, "x12.nm1.member_id", 2, "REF*"),
            b"EA" => push(out, "x12.ref.mrn", 2, "REF*"),
            _ => {}
        },
        _ => {}
    }
}

/// Does this text look like a FHIR resource or bundle?
pub fn sniff_fhir(text: &[u8]) -> bool {
    let head = &text[..text.len().min(4096)];
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    first == Some(&b'{') && memchr::memmem::find(head, b"\"resourceType\"").is_some()
}

const SSN_SYSTEMS: &[&str] = &[
    "http://hl7.org/fhir/sid/us-ssn",
    "urn:oid:2.16.840.1.113883.4.1",
];
const MBI_SYSTEMS: &[&str] = &[
    "http://hl7.org/fhir/sid/us-mbi",
    "http://terminology.hl7.org/NamingSystem/cmsMBI",
];
const NPI_SYSTEMS: &[&str] = &[
    "http://hl7.org/fhir/sid/us-npi",
    "urn:oid:2.16.840.1.113883.4.6",
];

/// A FHIR object: where it starts, and where it ends (None: not in the text).
pub type FhirObject = (usize, Option<usize>);

/// The FHIR JSON objects that start in `[from, to)`, in order, with where each closes (None:
/// not in `text`): a document (a `{` at the start of a line: the whole file, or one resource
/// per line in bulk-data NDJSON), a bundle entry's resource, and any other resource whose
/// first key is `"resourceType"` (where FHIR writers put it). Found by one pass that matches
/// braces outside strings, so that no object is parsed to learn where it ends: a parse that
/// fails at the end of the text, once per nested object, made a crafted file of nested
/// unclosed objects quadratic (9.6 MB: 11 s).
pub fn fhir_objects(text: &[u8], from: usize, to: usize) -> Vec<FhirObject> {
    let to = to.min(text.len());
    let mut cands: Vec<FhirObject> = Vec::new();
    // Open braces: the candidate each is (its index in `cands`), if it is one.
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut pending = 0usize;
    let mut at = from;
    while let Some(i) = memchr::memchr3(b'{', b'}', b'"', &text[at..]) {
        let p = at + i;
        at = p + 1;
        match text[p] {
            b'"' => {
                // To the string's end (past escaped characters).
                loop {
                    let Some(j) = text.get(at..).and_then(|t| memchr::memchr2(b'"', b'\\', t))
                    else {
                        at = text.len();
                        break;
                    };
                    at += j + 1;
                    if text[at - 1] == b'"' {
                        break;
                    }
                    at += 1;
                }
            }
            b'{' => {
                let is_cand = p < to && {
                    let rest = &text[p + 1..];
                    let key_first = rest
                        .iter()
                        .position(|b| !b.is_ascii_whitespace())
                        .is_some_and(|k| rest[k..].starts_with(b"\"resourceType\""));
                    p == 0 || text[p - 1] == b'\n' || key_first || is_entry_resource(&text[..p])
                };
                if is_cand {
                    cands.push((p, None));
                    pending += 1;
                }
                open.push(is_cand.then(|| cands.len() - 1));
            }
            _ => {
                if let Some(Some(c)) = open.pop() {
                    cands[c].1 = Some(p + 1);
                    pending -= 1;
                }
            }
        }
        if p >= to && pending == 0 {
            break;
        }
    }
    cands
}

/// Where a chunk of a FHIR text should end instead of `to`: before the first object (see
/// [`fhir_objects`]) that starts in the chunk's second half and runs past `to`, so that
/// the next chunk holds it whole (None: nothing runs past). One that starts earlier (at
/// `from`, or more than half a chunk long) is looked into instead (a bundle larger than a
/// chunk: its entries).
pub fn fhir_chunk_end(text: &[u8], from: usize, to: usize) -> Option<usize> {
    fhir_chunk_end_of(&fhir_objects(text, from, to), text.len(), from, to)
}

/// [`fhir_chunk_end`] with the chunk's objects found already (by [`fhir_objects`] on the
/// same `text`, `from` and `to`).
pub fn fhir_chunk_end_of(
    objects: &[FhirObject],
    text_len: usize,
    from: usize,
    to: usize,
) -> Option<usize> {
    // Only objects that start in the second half move: the chunk keeps at least half its
    // length, so a nest of objects that all run past the chunk cannot make a chunk per
    // object. One that starts in the first half and runs past is more than half a chunk
    // long: its objects are looked at instead.
    let half = from + (to.min(text_len).saturating_sub(from)) / 2;
    let mut inside = from;
    for &(o, end) in objects {
        if o < inside {
            continue;
        }
        match end {
            Some(e) if e <= to => inside = e,
            _ if o > from && o >= half => return Some(o),
            _ => {}
        }
    }
    None
}

/// Whether `before` ends with `"resource":` (and spaces): the object after it is a bundle
/// entry's resource, whatever the order of its keys (writers that sort keys put
/// `resourceType` after `identifier` and `birthDate`).
fn is_entry_resource(before: &[u8]) -> bool {
    before
        .trim_ascii_end()
        .strip_suffix(b":")
        .is_some_and(|b| b.trim_ascii_end().ends_with(b"\"resource\""))
}

/// The typed values of the FHIR objects that start in `[from, to)` (see
/// [`fhir_objects`]; each parsed once, the objects inside a parsed one not again; one
/// that does not parse, or is cut off, is looked into), each located in the text as a JSON
/// string inside its object, in document order.
pub fn fhir_fields(text: &[u8], from: usize, to: usize, out: &mut Vec<Field>) {
    fhir_fields_of(text, &fhir_objects(text, from, to), from, to, out);
}

/// [`fhir_fields`] with the objects found already (by [`fhir_objects`] on the same `text`
/// and `from`, and a `to` at least as far: those that start after `to` are not read).
pub fn fhir_fields_of(
    text: &[u8],
    objects: &[FhirObject],
    from: usize,
    to: usize,
    out: &mut Vec<Field>,
) {
    let mut found: Vec<(&'static str, String, String)> = Vec::new();
    let mut inside = from;
    let mut failed_at = usize::MAX;
    for &(start, end) in objects.iter().take_while(|o| o.0 < to) {
        let Some(end) = end.filter(|_| start >= inside) else {
            continue;
        };
        if (start..end).contains(&failed_at) {
            // It holds the place where an object around it failed, and would fail there too
            // (or at serde_json's depth limit, 128 levels further): parsing every object of
            // a deep nest to that place made a crafted nest quadratic.
            continue;
        }
        let doc = match serde_json::from_slice::<Value>(&text[start..end]) {
            Ok(doc) => doc,
            Err(e) => {
                failed_at = json_error_offset(&text[start..end], &e).map_or(end, |o| start + o);
                continue;
            }
        };
        inside = end;
        found.clear();
        walk_fhir(&doc, "", &mut found);
        let mut cursor = start;
        for (rule, value, record) in found.drain(..) {
            let needle = serde_json::to_string(&value).unwrap_or_default();
            let nb = needle.as_bytes();
            // JSON strings start with a quote: a memchr for it, not a memmem searcher
            // built per value.
            let find = |from: usize| {
                memchr::memchr_iter(b'"', &text[from..end])
                    .map(|i| from + i)
                    .find(|&i| {
                        // The byte after the quote first: most strings differ there.
                        text.get(i + 1) == nb.get(1) && text[i..end].starts_with(nb)
                    })
            };
            let pos = find(cursor).or_else(|| find(start));
            if let Some(p) = pos {
                out.push(Field {
                    rule,
                    start: p + 1,
                    end: p + nb.len() - 1,
                    record,
                });
                cursor = p + nb.len();
            }
        }
    }
}

/// Where in `json` a parse of it failed: serde_json reports a line and a column (1-based).
fn json_error_offset(json: &[u8], e: &serde_json::Error) -> Option<usize> {
    let line_start = match e.line() {
        0 => return None,
        1 => 0,
        n => memchr::memchr_iter(b'\n', json).nth(n - 2)? + 1,
    };
    Some((line_start + e.column().saturating_sub(1)).min(json.len()))
}

fn walk_fhir(v: &Value, parent_type: &str, found: &mut Vec<(&'static str, String, String)>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| walk_fhir(i, parent_type, found)),
        Value::Object(map) => {
            let rtype = map
                .get("resourceType")
                .and_then(Value::as_str)
                .unwrap_or(parent_type);
            if map.contains_key("resourceType") {
                if let Some(Value::String(bd)) = map.get("birthDate") {
                    found.push(("fhir.birthdate", bd.clone(), format!("{rtype}.birthDate")));
                }
                if rtype == "Coverage" {
                    if let Some(Value::String(s)) = map.get("subscriberId") {
                        found.push((
                            "fhir.coverage.member_id",
                            s.clone(),
                            "Coverage.subscriberId".into(),
                        ));
                    }
                }
                if let Some(Value::Array(ids)) = map.get("identifier") {
                    for id in ids {
                        if let Some(f) = fhir_identifier(id, rtype) {
                            found.push(f);
                        }
                    }
                }
            }
            for (k, child) in map {
                if k != "identifier" {
                    walk_fhir(child, rtype, found);
                }
            }
        }
        _ => {}
    }
}

fn fhir_identifier(id: &Value, rtype: &str) -> Option<(&'static str, String, String)> {
    let value = id.get("value")?.as_str()?.to_string();
    let system = id.get("system").and_then(Value::as_str).unwrap_or("");
    let codes: Vec<&str> = id
        .pointer("/type/coding")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .filter_map(|x| x.get("code").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let rule = identifier_rule(system, &codes, rtype)?;
    Some((rule, value, format!("{rtype}.identifier")))
}

/// The rule a FHIR identifier falls under, from its system, its type codes and the resource
/// that holds it (JSON and XML alike).
fn identifier_rule(system: &str, codes: &[&str], rtype: &str) -> Option<&'static str> {
    if SSN_SYSTEMS.contains(&system) || codes.contains(&"SS") || codes.contains(&"SB") {
        return Some("fhir.identifier.ssn");
    }
    if MBI_SYSTEMS.contains(&system) || (rtype == "Coverage" && codes.contains(&"MB")) {
        return Some("fhir.coverage.member_id");
    }
    if NPI_SYSTEMS.contains(&system) {
        return Some("fhir.identifier.npi");
    }
    if codes.contains(&"MR") && rtype == "Patient" {
        return Some("fhir.identifier.mrn");
    }
    None
}

/// Does this text look like a FHIR resource or bundle in XML (the FHIR namespace in its
/// first bytes)?
pub fn sniff_fhir_xml(text: &[u8]) -> bool {
    let head = &text[..text.len().min(4096)];
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    first == Some(&b'<')
        && (memchr::memmem::find(head, b"xmlns=\"http://hl7.org/fhir\"").is_some()
            || memchr::memmem::find(head, b"xmlns='http://hl7.org/fhir'").is_some())
}

/// `b` as text ("" when it is not UTF-8).
fn str_of(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

/// An element's name at the start of `b` (after `<` or `</`).
fn xml_name(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .take_while(|c| !c.is_ascii_whitespace() && **c != b'/' && **c != b'>')
        .count();
    &b[..n]
}

/// The resource element (FHIR names resources with a capital, elements without) that encloses
/// `at`, looking back at most `MAX_BACK` bytes: where a chunk of a large file starts inside one.
fn fhir_xml_enclosing(text: &[u8], at: usize) -> &[u8] {
    const MAX_BACK: usize = 64 * 1024;
    let floor = at.saturating_sub(MAX_BACK);
    let mut closed: Vec<&[u8]> = Vec::new();
    let mut end = at;
    while let Some(i) = memchr::memrchr(b'<', &text[floor..end]) {
        let p = floor + i;
        end = p;
        let closing = text.get(p + 1) == Some(&b'/');
        let name = xml_name(&text[p + 1 + closing as usize..]);
        if !name.first().is_some_and(u8::is_ascii_uppercase) {
            continue;
        }
        if closing {
            closed.push(name);
        } else if closed.last() == Some(&name) {
            closed.pop();
        } else {
            return name;
        }
    }
    b""
}

/// Where the `<identifier>` that `at` is inside starts, if it is inside one (looking back at
/// most 64 KiB).
fn fhir_xml_open_identifier(text: &[u8], at: usize) -> Option<usize> {
    const MAX_BACK: usize = 64 * 1024;
    let floor = at.saturating_sub(MAX_BACK);
    let window = &text[floor..at];
    let open = memchr::memmem::rfind_iter(window, b"<identifier")
        .map(|i| floor + i)
        .find(|&p| xml_tag_at(text, p, b"<identifier").is_some())?;
    let closed = memchr::memmem::rfind(&text[open..at], b"</identifier").is_some();
    (!closed).then_some(open)
}

/// FHIR XML fields in `[from, to)`: identifiers (by system and type code, as in JSON),
/// `birthDate` and a Coverage's `subscriberId`. One pass over the tags, keeping the open
/// elements: the nearest open element with a capital is the resource.
pub fn fhir_xml_fields(text: &[u8], from: usize, to: usize, out: &mut Vec<Field>) {
    /// An identifier being read: its depth, system, value span and type codes.
    struct Ident<'t> {
        depth: usize,
        rtype: &'t [u8],
        system: &'t [u8],
        value: Option<(usize, usize)>,
        codes: Vec<&'t str>,
    }
    // Past `to`, only to finish an identifier that opened before it, and not forever.
    const MAX_AFTER: usize = 64 * 1024;
    const MAX_DEPTH: usize = 256;
    let to = to.min(text.len());
    // A chunk that starts inside an identifier reads it from its start tag (its type and
    // system come before its value); every chunk keeps only the values inside its range, so
    // an identifier cut by a chunk end gives its value once, on the side where it is.
    let start = fhir_xml_open_identifier(text, from).unwrap_or(from);
    let outer = fhir_xml_enclosing(text, start);
    let in_range = |a: usize| from <= a && a < to;
    let mut stack: Vec<&[u8]> = Vec::new();
    let mut ident: Option<Ident> = None;
    let attr = |tag: (usize, usize), name: &[u8]| {
        xml_attr(&text[tag.0..tag.1], name).map(|(a, b)| (tag.0 + a, tag.0 + b))
    };
    let mut at = start;
    while let Some(i) = memchr::memchr(b'<', &text[at..]) {
        let p = at + i;
        if p >= to && (ident.is_none() || p >= to + MAX_AFTER) {
            break;
        }
        let rest = &text[p + 1..];
        if rest.starts_with(b"!--") {
            match memchr::memmem::find(rest, b"-->") {
                Some(j) => at = p + 1 + j + 3,
                None => break,
            }
            continue;
        }
        let Some(j) = memchr::memchr(b'>', rest) else {
            break;
        };
        let e = p + 1 + j + 1;
        at = e;
        if rest.starts_with(b"!") || rest.starts_with(b"?") {
            continue;
        }
        if rest.first() == Some(&b'/') {
            let name = xml_name(&rest[1..]);
            if let Some(k) = stack.iter().rposition(|n| *n == name) {
                stack.truncate(k);
            }
            if name == b"identifier" {
                if let Some(id) = ident.take() {
                    let rtype = str_of(id.rtype);
                    let rule = identifier_rule(str_of(id.system), &id.codes, rtype);
                    if let (Some(v), Some(rule)) = (id.value.filter(|v| in_range(v.0)), rule) {
                        out.push(Field {
                            rule,
                            start: v.0,
                            end: v.1,
                            record: format!("{rtype}.identifier"),
                        });
                    }
                }
            }
            continue;
        }
        let name = xml_name(rest);
        let tag = (p, e);
        let self_closing = text[e - 2] == b'/';
        let rtype = || {
            stack
                .iter()
                .rev()
                .copied()
                .find(|n| n.first().is_some_and(u8::is_ascii_uppercase))
                .unwrap_or(outer)
        };
        if let Some(id) = ident.as_mut() {
            let below = &stack[id.depth.min(stack.len())..];
            match name {
                b"system" if below.is_empty() => {
                    id.system = attr(tag, b"value").map_or(&b""[..], |(a, b)| &text[a..b]);
                }
                b"value" if below.is_empty() => id.value = attr(tag, b"value"),
                b"code" if below.first() == Some(&&b"type"[..]) => {
                    if let Some((a, b)) = attr(tag, b"value") {
                        id.codes.push(str_of(&text[a..b]));
                    }
                }
                _ => {}
            }
        } else if p < to {
            match name {
                b"identifier" if !self_closing => {
                    ident = Some(Ident {
                        depth: stack.len() + 1,
                        rtype: rtype(),
                        system: b"",
                        value: None,
                        codes: Vec::new(),
                    });
                }
                b"birthDate" => {
                    if let Some((a, b)) = attr(tag, b"value").filter(|v| in_range(v.0)) {
                        let rec = format!("{}.birthDate", str_of(rtype()));
                        out.push(Field {
                            rule: "fhir.birthdate",
                            start: a,
                            end: b,
                            record: rec,
                        });
                    }
                }
                b"subscriberId" if rtype() == b"Coverage" => {
                    if let Some((a, b)) = attr(tag, b"value").filter(|v| in_range(v.0)) {
                        out.push(Field {
                            rule: "fhir.coverage.member_id",
                            start: a,
                            end: b,
                            record: "Coverage.subscriberId".into(),
                        });
                    }
                }
                _ => {}
            }
        }
        if !self_closing && stack.len() < MAX_DEPTH {
            stack.push(name);
        }
    }
    out.sort_by_key(|f| f.start);
}

/// Does this text look like an HL7 CDA document (C-CDA: discharge summaries, continuity of
/// care documents, what EHRs export per patient)?
pub fn sniff_cda(text: &[u8]) -> bool {
    let head = &text[..text.len().min(4096)];
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    first == Some(&b'<') && memchr::memmem::find(head, b"<ClinicalDocument").is_some()
}

/// The OID of US Social Security numbers, as an `<id root>`.
const SSN_OID: &[u8] = b"2.16.840.1.113883.4.1";

/// The span of attribute `name`'s value in `tag` (the bytes of one start tag), quoted with
/// `"` or `'`.
fn xml_attr(tag: &[u8], name: &[u8]) -> Option<(usize, usize)> {
    let mut at = 0;
    while let Some(i) = memchr::memmem::find(&tag[at..], name) {
        let p = at + i;
        at = p + 1;
        if p == 0 || !tag[p - 1].is_ascii_whitespace() {
            continue;
        }
        let mut q = p + name.len();
        while tag.get(q).is_some_and(u8::is_ascii_whitespace) {
            q += 1;
        }
        if tag.get(q) != Some(&b'=') {
            continue;
        }
        q += 1;
        while tag.get(q).is_some_and(u8::is_ascii_whitespace) {
            q += 1;
        }
        let quote = *tag.get(q).filter(|&&c| c == b'"' || c == b'\'')?;
        let end = memchr::memchr(quote, &tag[q + 1..])?;
        return Some((q + 1, q + 1 + end));
    }
    None
}

/// The start tag named `name` (`<id`, `<birthTime`) at `p`, if there is one: its span, up to
/// its `>`.
fn xml_tag_at(text: &[u8], p: usize, name: &[u8]) -> Option<(usize, usize)> {
    let named = text[p..].starts_with(name)
        && text
            .get(p + name.len())
            .is_some_and(|c| c.is_ascii_whitespace() || *c == b'/' || *c == b'>');
    named.then(|| memchr::memchr(b'>', &text[p..]).map(|e| (p, p + e + 1)))?
}

/// The start tags named `name` that start in `[from, to)` (see [`xml_tag_at`]).
fn xml_tags<'t>(
    text: &'t [u8],
    from: usize,
    to: usize,
    name: &'t [u8],
) -> impl Iterator<Item = (usize, usize)> + 't {
    memchr::memmem::find_iter(&text[from..to.min(text.len())], name)
        .filter_map(move |i| xml_tag_at(text, from + i, name))
}

/// HL7 CDA fields in `[from, to)`: the patient's identifiers (the `<id>` elements that open a
/// `<patientRole>`: medical record numbers, or the SSN by its OID), any other `<id>` rooted
/// in the SSN OID (a guardian's, a participant's), and every `<birthTime value>`.
pub fn cda_fields(text: &[u8], from: usize, to: usize, out: &mut Vec<Field>) {
    let mut push = |rule: &'static str, tag: (usize, usize), (a, b): (usize, usize), rec: &str| {
        out.push(Field {
            rule,
            start: tag.0 + a,
            end: tag.0 + b,
            record: rec.to_string(),
        });
    };
    let mut role_ids = Vec::new();
    for (_, e) in xml_tags(text, from, to, b"<patientRole") {
        // Its first children, when they are <id> elements (comments and space between).
        let mut at = e;
        loop {
            while text.get(at).is_some_and(u8::is_ascii_whitespace) {
                at += 1;
            }
            if text[at..].starts_with(b"<!--") {
                match memchr::memmem::find(&text[at..], b"-->") {
                    Some(i) => at += i + 3,
                    None => break,
                }
                continue;
            }
            match xml_tag_at(text, at, b"<id") {
                Some(tag) => {
                    role_ids.push(tag);
                    at = tag.1;
                }
                None => break,
            }
        }
    }
    for tag in xml_tags(text, from, to, b"<id") {
        let t = &text[tag.0..tag.1];
        let Some(ext) = xml_attr(t, b"extension") else {
            continue;
        };
        let ssn = xml_attr(t, b"root").is_some_and(|(a, b)| &t[a..b] == SSN_OID);
        if ssn {
            push("cda.id.ssn", tag, ext, "id[@root=SSN]");
        } else if role_ids.contains(&tag) {
            push("cda.patient_role.id", tag, ext, "patientRole/id");
        }
    }
    for tag in xml_tags(text, from, to, b"<birthTime") {
        let t = &text[tag.0..tag.1];
        if let Some((a, b)) = xml_attr(t, b"value") {
            // YYYYMMDD, maybe with a time and a zone: the date is the value.
            let digits = t[a..b].iter().take_while(|c| c.is_ascii_digit()).count();
            push("cda.birth_time", tag, (a, a + digits.min(8)), "birthTime");
        }
    }
    out.sort_by_key(|f| f.start);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hl7_pid() {
        let msg = b"MSH|^~\\&|EPIC|HOSP|||20230101||ADT^A01|1|P|2.5\rPID|1||00482913^^^HOSP^MR~234567891^^^SSA^SS||DOE^JOHN||19800102|M|||||||||||234-56-7891\r";
        let d = sniff_hl7(msg).unwrap();
        let mut out = Vec::new();
        hl7_fields(msg, d, 0, msg.len(), &mut out);
        let got: Vec<(&str, &[u8])> = out.iter().map(|f| (f.rule, &msg[f.start..f.end])).collect();
        assert_eq!(
            got,
            vec![
                ("hl7.pid.mrn", &b"00482913"[..]),
                ("hl7.pid.ssn", b"234567891"),
                ("hl7.pid.dob", b"19800102"),
                ("hl7.pid.ssn", b"234-56-7891")
            ]
        );
    }

    /// Braces inside strings (escaped quotes too) do not count; every candidate gets the
    /// place its object closes, or None when the text ends first; the chunk ends before the
    /// first object after `from` that runs past `to`, never at `from`.
    #[test]
    fn fhir_objects_close_where_their_braces_match() {
        let entry = |i: usize| {
            format!(
                "{{\"fullUrl\":\"u{i}\",\"resource\": {{\"id\":\"}}{{\\\"\",\"resourceType\":\"Patient\",\"identifier\":[{{\"type\":{{\"coding\":[{{\"code\":\"MR\"}}]}},\"value\":\"0048291{i}\"}}]}}}}"
            )
        };
        let text = format!(
            "{{\"resourceType\":\"Bundle\",\"entry\":[\n{},\n{},\n{}",
            entry(1),
            entry(2),
            entry(3)
        );
        let t = text.as_bytes();
        let starts = |pat: &[u8]| -> Vec<usize> {
            (0..t.len()).filter(|&i| t[i..].starts_with(pat)).collect()
        };
        // The entries start lines; the resources follow "resource":.
        let (entries, res) = (starts(b"\n{\"fullUrl\""), starts(b"{\"id\""));
        assert_eq!((entries.len(), res.len()), (3, 3));
        let mut want: Vec<usize> = entries.iter().map(|e| e + 1).chain(res.clone()).collect();
        want.sort();
        let cands = fhir_objects(t, 0, t.len());
        // The bundle (at the start, never closed), each entry and each resource; not the
        // "}{" inside a string, nor the identifier's objects.
        assert_eq!(cands[0], (0, None));
        let got: Vec<usize> = cands[1..].iter().map(|c| c.0).collect();
        assert_eq!(got, want);
        for &(o, end) in &cands[1..] {
            let end = end.expect("each entry and resource closes");
            assert!(
                serde_json::from_slice::<Value>(&t[o..end]).is_ok(),
                "{o}..{end}"
            );
        }
        // Every MRN once, though the bundle never closes.
        let mut out = Vec::new();
        fhir_fields(t, 0, t.len(), &mut out);
        let got: Vec<&[u8]> = out.iter().map(|f| &t[f.start..f.end]).collect();
        assert_eq!(got, [&b"00482911"[..], b"00482912", b"00482913"]);
        // A chunk that ends inside the second resource ends before its entry instead. One
        // that starts at that entry cannot put it off (no progress): it ends before the
        // resource inside, which the next chunk then holds whole.
        let second = entries[1] + 1;
        assert_eq!(fhir_chunk_end(t, 0, res[1] + 10), Some(second));
        assert_eq!(fhir_chunk_end(t, second, res[1] + 10), Some(res[1]));
        assert_eq!(fhir_chunk_end(t, res[1], res[1] + 10), None);
        assert_eq!(fhir_chunk_end(t, second, res[2] + 10), Some(entries[2] + 1));
        assert_eq!(fhir_chunk_end(t, 0, t.len()), None);
    }

    /// Crafted nests stay linear: objects that all run past the chunk do not make a chunk
    /// each, and the objects inside one that failed to parse are not parsed to the same
    /// failure again.
    #[test]
    fn fhir_nests_cost_one_pass() {
        let level = format!(
            "{{\"resourceType\":\"Patient\",\"text\":\"{}\",\"contained\":[",
            "x".repeat(100)
        );
        let open = level.repeat(1000);
        let t = open.as_bytes();
        let end = fhir_chunk_end(t, 0, t.len() - 10).expect("the nest runs past the chunk");
        assert!(end >= (t.len() - 10) / 2, "{end}");
        // Valid patients, then a nest 300 deep with an error at its bottom, then a patient.
        let patient = |mrn: &str| {
            format!("{{\"resourceType\":\"Patient\",\"identifier\":[{{\"type\":{{\"coding\":[{{\"code\":\"MR\"}}]}},\"value\":\"{mrn}\"}}]}}")
        };
        let nest = format!(
            "{}{{\"a\":}}{}",
            "{\"resourceType\":\"Patient\",\"c\":".repeat(300),
            "}".repeat(300)
        );
        let text = format!("{}\n{nest}\n{}\n", patient("A1029384"), patient("B2938475"));
        let t = text.as_bytes();
        let mut out = Vec::new();
        fhir_fields(t, 0, t.len(), &mut out);
        let got: Vec<&[u8]> = out.iter().map(|f| &t[f.start..f.end]).collect();
        assert_eq!(got, [&b"A1029384"[..], b"B2938475"]);
        // The place of a parse error, on the second line.
        let bad = b"{\n  \"a\": 1,\n  \"b\": ]\n}";
        let e = serde_json::from_slice::<Value>(bad).unwrap_err();
        assert_eq!(json_error_offset(bad, &e), Some(19), "{e}");
        assert_eq!(bad[19], b']');
    }

    #[test]
    fn x12_nm1_dmg() {
        let isa = b"ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *230101*1200*^*00501*000000001*0*P*:~";
        let mut doc = isa.to_vec();
        doc.extend_from_slice(b"NM1*IL*1*DOE*JOHN****MI*XEH812349021~DMG*D8*19800102*M~");
        let d = sniff_x12(&doc).unwrap();
        assert_eq!(d.segment, b'~');
        let mut out = Vec::new();
        x12_fields(&doc, d, 0, doc.len(), &mut out);
        let got: Vec<&[u8]> = out.iter().map(|f| &doc[f.start..f.end]).collect();
        assert_eq!(got, vec![&b"XEH812349021"[..], b"19800102"]);
    }
    /// A chunk that starts inside a resource learns the resource from before its start; an
    /// identifier that never closes, a self-closing one, and a comment give nothing.
    #[test]
    fn fhir_xml_in_pieces() {
        let doc = br#"<Bundle xmlns="http://hl7.org/fhir"><entry><resource><Patient>
<identifier><type><coding><code value="MR"/></coding></type><value value="00482913"/></identifier>
<identifier/>
<!-- <identifier><type><coding><code value="MR"/></coding></type><value value="11111111"/></identifier> -->
<birthDate value="1980-01-02"/>
</Patient></resource></entry>
<entry><resource><Patient><identifier><type><coding><code value="MR"/></coding></type><value value="00482914"/>
"#;
        assert!(sniff_fhir_xml(doc));
        let from = memchr::memchr(b'\n', doc).unwrap() + 1;
        let mut out = Vec::new();
        fhir_xml_fields(doc, from, doc.len(), &mut out);
        let got: Vec<(&str, &[u8], &str)> = out
            .iter()
            .map(|f| (f.rule, &doc[f.start..f.end], f.record.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "fhir.identifier.mrn",
                    &b"00482913"[..],
                    "Patient.identifier"
                ),
                ("fhir.birthdate", &b"1980-01-02"[..], "Patient.birthDate"),
            ]
        );
        assert!(!sniff_fhir_xml(b"<Patient><id value=\"x\"/></Patient>"));
    }
    /// Split into two chunks at every line start, the fields are those of one pass: an
    /// identifier cut by a chunk end gives its value once, whichever side it is on.
    #[test]
    fn fhir_xml_chunks_lose_nothing() {
        let doc = br#"<Bundle xmlns="http://hl7.org/fhir">
<entry><resource><Patient>
<identifier>
<type><coding><code value="MR"/></coding></type>
<value value="00482913"/>
</identifier>
<identifier><system value="http://hl7.org/fhir/sid/us-ssn"/>
<value value="536-22-0198"/></identifier>
<birthDate value="1980-01-02"/>
</Patient></resource></entry>
</Bundle>
"#;
        let fields = |from: usize, to: usize| {
            let mut out = Vec::new();
            fhir_xml_fields(doc, from, to, &mut out);
            out.retain(|f| from <= f.start && f.start < to);
            out.iter()
                .map(|f| (f.rule, f.start, f.end, f.record.clone()))
                .collect::<Vec<_>>()
        };
        let whole = fields(0, doc.len());
        assert_eq!(whole.len(), 3);
        for (i, _) in doc.iter().enumerate().filter(|&(_, &b)| b == b'\n') {
            let cut = i + 1;
            let mut got = fields(0, cut);
            got.extend(fields(cut, doc.len()));
            assert_eq!(got, whole, "cut at {cut}");
        }
    }
}
