//! Office documents: Word (docx/docm), PowerPoint (pptx), OpenDocument text and presentations
//! (odt, odp), and RTF. Runs only in the extractor worker.
//!
//! OOXML and ODF are zips of XML parts, read with quick-xml (which does not expand custom
//! entities: no billion laughs). Text is laid out so the detector's table logic works: a
//! paragraph is a line, a table row is a line with its cells separated by tabs (a header row
//! of a Word table becomes the labels of its columns). Headers, footers, comments, footnotes
//! and tracked deletions are included: PHI in them is still on the share.

use super::document::{scrub, Extracted, Outcome, Request, Segment};
use quick_xml::events::Event;
use std::io::{Cursor, Read};

/// Largest XML part read (uncompressed).
const MAX_PART: u64 = 64 << 20;

/// Which element names end a line, separate cells, and so on, for one XML vocabulary.
struct Vocab {
    text: &'static [&'static [u8]],
    line_end: &'static [&'static [u8]],
    cell_end: &'static [&'static [u8]],
    tab: &'static [&'static [u8]],
    line_break: &'static [&'static [u8]],
    skip: &'static [&'static [u8]],
    space: &'static [u8],
}

const WORD: Vocab = Vocab {
    text: &[b"t", b"delText"],
    line_end: &[b"p", b"tr"],
    cell_end: &[b"tc"],
    tab: &[b"tab"],
    line_break: &[b"br", b"cr"],
    skip: &[b"instrText"],
    space: b"",
};

const DRAWING: Vocab = Vocab {
    text: &[b"t"],
    line_end: &[b"p", b"tr"],
    cell_end: &[b"tc"],
    tab: &[b"tab"],
    line_break: &[b"br"],
    skip: &[],
    space: b"",
};

const ODF: Vocab = Vocab {
    text: &[],
    line_end: &[b"p", b"h", b"table-row"],
    cell_end: &[b"table-cell"],
    tab: &[b"tab"],
    line_break: &[b"line-break"],
    skip: &[b"annotation-end", b"bookmark"],
    space: b"s",
};

