//! Masked values: enough to recognise a value, not enough to use it (INVENTORY.md).

use crate::detect::Kind;

/// Mask a normalized value. `style` is the rule's `mask` (None: by kind).
pub fn mask(kind: Kind, style: Option<&str>, value: &str) -> String {
    let mut out = String::new();
    mask_into(&mut out, kind, style, value);
    out
}

/// [`mask`] into `out` (emptied first): one buffer for every finding of a scan, not a
/// string each.
pub fn mask_into(out: &mut String, kind: Kind, style: Option<&str>, value: &str) {
    out.clear();
    let style = style.unwrap_or(match kind {
        Kind::Ssn | Kind::Itin => "ssn",
        Kind::Dob => "dob",
        Kind::Email => "email",
        _ => "default",
    });
    match style {
        "ssn" if value.len() == 9 && value.is_ascii() => {
            out.push_str("***-**-");
            out.push_str(&value[5..]);
        }
        "dob" if value.len() >= 4 && value.is_char_boundary(4) => {
            out.push_str(&value[..4]);
            out.push_str("-**-**");
        }
        "mbi" if value.len() == 11 && value.is_ascii() => {
            out.push_str(&value[..4]);
            out.push_str("-***-**");
            out.push_str(&value[9..]);
        }
        "email" => match value.split_once('@') {
            Some((local, domain)) => {
                out.extend(local.chars().take(1));
                out.push_str("***@");
                out.push_str(domain);
            }
            None => last4_into(out, value),
        },
        _ => last4_into(out, value),
    }
}

/// Everything but the last 4 characters replaced by `*` (short values keep at most half).
#[cfg(test)]
fn last4(value: &str) -> String {
    let mut out = String::new();
    last4_into(&mut out, value);
    out
}

fn last4_into(out: &mut String, value: &str) {
    let n = if value.is_ascii() {
        value.len()
    } else {
        value.chars().count()
    };
    let show = 4.min(n / 2);
    let hidden = n - show;
    let tail = if value.is_ascii() {
        &value[hidden..]
    } else {
        value
            .char_indices()
            .nth(hidden)
            .map_or("", |(i, _)| &value[i..])
    };
    out.reserve(hidden + tail.len());
    out.extend(std::iter::repeat_n('*', hidden));
    out.push_str(tail);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_per_inventory_md() {
        assert_eq!(last4("AB"), "*B");
        assert_eq!(last4("ABCDEFGHIJ"), "******GHIJ");
        assert_eq!(last4("ÄBCDEFGHIJ"), "******GHIJ");
        assert_eq!(last4(""), "");
        assert_eq!(mask(Kind::Ssn, None, "123456789"), "***-**-6789");
        assert_eq!(mask(Kind::Dob, None, "1980-01-02"), "1980-**-**");
        assert_eq!(
            mask(Kind::InsuranceId, Some("mbi"), "1EG4TE5MK73"),
            "1EG4-***-**73"
        );
        assert_eq!(
            mask(Kind::CreditCard, None, "4539148803436467"),
            "************6467"
        );
        assert_eq!(mask(Kind::Mrn, None, "00482913"), "****2913");
        assert_eq!(
            mask(Kind::Email, None, "jane.roe@example.org"),
            "j***@example.org"
        );
        assert_eq!(mask(Kind::Mrn, None, "A12"), "**2");
        assert_eq!(mask(Kind::Mrn, None, ""), "");
        assert_eq!(mask(Kind::Mrn, None, "ÄÖÜ12345"), "****2345");
        assert_eq!(mask(Kind::Mrn, None, "12ÄÖ"), "**ÄÖ");
    }
}
