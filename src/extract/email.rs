//! E-mail: RFC 5322 messages (.eml) and mailboxes (.mbox), with mail-parser (fuzzed, never
//! panics by its own contract). A message's searchable text is its subject, addresses and
//! every text body (HTML bodies with the markup removed); attachments and attached messages
//! are members (`mail.eml!/labs.pdf`) read like files of their own.

use mail_parser::{MessageParser, MimeHeaders};

/// What a message holds: its text and its attachments (name, bytes).
pub struct Mail {
    pub text: String,
    /// The tables of an HTML body, read as tables (see [`super::html`]).
    pub tables: Vec<super::document::Segment>,
    pub attachments: Vec<(String, Vec<u8>)>,
}

/// Does this text look like an e-mail message (headers first, a From: among them)?
pub fn sniff_eml(head: &[u8]) -> bool {
    let is_header = |l: &[u8]| {
        let colon = memchr::memchr(b':', l);
        colon.is_some_and(|c| {
            c > 0
                && l[..c]
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        })
    };
    // The first line first: most files are no mail, and then the head is not searched.
    let first = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
    if !is_header(first) {
        return false;
    }
    let end = memchr::memmem::find(head, b"\n\n")
        .or_else(|| memchr::memmem::find(head, b"\r\n\r\n"))
        .unwrap_or(head.len().min(8192));
    let hdr = &head[..end.min(head.len())];
    let lower = hdr.to_ascii_lowercase();
    let has = |h: &[u8]| {
        lower.starts_with(h) || memchr::memmem::find(&lower, &[b"\n", h].concat()).is_some()
    };
    has(b"from:")
        && (has(b"subject:")
            || has(b"date:")
            || has(b"message-id:")
            || has(b"mime-version:")
            || has(b"received:"))
}

/// Does this text look like an mbox mailbox ("From " separator lines)?
pub fn sniff_mbox(head: &[u8]) -> bool {
    head.starts_with(b"From ") && {
        let first_end = memchr::memchr(b'\n', head).unwrap_or(head.len());
        sniff_eml(&head[(first_end + 1).min(head.len())..])
    }
}

/// Split a mailbox into its messages (without the "From " separator lines).
pub fn split_mbox(data: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        if data[pos..].starts_with(b"From ") && (pos == 0 || data[pos - 1] == b'\n') {
            starts.push(pos);
        }
        pos = match memchr::memchr(b'\n', &data[pos..]) {
            Some(i) => pos + i + 1,
            None => break,
        };
    }
    let mut out = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let body_start = memchr::memchr(b'\n', &data[s..]).map_or(data.len(), |j| s + j + 1);
        let end = starts.get(i + 1).copied().unwrap_or(data.len());
        if body_start < end {
            out.push(&data[body_start..end]);
        }
    }
    out
}