/// Text of one XML part. In ODF every text node inside a paragraph counts; in OOXML only the
/// text elements (`w:t`, `a:t`).
fn xml_text(xml: &[u8], v: &Vocab, out: &mut String) -> Result<(), String> {
    let mut r = quick_xml::Reader::from_reader(xml);
    r.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut in_text = 0usize;
    let mut in_skip = 0usize;
    let any_text = v.text.is_empty();
    let mut depth_p = 0usize;
    let mut in_cell = 0usize;
    loop {
        let ev = r
            .read_event_into(&mut buf)
            .map_err(|e| format!("malformed XML: {e}"))?;
        match ev {
            Event::Start(e) => {
                let n = e.local_name();
                let n: &[u8] = n.as_ref().as_bytes();
                if v.text.contains(&n) {
                    in_text += 1;
                }
                if v.skip.contains(&n) {
                    in_skip += 1;
                }
                if v.line_end.contains(&n) {
                    depth_p += 1;
                }
                if v.cell_end.contains(&n) {
                    in_cell += 1;
                }
            }
            Event::Empty(e) => {
                let n = e.local_name();
                let n: &[u8] = n.as_ref().as_bytes();
                if v.tab.contains(&n) {
                    out.push('\t');
                } else if v.line_break.contains(&n) {
                    out.push('\n');
                } else if !v.space.is_empty() && n == v.space {
                    let c = e
                        .try_get_attribute("text:c")
                        .ok()
                        .flatten()
                        .and_then(|a| a.value.parse::<usize>().ok())
                        .unwrap_or(1);
                    out.extend(std::iter::repeat_n(' ', c.min(64)));
                } else if v.line_end.contains(&n) {
                    out.push('\n');
                } else if v.cell_end.contains(&n) {
                    out.push('\t');
                }
            }
            Event::End(e) => {
                let n = e.local_name();
                let n: &[u8] = n.as_ref().as_bytes();
                if v.text.contains(&n) {
                    in_text = in_text.saturating_sub(1);
                }
                if v.skip.contains(&n) {
                    in_skip = in_skip.saturating_sub(1);
                }
                let row = n == b"tr" || n == b"table-row";
                if v.cell_end.contains(&n) {
                    in_cell = in_cell.saturating_sub(1);
                    while out.ends_with(' ') {
                        out.pop();
                    }
                    out.push('\t');
                } else if v.line_end.contains(&n) {
                    depth_p = depth_p.saturating_sub(1);
                    if row {
                        // The row's last cell left a tab: the row ends the line instead.
                        if out.ends_with('\t') {
                            out.pop();
                        }
                        out.push('\n');
                    } else if in_cell > 0 {
                        // Paragraphs inside a table cell stay on the row's line.
                        out.push(' ');
                    } else {
                        out.push('\n');
                    }
                }
            }
            Event::Text(t) if in_skip == 0 && (in_text > 0 || (any_text && depth_p > 0)) => {
                out.push_str(&t.xml10_content());
            }
            Event::CData(t) if in_skip == 0 && (in_text > 0 || (any_text && depth_p > 0)) => {
                out.push_str(&t);
            }
            Event::GeneralRef(g) if in_skip == 0 && (in_text > 0 || (any_text && depth_p > 0)) => {
                if let Ok(Some(c)) = g.resolve_char_ref() {
                    out.push(c);
                } else {
                    out.push_str(match g.xml10_content().as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
        if out.len() as u64 > MAX_PART {
            return Err("text limit reached".into());
        }
    }
    Ok(())
}

fn read_part(
    z: &mut zip::ZipArchive<Cursor<Vec<u8>>>,
    name: &str,
) -> Option<Result<Vec<u8>, String>> {
    let f = match z.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return None,
        Err(e) => return Some(Err(format!("{e}"))),
    };
    if f.encrypted() {
        return Some(Err("encrypted".into()));
    }
    let mut v = Vec::new();
    match f.take(MAX_PART + 1).read_to_end(&mut v) {
        Ok(_) if v.len() as u64 > MAX_PART => Some(Err("part too large".into())),
        Ok(_) => Some(Ok(v)),
        Err(e) => Some(Err(e.to_string())),
    }
}

/// Parts to read: their names, their XML vocabulary, and whether each part is a page.
type PartList<'v> = Vec<(Vec<String>, &'v Vocab, bool)>;

/// Part names sorted by their number ("slide10" after "slide9").
fn numbered(names: &[String], prefix: &str) -> Vec<String> {
    let mut v: Vec<(u64, String)> = names
        .iter()
        .filter(|n| n.starts_with(prefix) && n.ends_with(".xml"))
        .map(|n| {
            let num: String = n[prefix.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            (num.parse().unwrap_or(0), n.clone())
        })
        .collect();
    v.sort();
    v.into_iter().map(|(_, n)| n).collect()
}

pub fn extract_zip(bytes: Vec<u8>, _req: &Request) -> Extracted {
    let mut z = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            return Extracted::failed(format!("corrupt document (zip): {}", scrub(&e.to_string())))
        }
    };
    let names: Vec<String> = z
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    let mut segments = Vec::new();
    let mut problems = Vec::new();
    let (format, parts): (&str, PartList<'_>) = if has("word/document.xml") {
        let mut p = vec!["word/document.xml".to_string()];
        for pre in ["word/header", "word/footer"] {
            p.extend(numbered(&names, pre));
        }
        for n in [
            "word/footnotes.xml",
            "word/endnotes.xml",
            "word/comments.xml",
        ] {
            if has(n) {
                p.push(n.to_string());
            }
        }
        ("docx", vec![(p, &WORD, false)])
    } else if has("ppt/presentation.xml") {
        let slides = numbered(&names, "ppt/slides/slide");
        let notes = numbered(&names, "ppt/notesSlides/notesSlide");
        (
            "pptx",
            vec![(slides, &DRAWING, true), (notes, &DRAWING, false)],
        )
    } else if has("content.xml") {
        let mime = read_part(&mut z, "mimetype")
            .and_then(Result::ok)
            .unwrap_or_default();
        if let Some(Ok(m)) = read_part(&mut z, "META-INF/manifest.xml") {
            if memchr::memmem::find(&m, b"encryption-data").is_some() {
                return Extracted::with(
                    Outcome::Encrypted,
                    "document is encrypted with a password",
                );
            }
        }
        let fmt = if mime.ends_with(b"presentation") {
            "odp"
        } else {
            "odt"
        };
        (
            fmt,
            vec![(
                vec!["content.xml".to_string(), "styles.xml".to_string()],
                &ODF,
                false,
            )],
        )
    } else {
        return Extracted::with(
            Outcome::Unsupported,
            "zip container of an unknown document type",
        );
    };
    for (list, vocab, per_page) in parts {
        let mut joined = String::new();
        for (i, name) in list.iter().enumerate() {
            match read_part(&mut z, name) {
                None => {}
                Some(Err(e)) if e == "encrypted" => {
                    return Extracted::with(
                        Outcome::Encrypted,
                        "document is encrypted with a password",
                    );
                }
                Some(Err(e)) => problems.push(format!("{name}: {}", scrub(&e))),
                Some(Ok(xml)) => {
                    let mut text = String::new();
                    if let Err(e) = xml_text(&xml, vocab, &mut text) {
                        problems.push(format!("{name}: {}", scrub(&e)));
                    }
                    if per_page {
                        if text.chars().any(char::is_alphanumeric) {
                            segments.push(Segment {
                                page: Some(i as u32 + 1),
                                text,
                                ..Segment::default()
                            });
                        }
                    } else {
                        joined.push_str(&text);
                        joined.push_str("\n\n");
                    }
                }
            }
        }
        if joined.chars().any(char::is_alphanumeric) {
            segments.push(Segment {
                text: joined,
                ..Segment::default()
            });
        }
    }
    if segments.is_empty() && !problems.is_empty() {
        return Extracted::failed(format!("unreadable document: {}", problems.join("; ")));
    }
    Extracted {
        outcome: Outcome::Ok,
        reason: (!problems.is_empty()).then(|| problems.join("; ")),
        segments,
        format: Some(format.into()),
    }
}

/// RTF to text: control words dropped, `\par`/`\line` are line ends, `\tab` and `\cell` tabs,
/// `\row` a line end, `\'hh` Windows-1252 bytes, `\uN` Unicode; destinations such as font
/// tables, pictures and `{\*...}` groups are skipped.
pub fn rtf_text(src: &[u8]) -> String {
    let mut out = String::with_capacity(src.len() / 2);
    let mut i = 0;
    // Per group: is its content skipped?
    let mut skip_stack: Vec<bool> = vec![false];
    let mut uc_skip = 0usize;
    let skip_dest: &[&[u8]] = &[
        b"fonttbl",
        b"colortbl",
        b"stylesheet",
        b"info",
        b"pict",
        b"object",
        b"themedata",
        b"datastore",
        b"latentstyles",
        b"xmlnstbl",
        b"listtable",
        b"listoverridetable",
        b"rsidtbl",
        b"generator",
        b"header_skip_none",
        b"bin",
    ];
    while i < src.len() {
        let skipping = *skip_stack.last().unwrap_or(&false);
        match src[i] {
            b'{' => {
                skip_stack.push(skipping);
                i += 1;
            }
            b'}' => {
                if skip_stack.len() > 1 {
                    skip_stack.pop();
                }
                i += 1;
            }
            b'\\' => {
                i += 1;
                if i >= src.len() {
                    break;
                }
                let c = src[i];
                if c == b'*' {
                    if let Some(top) = skip_stack.last_mut() {
                        *top = true;
                    }
                    i += 1;
                } else if c == b'\'' {
                    let hex = src
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    i += 3;
                    if uc_skip > 0 {
                        uc_skip -= 1;
                    } else if let (Some(b), false) = (hex, skipping) {
                        let one = [b];
                        let (s, _, _) = encoding_rs::WINDOWS_1252.decode(&one);
                        out.push_str(&s);
                    }
                } else if c.is_ascii_alphabetic() {
                    let start = i;
                    while i < src.len() && src[i].is_ascii_alphabetic() {
                        i += 1;
                    }
                    let word = &src[start..i];
                    let nstart = i;
                    if i < src.len() && (src[i] == b'-' || src[i].is_ascii_digit()) {
                        i += 1;
                        while i < src.len() && src[i].is_ascii_digit() {
                            i += 1;
                        }
                    }
                    let num: Option<i64> = std::str::from_utf8(&src[nstart..i])
                        .ok()
                        .and_then(|n| n.parse().ok());
                    if i < src.len() && src[i] == b' ' {
                        i += 1;
                    }
                    if skip_dest.contains(&word) {
                        if let Some(top) = skip_stack.last_mut() {
                            *top = true;
                        }
                        continue;
                    }
                    if skipping {
                        continue;
                    }
                    match word {
                        b"par" | b"line" | b"row" | b"sect" | b"page" => out.push('\n'),
                        b"tab" | b"cell" => out.push('\t'),
                        b"u" => {
                            if let Some(n) = num {
                                let cp = if n < 0 { n + 65536 } else { n } as u32;
                                if let Some(ch) = char::from_u32(cp) {
                                    out.push(ch);
                                }
                                uc_skip = 1;
                            }
                        }
                        _ => {}
                    }
                } else {
                    // Escaped symbol: \\ \{ \} \~ \- \_
                    if !skipping {
                        match c {
                            b'\\' | b'{' | b'}' => out.push(c as char),
                            b'~' => out.push(' '),
                            b'_' => out.push('-'),
                            b'\n' | b'\r' => out.push('\n'),
                            _ => {}
                        }
                    }
                    i += 1;
                }
            }
            b'\r' | b'\n' => i += 1,
            b => {
                if uc_skip > 0 {
                    uc_skip -= 1;
                } else if !skipping {
                    out.push(b as char);
                }
                i += 1;
            }
        }
    }
    out
}

pub fn extract_rtf(bytes: Vec<u8>, _req: &Request) -> Extracted {
    let text = rtf_text(&bytes);
    if !text.chars().any(char::is_alphanumeric) {
        return Extracted::with(Outcome::NoText, "RTF document without text");
    }
    Extracted {
        outcome: Outcome::Ok,
        reason: None,
        segments: vec![Segment {
            text,
            ..Segment::default()
        }],
        format: Some("rtf".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtf_to_text() {
        let rtf = br"{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\*\generator X;}\f0 Patient: Jos\'e9\par SSN: 234-56-7891\tab DOB 03/14/1972\par \u8212? done}";
        let t = rtf_text(rtf);
        assert_eq!(
            t,
            "Patient: Jos\u{e9}\nSSN: 234-56-7891\tDOB 03/14/1972\n\u{2014} done"
        );
    }

    #[test]
    fn word_xml_tables_become_tab_separated_lines() {
        let xml = br#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Referral &amp; notes</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>Name</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>SSN</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#;
        let mut out = String::new();
        xml_text(xml, &WORD, &mut out).unwrap();
        assert!(out.starts_with("Referral & notes\n"), "{out:?}");
        assert!(out.ends_with("Name\tSSN\n"), "{out:?}");
    }
}