/// HTML to text: tags dropped (script/style content too), entities for the common
/// characters decoded, block elements as line ends, table cells as tabs.
pub fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut chars = html.char_indices().peekable();
    let lower = html.to_ascii_lowercase();
    while let Some((i, c)) = chars.next() {
        if c == '<' {
            // An unclosed tag runs to the end (no '>' to stop before: stay on char boundaries).
            let (tag_end, end) = match lower[i..].find('>') {
                Some(e) => (i + e, i + e + 1),
                None => (html.len(), html.len()),
            };
            let tag = &lower[i + 1..tag_end.max(i + 1)];
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if !tag.starts_with('/') && (name == "script" || name == "style") {
                let close = format!("</{name}");
                let skip_to = lower[end..].find(&close).map_or(html.len(), |e| end + e);
                while chars.peek().is_some_and(|&(j, _)| j < skip_to) {
                    chars.next();
                }
                continue;
            }
            match name.as_str() {
                "br" | "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3" | "h4" | "table" => {
                    out.push('\n')
                }
                "td" | "th" if tag.starts_with('/') => out.push('\t'),
                _ => {}
            }
            while chars.peek().is_some_and(|&(j, _)| j < end) {
                chars.next();
            }
        } else if c == '&' {
            match super::html::decode_entity(&html[i..]) {
                Some((r, len)) => {
                    out.push(r);
                    // The rest of the entity, after its '&'.
                    while chars.peek().is_some_and(|&(j, _)| j < i + len) {
                        chars.next();
                    }
                }
                None => out.push('&'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Parse one message. None when it is not a readable message.
///
/// mail-parser 0.11 can panic on a malformed MIME structure ("Invalid part ID, could not find
/// multipart", found by fuzzing: tests/fuzz/regressions/email/mail-parser-invalid-part-id);
/// that costs this message, not the scan.
pub fn parse(raw: &[u8]) -> Option<Mail> {
    std::panic::catch_unwind(|| parse_message(raw))
        .ok()
        .flatten()
}

fn parse_message(raw: &[u8]) -> Option<Mail> {
    let msg = MessageParser::default().parse(raw)?;
    let mut text = String::new();
    if let Some(s) = msg.subject() {
        text.push_str("Subject: ");
        text.push_str(s);
        text.push('\n');
    }
    for (label, addr) in [("From", msg.from()), ("To", msg.to()), ("Cc", msg.cc())] {
        if let Some(a) = addr {
            let list: Vec<String> = a
                .iter()
                .map(|x| format!("{} <{}>", x.name().unwrap_or(""), x.address().unwrap_or("")))
                .collect();
            text.push_str(&format!("{label}: {}\n", list.join(", ")));
        }
    }
    text.push('\n');
    // An HTML body's tables are read as tables (their header rows name the columns), the
    // rest as text.
    let mut tables = Vec::new();
    let mut push_html = |text: &mut String, h: &str| {
        let parts = super::html::split_tables(h.as_bytes());
        text.push_str(&html_text(&String::from_utf8_lossy(&parts.rest)));
        text.push_str("\n\n");
        tables.extend(parts.tables);
    };
    let n_text = msg.text_body_count();
    for i in 0..n_text {
        match msg.text_part(i as u32).map(|p| &p.body) {
            Some(mail_parser::PartType::Html(h)) => push_html(&mut text, h),
            _ => {
                if let Some(b) = msg.body_text(i) {
                    text.push_str(&b);
                    text.push_str("\n\n");
                }
            }
        }
    }
    if n_text == 0 {
        for i in 0..msg.html_body_count() {
            if let Some(h) = msg.body_html(i) {
                push_html(&mut text, &h);
            }
        }
    }
    let mut attachments = Vec::new();
    for (i, a) in msg.attachments().enumerate() {
        let name = a
            .attachment_name()
            .map(|n| n.replace(['/', '\\'], "_"))
            .unwrap_or_else(|| {
                if a.is_message() {
                    format!("attachment-{}.eml", i + 1)
                } else {
                    format!("attachment-{}", i + 1)
                }
            });
        attachments.push((name, a.contents().to_vec()));
    }
    Some(Mail {
        text,
        tables,
        attachments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eml_with_attachment() {
        let raw = b"From: Front Desk <desk@clinic.example>\r\nTo: billing@clinic.example\r\nSubject: Referral for Jane Roe\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nDOB: 03/14/1972\r\n--XX\r\nContent-Type: text/csv; name=list.csv\r\nContent-Disposition: attachment; filename=list.csv\r\nContent-Transfer-Encoding: base64\r\n\r\nbmFtZSxzc24KSmFuZSw1MzYyMjAxOTgK\r\n--XX--\r\n";
        assert!(sniff_eml(raw));
        let m = parse(raw).unwrap();
        assert!(m.text.contains("Subject: Referral for Jane Roe"));
        assert!(m.text.contains("DOB: 03/14/1972"));
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].0, "list.csv");
        assert_eq!(m.attachments[0].1, b"name,ssn\nJane,536220198\n");
    }

    #[test]
    fn mbox_split_and_html() {
        let mbox = b"From a@b Mon Jan  1 00:00:00 2024\nFrom: a@b.example\nSubject: one\n\nbody one\nFrom b@c Mon Jan  1 00:00:00 2024\nFrom: b@c.example\nSubject: two\n\nbody two\n";
        assert!(sniff_mbox(mbox));
        assert_eq!(split_mbox(mbox).len(), 2);
        assert_eq!(
            html_text("<p>SSN:&nbsp;234-56-7891</p><script>x=1</script><td>a</td>"),
            "\nSSN: 234-56-7891\na\t"
        );
    }
}
