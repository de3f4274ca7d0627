//! The HTML report (`phiscan report --format html`): one self-contained file, readable on a
//! laptop, printable, and safe to open from a USB stick with no network.
//!
//! - No outside resources: the styles and the small sorting/filtering script are inline, the
//!   charts are SVG generated here, the fonts are the system's. A Content-Security-Policy in the
//!   page forbids every fetch and lets only this file's own script (by its SHA-256) run, so a
//!   value that slipped through escaping still could not execute.
//! - Everything that comes from data is escaped ([`text`] for HTML content, [`plain`] for
//!   attributes and SVG). Control and bidirectional-override characters in names are shown as
//!   visible marked names (`LF`, `U+202E`) instead of being interpreted, so a path cannot fake
//!   another path's look.
//! - Size stays bounded for very large scans: at most [`MAX_FILE_ROWS`] riskiest files,
//!   [`MAX_COVERAGE_ROWS`] unread files and [`MAX_CHANGE_PATHS`] paths per change list are listed,
//!   each with a note saying how many there are and where the full list is (CSV/JSON reports).
//! - The same data renders to the same bytes (no clock, no randomness), so the SHA-256 sidecar
//!   ([`sha256_sidecar`]) identifies a report.

use super::report::{Change, CoverageRow, FileRow, FolderNode, FtpExposure, ReportData};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Rows of the riskiest-files table (the rest are in the CSV/JSON reports).
pub const MAX_FILE_ROWS: usize = 5_000;
/// Rows of the coverage table.
pub const MAX_COVERAGE_ROWS: usize = 5_000;
/// Paths per list of the change section (new PHI files, cleaned files).
pub const MAX_CHANGE_PATHS: usize = 1_000;
/// Rows of the folder list under the treemap.
const MAX_FOLDER_ROWS: usize = 80;
/// Top-level tiles of the treemap (the rest are one "other folders" tile).
const MAX_TREEMAP_TOP: usize = 18;
/// Child tiles per top-level tile.
const MAX_TREEMAP_CHILDREN: usize = 14;

/// The text of a sha256sum-format sidecar for a report saved as `report.html`.
pub fn sha256_sidecar(html: &str) -> String {
    sha256_sidecar_named(html, "report.html")
}

/// The text of a sha256sum-format sidecar (`<hex>  <file name>\n`) for a report saved under
/// `file_name` (the name only, as `sha256sum -c` resolves it next to the sidecar).
pub fn sha256_sidecar_named(html: &str, file_name: &str) -> String {
    format!(
        "{}  {}\n",
        hex::encode(Sha256::digest(html.as_bytes())),
        file_name
    )
}

/// Renders the report as one self-contained HTML document.
pub fn render(r: &ReportData) -> String {
    let mut o = String::with_capacity(64 * 1024 + r.files.len().min(MAX_FILE_ROWS) * 700);
    let kinds = kinds_of(r);
    let script_hash = base64(&Sha256::digest(SCRIPT.as_bytes()));

    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        o,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:; \
         base-uri 'none'; form-action 'none'\">"
    );
    o.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    o.push_str("<meta name=\"robots\" content=\"noindex, nofollow\">\n");
    o.push_str("<meta name=\"color-scheme\" content=\"light\">\n");
    let _ = writeln!(
        o,
        "<meta name=\"generator\" content=\"phiscan {}\">",
        plain(&r.evidence.scanner_version)
    );
    let _ = writeln!(
        o,
        "<title>PHI inventory report · {} · {}</title>",
        plain(&targets_short(&r.evidence.targets)),
        plain(&pretty_time(&r.evidence.started))
    );
    o.push_str("<link rel=\"icon\" href=\"data:,\">\n<style>");
    o.push_str(STYLE);
    o.push_str("</style>\n</head>\n<body>\n");

    header(&mut o, r);
    nav(&mut o, r);
    o.push_str("<main class=\"wrap\">\n");
    o.push_str(
        "<div id=\"js-error\" class=\"alert alert-warn\" hidden>Sorting and filtering are not \
         available in this browser. All content is shown.</div>\n",
    );
    overview(&mut o, r, &kinds);
    charts(&mut o, r, &kinds);
    files_table(&mut o, r, &kinds);
    coverage(&mut o, r);
    if !r.ftp.is_empty() {
        ftp(&mut o, &r.ftp);
    }
    evidence(&mut o, r);
    o.push_str("</main>\n");
    let _ = writeln!(
        o,
        "<footer class=\"wrap foot\"><span>phiscan {} · scan #{}</span><span>Values are masked: \
         this report holds no raw identifiers. It shows where protected health information is \
         stored; handle it as confidential.</span></footer>",
        text(&r.evidence.scanner_version),
        r.evidence.scan_id
    );
    o.push_str("<script>");
    o.push_str(SCRIPT);
    o.push_str("</script>\n</body>\n</html>\n");
    o
}

// ---------------------------------------------------------------------------------------------
// Sections

fn header(o: &mut String, r: &ReportData) {
    let e = &r.evidence;
    let ov = &r.overview;
    o.push_str("<div class=\"confidential\"><div class=\"wrap\">Confidential · Contains the locations of protected health information · Values are masked</div></div>\n");
    o.push_str("<header class=\"masthead\"><div class=\"wrap\">\n");
    o.push_str("<div class=\"brand\"><svg viewBox=\"0 0 20 20\" width=\"18\" height=\"18\" aria-hidden=\"true\"><path d=\"M10 1.5 3 4.2v5.1c0 4.3 2.9 8 7 9.2 4.1-1.2 7-4.9 7-9.2V4.2z\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.6\"/><path d=\"M7 10h6M10 7v6\" stroke=\"currentColor\" stroke-width=\"1.6\"/></svg>phiscan</div>\n");
    o.push_str("<h1>PHI inventory report</h1>\n<dl class=\"meta\">");
    let _ = write!(o, "<div><dt>Targets</dt><dd>");
    if e.targets.is_empty() {
        o.push('—');
    }
    for (i, t) in e.targets.iter().enumerate() {
        if i > 0 {
            o.push_str("<br>");
        }
        let _ = write!(o, "<span class=\"mono\">{}</span>", text(t));
    }
    o.push_str("</dd></div>");
    let _ = write!(
        o,
        "<div><dt>Scan</dt><dd>#{} · {}",
        e.scan_id,
        text(&pretty_time(&e.started))
    );
    if let Some(d) = e.finished.as_deref().and_then(|f| duration(&e.started, f)) {
        let _ = write!(o, " · took {}", text(&d));
    }
    o.push_str("</dd></div>");
    if !e.host.is_empty() {
        let _ = write!(o, "<div><dt>Host</dt><dd>{}</dd></div>", text(&e.host));
    }
    o.push_str("</dl>\n");

    let (cls, verdict) = if ov.files_with_phi > 0 {
        (
            "bad",
            format!(
                "PHI found in {} of {} files",
                num(ov.files_with_phi),
                num(ov.files)
            ),
        )
    } else if ov.files > 0 {
        ("ok", format!("No PHI found in {} files", num(ov.files)))
    } else {
        ("neutral", "No files were scanned".to_string())
    };
    let _ = writeln!(
        o,
        "<p class=\"verdict verdict-{cls}\" id=\"verdict\"><span class=\"dot\"></span>{}</p>",
        text(&verdict)
    );
    let mut sub: Vec<String> = Vec::new();
    sub.push(format!("{} findings", num(ov.findings)));
    if let Some((n, k)) = individuals(r) {
        sub.push(format!(
            "≈ {} individuals (distinct {})",
            num(n),
            kind_plural(&k)
        ));
    }
    let unread = unread_count(r);
    if unread > 0 {
        sub.push(format!(
            "{} {} could not be read",
            num(unread),
            if unread == 1 { "file" } else { "files" }
        ));
    } else if ov.files > 0 {
        sub.push("every file was read".into());
    }
    let exposed = r.ftp.iter().filter(|f| ftp_bad(f) > 0).count();
    if exposed > 0 {
        sub.push(format!(
            "{} FTP {} with exposure findings",
            exposed,
            if exposed == 1 { "server" } else { "servers" }
        ));
    }
    let _ = writeln!(
        o,
        "<p class=\"verdict-sub\">{}</p>",
        sub.iter().map(|s| text(s)).collect::<Vec<_>>().join(" · ")
    );
    if !e.complete {
        o.push_str("<p class=\"interrupted\"><strong>Interrupted scan.</strong> The scan did not finish: this report covers the files it completed before it stopped.</p>\n");
    }
    o.push_str("</div></header>\n");
}

fn nav(o: &mut String, r: &ReportData) {
    o.push_str("<nav class=\"toc\" aria-label=\"Sections\"><div class=\"wrap\">");
    let mut items = vec![
        ("overview", "Overview"),
        ("charts", "Where the PHI is"),
        ("files", "Riskiest files"),
        ("coverage", "Coverage"),
    ];
    if !r.ftp.is_empty() {
        items.push(("ftp", "FTP exposure"));
    }
    items.push(("evidence", "Evidence"));
    for (id, label) in items {
        let _ = write!(o, "<a href=\"#{id}\">{label}</a>");
    }
    o.push_str("</div></nav>\n");
}

fn overview(o: &mut String, r: &ReportData, kinds: &[String]) {
    let ov = &r.overview;
    o.push_str("<section id=\"overview\">\n<h2>Overview</h2>\n<div class=\"cards\">\n");

    // Files by status.
    let _ = write!(
        o,
        "<div class=\"card\" id=\"card-files\"><div class=\"card-label\">Files examined</div>\
         <div class=\"card-value\">{}</div><div class=\"card-sub\">{} read</div>",
        num(ov.files),
        text(&super::human_bytes(ov.bytes_read))
    );
    let statuses = statuses_of(&ov.files_by_status);
    let total: u64 = statuses.iter().map(|(_, n)| n).sum();
    if total > 0 {
        o.push_str("<svg class=\"stack\" viewBox=\"0 0 300 8\" preserveAspectRatio=\"none\" aria-hidden=\"true\">");
        let mut x = 0.0;
        for (s, n) in &statuses {
            let w = 300.0 * *n as f64 / total as f64;
            let _ = write!(
                o,
                "<rect x=\"{x:.2}\" y=\"0\" width=\"{w:.2}\" height=\"8\" fill=\"{}\"/>",
                status_info(s).color
            );
            x += w;
        }
        o.push_str("</svg>");
    }
    o.push_str("<ul class=\"legend-list\">");
    for (s, n) in &statuses {
        let si = status_info(s);
        let _ = write!(
            o,
            "<li data-status=\"{}\"><span class=\"sw\" style=\"background:{}\"></span><span class=\"ll\">{}</span><b>{}</b></li>",
            plain(s),
            si.color,
            text(&si.label),
            num(*n)
        );
    }
    o.push_str("</ul></div>\n");

    // Files with PHI.
    let share = ratio(ov.files_with_phi, ov.files);
    let _ = write!(
        o,
        "<div class=\"card card-accent-{}\" id=\"card-phi\"><div class=\"card-label\">Files containing PHI</div>\
         <div class=\"card-value\">{}</div><div class=\"card-sub\">{} of {} files</div>\
         <div class=\"meter\"><i style=\"width:{:.1}%\"></i></div>\
",
        if ov.files_with_phi > 0 { "bad" } else { "ok" },
        num(ov.files_with_phi),
        pct(ov.files_with_phi, ov.files),
        num(ov.files),
        share * 100.0
    );
    let (level, _) = folder_level(&r.folders);
    if let Some(top) = level
        .iter()
        .filter(|f| f.files_with_phi > 0)
        .max_by_key(|f| f.files_with_phi)
    {
        let _ = write!(
            o,
            "<div class=\"card-fact\"><span>Most in</span><b class=\"mono\" title=\"{}\">{}</b><span>{} files · {}</span></div>",
            plain(&top.path),
            text(&top.name),
            num(top.files_with_phi),
            pct(top.files_with_phi, ov.files_with_phi)
        );
    }
    o.push_str(
        "<p class=\"card-note\">A file contains PHI when it holds a medium- or high-confidence \
         SSN, medical record number, date of birth or insurance ID.</p></div>\n",
    );

    // Findings by confidence.
    let mut by_conf: BTreeMap<String, u64> = BTreeMap::new();
    for m in r.findings_by_kind.values() {
        for (c, n) in m {
            *by_conf.entry(c.clone()).or_default() += n;
        }
    }
    let _ = write!(
        o,
        "<div class=\"card\" id=\"card-findings\"><div class=\"card-label\">Findings</div>\
         <div class=\"card-value\">{}</div><div class=\"card-sub\">values detected, by confidence</div>\
         <ul class=\"legend-list\">",
        num(ov.findings)
    );
    for c in confidences_of(&by_conf) {
        let _ = write!(
            o,
            "<li><span class=\"sw\" style=\"background:{}\"></span><span class=\"ll\">{}</span><b>{}</b></li>",
            conf_color(&c),
            text(&cap(&c)),
            num(by_conf.get(&c).copied().unwrap_or(0))
        );
    }
    o.push_str("</ul></div>\n");

    // Individuals.
    o.push_str("<div class=\"card\" id=\"card-individuals\"><div class=\"card-label\">Individuals (estimate)</div>");
    match individuals(r) {
        Some((n, k)) => {
            let _ = write!(
                o,
                "<div class=\"card-value\">≈ {}</div><div class=\"card-sub\">largest count of distinct {}</div>",
                num(n),
                text(&kind_plural(&k))
            );
        }
        None => o.push_str("<div class=\"card-value\">—</div><div class=\"card-sub\">no identifying values found</div>"),
    }
    o.push_str("<ul class=\"legend-list\">");
    for k in kinds {
        if let Some(n) = r.distinct_by_kind.get(k) {
            let _ = write!(
                o,
                "<li><span class=\"sw\" style=\"background:{}\"></span><span class=\"ll\">{}</span><b>{}</b></li>",
                kind_color(k),
                text(&kind_label(k)),
                num(*n)
            );
        }
    }
    o.push_str("</ul><p class=\"card-note\">Distinct values per kind, counted by keyed fingerprints.</p></div>\n");
    o.push_str("</div>\n");

    // Findings by kind and confidence.
    o.push_str("<h3>Findings by kind and confidence</h3>\n");
    if kinds.is_empty() {
        o.push_str("<p class=\"empty-note\">No findings.</p>\n");
    } else {
        let confs = confidences_of(&by_conf);
        o.push_str("<div class=\"table-box keep\"><table class=\"grid\" id=\"kind-table\"><thead><tr><th scope=\"col\">Kind</th>");
        for c in &confs {
            let _ = write!(o, "<th scope=\"col\" class=\"n\">{}</th>", text(&cap(c)));
        }
        o.push_str("<th scope=\"col\" class=\"n\">Total</th><th scope=\"col\" class=\"n\">Distinct values</th><th scope=\"col\" class=\"share\">Share of findings</th></tr></thead><tbody>");
        let max_total = kinds
            .iter()
            .map(|k| kind_total(r, k))
            .max()
            .unwrap_or(0)
            .max(1);
        for k in kinds {
            let m = r.findings_by_kind.get(k);
            let total = kind_total(r, k);
            let _ = write!(
                o,
                "<tr data-kind=\"{}\"><th scope=\"row\"><span class=\"sw\" style=\"background:{}\"></span>{}</th>",
                plain(k),
                kind_color(k),
                text(&kind_label(k))
            );
            for c in &confs {
                let n = m.and_then(|m| m.get(c)).copied().unwrap_or(0);
                let _ = write!(o, "<td class=\"n{}\">{}</td>", zero_cls(n), num(n));
            }
            let d = r
                .distinct_by_kind
                .get(k)
                .map_or("—".to_string(), |n| num(*n));
            let _ = write!(
                o,
                "<td class=\"n strong\">{}</td><td class=\"n\">{}</td><td class=\"share\"><span class=\"bar\"><i style=\"width:{:.1}%;background:{}\"></i></span>{}</td></tr>",
                num(total),
                d,
                100.0 * total as f64 / max_total as f64,
                kind_color(k),
                pct(total, ov.findings.max(1))
            );
        }
        o.push_str("</tbody></table></div>\n");
    }
    o.push_str("</section>\n");
}

fn charts(o: &mut String, r: &ReportData, kinds: &[String]) {
    o.push_str("<section id=\"charts\">\n<h2>Where the PHI is</h2>\n<div class=\"chart-grid\">\n");
    o.push_str(
        "<figure class=\"panel\" id=\"chart-kinds\"><figcaption>Findings by kind</figcaption>",
    );
    kind_chart(o, r, kinds);
    o.push_str("</figure>\n");
    o.push_str("<figure class=\"panel\" id=\"chart-change\">");
    match &r.change {
        Some(c) => change_chart(o, c),
        None => o.push_str(
            "<figcaption>Change since the previous scan</figcaption><p class=\"empty-note\">This is \
             the first scan of these targets in the inventory: the next scan will show what \
             changed.</p>",
        ),
    }
    o.push_str("</figure>\n</div>\n");

    o.push_str("<figure class=\"panel\" id=\"chart-folders\">");
    folder_chart(o, &r.folders);
    o.push_str("</figure>\n");
    if let Some(c) = &r.change {
        let _ = write!(
            o,
            "<div class=\"panel\" id=\"change-lists\"><div class=\"panel-title\">Files that changed since scan #{}</div><div class=\"change-lists\">",
            c.previous_scan_id
        );
        change_list(
            o,
            "new-phi",
            "Newly containing PHI",
            "bad",
            &c.new_phi_files,
            "No file newly contains PHI.",
        );
        change_list(
            o,
            "cleaned",
            "PHI removed, or file gone",
            "ok",
            &c.cleaned_files,
            "No file was cleaned or removed.",
        );
        o.push_str("</div></div>\n");
    }
    o.push_str("</section>\n");
}

fn kind_chart(o: &mut String, r: &ReportData, kinds: &[String]) {
    let mut rows: Vec<(&String, u64)> = kinds.iter().map(|k| (k, kind_total(r, k))).collect();
    rows.retain(|(_, n)| *n > 0);
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    if rows.is_empty() {
        o.push_str("<p class=\"empty-note\">No findings.</p>");
        return;
    }
    let confs = ["high", "medium", "low"];
    let (w, label_w, right) = (560.0, 118.0, 64.0);
    let (row_h, top) = (26.0, 30.0);
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1) as f64;
    let step = nice_step(max);
    let scale_max = max;
    let bar_w = w - label_w - right;
    let h = top + row_h * rows.len() as f64 + 22.0;
    let _ = write!(
        o,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Findings by kind\">"
    );
    // Legend.
    let mut lx = label_w;
    for c in confs {
        let _ = write!(
            o,
            "<rect x=\"{lx}\" y=\"6\" width=\"10\" height=\"10\" rx=\"2\" fill=\"{}\"/><text x=\"{}\" y=\"15\" class=\"lg\">{}</text>",
            conf_color(c),
            lx + 14.0,
            cap(c)
        );
        lx += 78.0;
    }
    // Grid.
    let mut t = 0.0;
    while t <= scale_max * 1.02 {
        let x = label_w + bar_w * t / scale_max;
        let _ = write!(
            o,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{}\" class=\"gridline\"/><text x=\"{x:.1}\" y=\"{}\" class=\"tick\" text-anchor=\"middle\">{}</text>",
            top - 4.0,
            h - 18.0,
            h - 5.0,
            compact(t as u64)
        );
        t += step;
    }
    for (i, (k, total)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let _ = write!(
            o,
            "<g data-kind=\"{}\"><title>{}: {} findings</title><text x=\"{}\" y=\"{}\" class=\"lbl\" text-anchor=\"end\">{}</text>",
            plain(k),
            plain(&kind_label(k)),
            num(*total),
            label_w - 10.0,
            y + 16.0,
            plain(&ellipsize(&kind_label(k), 18))
        );
        let m = r.findings_by_kind.get(*k);
        let mut x = label_w;
        let mut known = 0;
        for c in confs {
            let n = m.and_then(|m| m.get(c)).copied().unwrap_or(0);
            known += n;
            if n == 0 {
                continue;
            }
            let bw = bar_w * n as f64 / scale_max;
            let _ = write!(
                o,
                "<rect x=\"{x:.2}\" y=\"{}\" width=\"{bw:.2}\" height=\"16\" fill=\"{}\"><title>{} {}: {}</title></rect>",
                y + 4.0,
                conf_color(c),
                plain(&kind_label(k)),
                c,
                num(n)
            );
            x += bw;
        }
        if *total > known {
            let bw = bar_w * (*total - known) as f64 / scale_max;
            let _ = write!(
                o,
                "<rect x=\"{x:.2}\" y=\"{}\" width=\"{bw:.2}\" height=\"16\" fill=\"#cbd5e1\"/>",
                y + 4.0
            );
            x += bw;
        }
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{}\" class=\"val\">{}</text></g>",
            x + 6.0,
            y + 16.0,
            num(*total)
        );
    }
    o.push_str("</svg>");
}

fn change_chart(o: &mut String, c: &Change) {
    let _ = write!(
        o,
        "<figcaption>Change since the previous scan <span class=\"cap-sub\">#{} · {}</span></figcaption>",
        c.previous_scan_id,
        text(&pretty_time(&c.previous_started))
    );
    let metrics = [
        (
            "Files containing PHI",
            c.files_with_phi_before,
            c.files_with_phi_now,
        ),
        ("Findings", c.findings_before, c.findings_now),
    ];
    let (w, label_w, right) = (560.0, 118.0, 64.0);
    let bar_w = w - label_w - right;
    let block = 78.0;
    let h = block * metrics.len() as f64 + 4.0;
    let _ = write!(
        o,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Change since the previous scan\">"
    );
    for (i, (name, before, now)) in metrics.iter().enumerate() {
        let y = 4.0 + block * i as f64;
        let max = (*before).max(*now).max(1) as f64;
        let (delta_txt, delta_cls) = delta(*before, *now);
        let _ = write!(
            o,
            "<text x=\"0\" y=\"{}\" class=\"lbl strong\">{}</text><text x=\"{w}\" y=\"{}\" class=\"delta {delta_cls}\" text-anchor=\"end\">{}</text>",
            y + 13.0,
            name,
            y + 13.0,
            plain(&delta_txt)
        );
        for (j, (label, v, color)) in [
            ("Previous", *before, "#94a3b8"),
            ("This scan", *now, "#0e5a8a"),
        ]
        .iter()
        .enumerate()
        {
            let by = y + 22.0 + 24.0 * j as f64;
            let bw = (bar_w * *v as f64 / max).max(if *v > 0 { 2.0 } else { 0.0 });
            let _ = write!(
                o,
                "<text x=\"{}\" y=\"{}\" class=\"lbl\" text-anchor=\"end\">{label}</text><rect x=\"{label_w}\" y=\"{}\" width=\"{bw:.2}\" height=\"16\" rx=\"2\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{}\" class=\"val\">{}</text>",
                label_w - 10.0,
                by + 12.0,
                by,
                label_w + bw + 6.0,
                by + 12.0,
                num(*v)
            );
        }
    }
    o.push_str("</svg>");
    let _ = write!(
        o,
        "<p class=\"chart-note after\">{} {} newly contain PHI; {} no longer do or are gone. The files are listed under the folder chart.</p>",
        num(c.new_phi_files.len() as u64),
        if c.new_phi_files.len() == 1 { "file" } else { "files" },
        num(c.cleaned_files.len() as u64)
    );
}

fn change_list(o: &mut String, id: &str, title: &str, cls: &str, paths: &[String], none: &str) {
    let _ = write!(
        o,
        "<div class=\"change-list\" id=\"{id}\"><h4><span class=\"dot dot-{cls}\"></span>{title} <span class=\"count\">{}</span></h4>",
        num(paths.len() as u64)
    );
    if paths.is_empty() {
        let _ = write!(o, "<p class=\"empty-note\">{none}</p></div>");
        return;
    }
    o.push_str("<ul class=\"paths\">");
    for p in paths.iter().take(MAX_CHANGE_PATHS) {
        let _ = write!(o, "<li>{}</li>", path_html(p));
    }
    o.push_str("</ul>");
    if paths.len() > MAX_CHANGE_PATHS {
        let _ = write!(
            o,
            "<p class=\"cap-note\">The first {} of {} are listed; <code>phiscan diff</code> lists them all.</p>",
            num(MAX_CHANGE_PATHS as u64),
            num(paths.len() as u64)
        );
    }
    o.push_str("</div>");
}

/// Which folder level the treemap shows: below a chain of single folders (one target), the
/// first level that branches.
fn folder_level(folders: &[FolderNode]) -> (&[FolderNode], Option<&FolderNode>) {
    let mut level = folders;
    let mut parent = None;
    while level.len() == 1 && !level[0].children.is_empty() {
        parent = Some(&level[0]);
        level = &level[0].children;
    }
    (level, parent)
}

fn folder_chart(o: &mut String, folders: &[FolderNode]) {
    o.push_str("<figcaption>PHI by folder");
    let (level, parent) = folder_level(folders);
    if let Some(p) = parent {
        let _ = write!(
            o,
            " <span class=\"cap-sub mono\">in {}</span>",
            text(&p.path)
        );
    }
    o.push_str("</figcaption>");
    let by_files = level.iter().any(|f| f.files_with_phi > 0);
    let metric = |f: &FolderNode| {
        if by_files {
            f.files_with_phi
        } else {
            f.findings
        }
    };
    let mut top: Vec<&FolderNode> = level.iter().filter(|f| metric(f) > 0).collect();
    if top.is_empty() {
        o.push_str("<p class=\"empty-note\">No folder holds findings.</p>");
        return;
    }
    top.sort_by(|a, b| metric(b).cmp(&metric(a)).then(a.name.cmp(&b.name)));
    let _ = write!(
        o,
        "<p class=\"chart-note\">Each rectangle is a folder, its area proportional to the number of {} in it; nested rectangles are its subfolders. Hover for details.</p>",
        if by_files { "files containing PHI" } else { "findings" }
    );

    // Treemap.
    let (w, h) = (1160.0, 380.0);
    let rest: Vec<&FolderNode> = top.iter().skip(MAX_TREEMAP_TOP).copied().collect();
    let shown: Vec<&FolderNode> = top.iter().take(MAX_TREEMAP_TOP).copied().collect();
    let mut values: Vec<f64> = shown.iter().map(|f| metric(f) as f64).collect();
    let rest_sum: u64 = rest.iter().map(|f| metric(f)).sum();
    if rest_sum > 0 {
        values.push(rest_sum as f64);
    }
    let tiles = squarify(
        &values,
        Tile {
            x: 0.0,
            y: 0.0,
            w,
            h,
        },
    );
    let _ = write!(
        o,
        "<svg class=\"chart treemap\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"PHI by folder\">"
    );
    for (i, t) in tiles.iter().enumerate() {
        let t = t.inset(1.0);
        if i >= shown.len() {
            let label = format!("{} other folders", rest.len());
            let _ = write!(
                o,
                "<g><title>{}: {} files with PHI</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#94a3b8\"/>",
                plain(&label),
                num(rest_sum),
                t.x,
                t.y,
                t.w,
                t.h
            );
            tile_label(
                o,
                &t,
                &label,
                &format!(
                    "{} {}",
                    num(rest_sum),
                    if by_files { "files" } else { "findings" }
                ),
                13.0,
            );
            o.push_str("</g>");
            continue;
        }
        let f = shown[i];
        let color = PALETTE[i % PALETTE.len()];
        let _ = write!(
            o,
            "<g class=\"tile\"><title>{}\n{} files with PHI · {} findings</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
            plain(&f.path),
            num(f.files_with_phi),
            num(f.findings),
            t.x,
            t.y,
            t.w,
            t.h,
            color
        );
        let sub = format!(
            "{} files · {} findings",
            num(f.files_with_phi),
            num(f.findings)
        );
        let header_h = tile_label(o, &t, &f.name, &sub, 13.0);
        o.push_str("</g>");
        // Children, in the area under the label.
        if header_h > 0.0 && t.h - header_h > 36.0 && t.w > 60.0 && !f.children.is_empty() {
            let area = Tile {
                x: t.x + 3.0,
                y: t.y + header_h,
                w: t.w - 6.0,
                h: t.h - header_h - 3.0,
            };
            let mut kids: Vec<&FolderNode> = f.children.iter().filter(|c| metric(c) > 0).collect();
            kids.sort_by(|a, b| metric(b).cmp(&metric(a)).then(a.name.cmp(&b.name)));
            kids.truncate(MAX_TREEMAP_CHILDREN);
            if kids.is_empty() {
                continue;
            }
            let mut vals: Vec<f64> = kids.iter().map(|c| metric(c) as f64).collect();
            let kids_sum: u64 = kids.iter().map(|c| metric(c)).sum();
            let own = metric(f).saturating_sub(kids_sum);
            if own > 0 {
                vals.push(own as f64);
            }
            let ktiles = squarify(&vals, area);
            for (j, kt) in ktiles.iter().enumerate().take(kids.len()) {
                let c = kids[j];
                let kt = kt.inset(1.0);
                if kt.w < 1.0 || kt.h < 1.0 {
                    continue;
                }
                let _ = write!(
                    o,
                    "<g class=\"tile\"><title>{}\n{} files with PHI · {} findings</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" class=\"kid\"/>",
                    plain(&c.path),
                    num(c.files_with_phi),
                    num(c.findings),
                    kt.x,
                    kt.y,
                    kt.w,
                    kt.h,
                    mix_white(color, 0.18 + 0.08 * (j % 3) as f64)
                );
                let sub = format!("{} · {}", num(c.files_with_phi), num(c.findings));
                tile_label(o, &kt, &c.name, &sub, 11.5);
                o.push_str("</g>");
            }
        }
    }
    o.push_str("</svg>");

    // The folder list: the shown level and one level below, largest first.
    let mut rows: Vec<(usize, &FolderNode)> = Vec::new();
    for f in &top {
        rows.push((0, f));
        let mut kids: Vec<&FolderNode> = f.children.iter().filter(|c| metric(c) > 0).collect();
        kids.sort_by(|a, b| metric(b).cmp(&metric(a)).then(a.name.cmp(&b.name)));
        for k in kids.into_iter().take(8) {
            rows.push((1, k));
        }
    }
    let total_rows = rows.len();
    rows.truncate(MAX_FOLDER_ROWS);
    let max_files = top
        .iter()
        .map(|f| f.files_with_phi)
        .max()
        .unwrap_or(1)
        .max(1);
    o.push_str("<div class=\"table-box\"><table class=\"grid folders\" id=\"folder-table\"><thead><tr><th scope=\"col\">Folder</th><th scope=\"col\" class=\"share\">Files containing PHI</th><th scope=\"col\" class=\"n\">Findings</th></tr></thead><tbody>");
    for (depth, f) in rows {
        let _ = write!(
            o,
            "<tr class=\"depth{depth}\"><td title=\"{}\"><span class=\"folder-name\">{}</span></td><td class=\"share\"><span class=\"bar\"><i style=\"width:{:.1}%\"></i></span>{}</td><td class=\"n\">{}</td></tr>",
            plain(&f.path),
            text(&f.name),
            100.0 * f.files_with_phi as f64 / max_files as f64,
            num(f.files_with_phi),
            num(f.findings)
        );
    }
    o.push_str("</tbody></table></div>");
    if total_rows > MAX_FOLDER_ROWS {
        let _ = write!(
            o,
            "<p class=\"cap-note\">The {} largest folders are listed.</p>",
            MAX_FOLDER_ROWS
        );
    }
}

/// Writes a tile's label when it fits; returns the height the label takes (0 when none).
fn tile_label(o: &mut String, t: &Tile, name: &str, sub: &str, size: f64) -> f64 {
    let pad = 6.0;
    if t.w < 44.0 || t.h < size + 8.0 {
        return 0.0;
    }
    let chars = ((t.w - 2.0 * pad) / (size * 0.58)).floor() as usize;
    let _ = write!(
        o,
        "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tl\" style=\"font-size:{size}px\">{}</text>",
        t.x + pad,
        t.y + pad + size * 0.85,
        plain(&ellipsize(name, chars))
    );
    let mut used = pad + size + 4.0;
    let sub_size = size - 2.0;
    if t.h >= used + sub_size + 8.0 && chars >= 8 {
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"ts\" style=\"font-size:{sub_size}px\">{}</text>",
            t.x + pad,
            t.y + used + sub_size * 0.85,
            plain(&ellipsize(sub, chars + 2))
        );
        used += sub_size + 6.0;
    }
    used
}

fn files_table(o: &mut String, r: &ReportData, kinds: &[String]) {
    o.push_str("<section id=\"files\">\n<h2>Riskiest files</h2>\n");
    let n = r.files.len();
    if n == 0 {
        o.push_str("<p class=\"empty-note\">No file has findings.</p>\n</section>\n");
        return;
    }
    let rows = &r.files[..n.min(MAX_FILE_ROWS)];
    // Columns: the kinds found in the listed rows, in the report's order.
    let present: BTreeSet<&String> = rows.iter().flat_map(|f| f.kinds.keys()).collect();
    let mut cols: Vec<String> = kinds
        .iter()
        .filter(|k| present.contains(k))
        .cloned()
        .collect();
    for k in present {
        if !cols.contains(k) {
            cols.push(k.clone());
        }
    }
    let _ = write!(
        o,
        "<p class=\"section-note\">Files ordered by risk: the most identifying findings at the highest confidence first. Click a column header to sort; the samples are masked.</p>"
    );
    if n > MAX_FILE_ROWS {
        let _ = write!(
            o,
            "<p class=\"cap-note\" id=\"files-cap\">The {} riskiest of {} files are listed. The CSV and JSON reports (<code>phiscan report --format csv</code>) list every file.</p>",
            num(MAX_FILE_ROWS as u64),
            num(n as u64)
        );
    }
    // Filters.
    let statuses: BTreeSet<&str> = rows.iter().map(|f| f.status.as_str()).collect();
    let confs: BTreeSet<&str> = rows
        .iter()
        .filter_map(|f| f.max_confidence.as_deref())
        .collect();
    o.push_str("<div class=\"controls\" data-for=\"file-table\"><input type=\"search\" data-f=\"text\" placeholder=\"Filter by path or text…\" aria-label=\"Filter files by text\">");
    select(
        o,
        "status",
        "All statuses",
        statuses
            .iter()
            .map(|s| (s.to_string(), status_info(s).label)),
    );
    select(
        o,
        "kind",
        "All kinds",
        cols.iter().map(|k| (k.clone(), kind_label(k))),
    );
    let mut conf_opts: Vec<&str> = confs.into_iter().collect();
    conf_opts.sort_by_key(|c| conf_rank(c));
    select(
        o,
        "conf",
        "Any confidence",
        conf_opts
            .iter()
            .map(|c| (c.to_string(), format!("{} confidence", cap(c)))),
    );
    let _ = write!(
        o,
        "<button type=\"button\" class=\"reset\">Clear</button><output aria-live=\"polite\">{} files</output></div>",
        num(rows.len() as u64)
    );

    o.push_str("<div class=\"table-box scroll\"><table class=\"grid sortable files\" id=\"file-table\"><thead><tr>");
    o.push_str("<th scope=\"col\" class=\"n rank\" data-type=\"num\"><span class=\"sb\" role=\"button\" tabindex=\"0\">#</span></th>");
    o.push_str("<th scope=\"col\" class=\"path-col\"><span class=\"sb\" role=\"button\" tabindex=\"0\">File</span></th>");
    o.push_str(
        "<th scope=\"col\"><span class=\"sb\" role=\"button\" tabindex=\"0\">Status</span></th>",
    );
    for k in &cols {
        let _ = write!(
            o,
            "<th scope=\"col\" class=\"n kind-col\" data-type=\"num\" title=\"{}\"><span class=\"sb\" role=\"button\" tabindex=\"0\">{}</span></th>",
            plain(&kind_label(k)),
            text(&kind_short(k))
        );
    }
    o.push_str("<th scope=\"col\" class=\"n\" data-type=\"num\"><span class=\"sb\" role=\"button\" tabindex=\"0\">Total</span></th>");
    o.push_str(
        "<th scope=\"col\" data-type=\"num\"><span class=\"sb\" role=\"button\" tabindex=\"0\">Confidence</span></th>",
    );
    o.push_str("<th scope=\"col\" class=\"samples-col\"><span class=\"sb\" role=\"button\" tabindex=\"0\">Masked samples</span></th>");
    o.push_str("</tr></thead><tbody>\n");
    for (i, f) in rows.iter().enumerate() {
        file_row(o, i, f, &cols);
    }
    o.push_str("</tbody></table>");
    o.push_str("<p class=\"no-match\" hidden>No file matches the filter.</p></div>\n</section>\n");
}

fn file_row(o: &mut String, i: usize, f: &FileRow, cols: &[String]) {
    let kinds_attr: Vec<String> = f
        .kinds
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, _)| plain(k))
        .collect();
    let conf = f.max_confidence.as_deref().unwrap_or("");
    let _ = write!(
        o,
        "<tr data-i=\"{i}\" data-status=\"{}\" data-kinds=\"{}\" data-conf=\"{}\"><td class=\"n rank\" data-v=\"{}\">{}</td><td class=\"path\">{}</td><td>{}</td>",
        plain(&f.status),
        kinds_attr.join(" "),
        plain(conf),
        i + 1,
        i + 1,
        path_html(&f.path),
        status_badge(&f.status)
    );
    for k in cols {
        let n = f.kinds.get(k).copied().unwrap_or(0);
        let _ = write!(
            o,
            "<td class=\"n kind-col{}\" data-v=\"{n}\">{}</td>",
            zero_cls(n),
            num(n)
        );
    }
    let _ = write!(
        o,
        "<td class=\"n strong\" data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td class=\"samples\">",
        f.findings,
        num(f.findings),
        conf_rank(conf),
        conf_badge(f.max_confidence.as_deref())
    );
    for s in f.samples.iter().take(5) {
        let _ = write!(
            o,
            "<div class=\"smp\"><span class=\"kb\" style=\"border-color:{}\">{}</span><code>{}</code>",
            kind_color(&s.kind),
            text(&kind_short(&s.kind)),
            text(&s.masked)
        );
        if !s.location.is_empty() {
            let _ = write!(o, "<span class=\"loc\">{}</span>", text(&s.location));
        }
        o.push_str("</div>");
    }
    if f.samples.len() > 5 {
        let _ = write!(o, "<div class=\"loc\">+{} more</div>", f.samples.len() - 5);
    }
    o.push_str("</td></tr>\n");
}

fn coverage(o: &mut String, r: &ReportData) {
    o.push_str("<section id=\"coverage\">\n<h2>Coverage: what could not be read</h2>\n");
    let ov = &r.overview;
    let unread = unread_count(r);
    let statuses = statuses_of(&ov.files_by_status);
    if unread == 0 {
        let _ = write!(
            o,
            "<div class=\"alert alert-ok\" id=\"coverage-verdict\"><strong>Every file was read.</strong> All {} files were opened and their text checked.</div>",
            num(ov.files)
        );
    } else {
        let _ = write!(
            o,
            "<div class=\"alert alert-warn\" id=\"coverage-verdict\"><strong>{} of {} files ({}) could not be read.</strong> PHI in these files would not appear in this report: review them by hand, or make them readable and scan again.</div>",
            num(unread),
            num(ov.files),
            pct(unread, ov.files)
        );
    }
    // One card per status that is not a clean read.
    let problems: Vec<&(String, u64)> = statuses
        .iter()
        .filter(|(s, n)| *n > 0 && s != "scanned")
        .collect();
    if !problems.is_empty() {
        o.push_str("<div class=\"cov-cards\">");
        for (s, n) in problems {
            let si = status_info(s);
            let _ = write!(
                o,
                "<div class=\"cov-card cov-{}\" data-status=\"{}\"><div class=\"cov-n\">{}</div><div class=\"cov-label\">{}</div><p>{}</p></div>",
                si.class,
                plain(s),
                num(*n),
                text(&si.label),
                text(si.explain)
            );
        }
        o.push_str("</div>");
    }
    if r.coverage.is_empty() {
        o.push_str("</section>\n");
        return;
    }
    let rows = &r.coverage[..r.coverage.len().min(MAX_COVERAGE_ROWS)];
    if r.coverage.len() > MAX_COVERAGE_ROWS {
        let _ = write!(
            o,
            "<p class=\"cap-note\" id=\"coverage-cap\">{} of {} files are listed. The CSV and JSON reports list every file with its status and reason.</p>",
            num(MAX_COVERAGE_ROWS as u64),
            num(r.coverage.len() as u64)
        );
    }
    let statuses: BTreeSet<&str> = rows.iter().map(|c| c.status.as_str()).collect();
    o.push_str("<div class=\"controls\" data-for=\"coverage-table\"><input type=\"search\" data-f=\"text\" placeholder=\"Filter by path or reason…\" aria-label=\"Filter unread files by text\">");
    select(
        o,
        "status",
        "All statuses",
        statuses
            .iter()
            .map(|s| (s.to_string(), status_info(s).label)),
    );
    let _ = write!(
        o,
        "<button type=\"button\" class=\"reset\">Clear</button><output aria-live=\"polite\">{} files</output></div>",
        num(rows.len() as u64)
    );
    o.push_str("<div class=\"table-box scroll\"><table class=\"grid sortable\" id=\"coverage-table\"><thead><tr><th scope=\"col\" class=\"n rank\" data-type=\"num\"><span class=\"sb\" role=\"button\" tabindex=\"0\">#</span></th><th scope=\"col\" class=\"path-col\"><span class=\"sb\" role=\"button\" tabindex=\"0\">File</span></th><th scope=\"col\"><span class=\"sb\" role=\"button\" tabindex=\"0\">Status</span></th><th scope=\"col\"><span class=\"sb\" role=\"button\" tabindex=\"0\">Reason</span></th></tr></thead><tbody>\n");
    for (i, c) in rows.iter().enumerate() {
        coverage_row(o, i, c);
    }
    o.push_str("</tbody></table><p class=\"no-match\" hidden>No file matches the filter.</p></div>\n</section>\n");
}

fn coverage_row(o: &mut String, i: usize, c: &CoverageRow) {
    let _ = writeln!(
        o,
        "<tr data-i=\"{i}\" data-status=\"{}\"><td class=\"n rank\" data-v=\"{}\">{}</td><td class=\"path\">{}</td><td>{}</td><td class=\"reason\">{}</td></tr>",
        plain(&c.status),
        i + 1,
        i + 1,
        path_html(&c.path),
        status_badge(&c.status),
        text(&c.reason)
    );
}

fn ftp(o: &mut String, servers: &[FtpExposure]) {
    o.push_str("<section id=\"ftp\">\n<h2>FTP exposure</h2>\n");
    let bad = servers.iter().filter(|f| ftp_bad(f) > 0).count();
    let _ = write!(
        o,
        "<p class=\"section-note\">Non-intrusive checks of each FTP server scanned: {} of {} {} exposure findings.</p><div class=\"ftp-grid\">",
        bad,
        servers.len(),
        if bad == 1 { "has" } else { "have" }
    );
    for f in servers {
        let cls = if ftp_bad(f) > 0 { "bad" } else { "ok" };
        let _ = write!(
            o,
            "<article class=\"ftp-card ftp-{cls}\"><h3 class=\"mono\">{}</h3>",
            text(&f.target)
        );
        if !f.banner.is_empty() {
            let _ = write!(
                o,
                "<p class=\"banner\">Banner: <code>{}</code></p>",
                text(&f.banner)
            );
        }
        if let Some(line) = &f.exposure_line {
            let _ = write!(
                o,
                "<p class=\"exposure\"><strong>Exposure:</strong> {}</p>",
                text(line)
            );
        }
        o.push_str("<ul class=\"checks\">");
        check(
            o,
            if f.anonymous_login { "bad" } else { "ok" },
            "Anonymous login",
            if f.anonymous_login {
                "allowed: anyone can log in without a password"
            } else {
                "refused"
            },
        );
        match f.anonymous_write {
            Some(true) => check(
                o,
                "bad",
                "Anonymous write",
                "allowed: anyone can upload or overwrite files",
            ),
            Some(false) => check(o, "ok", "Anonymous write", "refused"),
            None => check(
                o,
                "na",
                "Anonymous write",
                "not tested (run with --probe-write to test)",
            ),
        }
        check(
            o,
            if f.auth_tls_offered { "ok" } else { "bad" },
            "Encryption (AUTH TLS)",
            if f.auth_tls_offered {
                "offered"
            } else {
                "not offered: passwords and files travel in clear text"
            },
        );
        check(
            o,
            if f.plaintext_login_accepted {
                "bad"
            } else {
                "ok"
            },
            "Password login without encryption",
            if f.plaintext_login_accepted {
                "accepted: credentials can be read on the network"
            } else {
                "refused"
            },
        );
        o.push_str("</ul></article>");
    }
    o.push_str("</div>\n</section>\n");
}

fn check(o: &mut String, cls: &str, what: &str, value: &str) {
    let icon = match cls {
        "bad" => "!",
        "ok" => "✓",
        _ => "–",
    };
    let _ = write!(
        o,
        "<li class=\"chk chk-{cls}\"><span class=\"ico\" aria-hidden=\"true\">{icon}</span><span class=\"what\">{}</span><span class=\"val\">{}</span></li>",
        text(what),
        text(value)
    );
}

fn evidence(o: &mut String, r: &ReportData) {
    let e = &r.evidence;
    o.push_str("<section id=\"evidence\">\n<h2>Evidence</h2>\n<p class=\"section-note\">For breach-risk assessments and audits: which scan this report describes, when, where and with what.</p>\n");
    o.push_str("<div class=\"table-box\"><table class=\"kv\" id=\"evidence-table\"><tbody>");
    kv(o, "Scan ID", &format!("#{}", e.scan_id), false);
    kv(
        o,
        "Scan status",
        if e.complete {
            "Complete"
        } else {
            "Interrupted: the report covers the files completed before the scan stopped"
        },
        false,
    );
    kv(o, "Started", &e.started, true);
    kv(o, "Finished", e.finished.as_deref().unwrap_or("—"), true);
    if let Some(d) = e.finished.as_deref().and_then(|f| duration(&e.started, f)) {
        kv(o, "Duration", &d, false);
    }
    kv(
        o,
        "Host",
        if e.host.is_empty() { "—" } else { &e.host },
        true,
    );
    o.push_str("<tr><th scope=\"row\">Targets</th><td>");
    for t in &e.targets {
        let _ = write!(o, "<div class=\"mono\">{}</div>", text(t));
    }
    o.push_str("</td></tr>");
    kv(
        o,
        "Scanner version",
        &format!("phiscan {}", e.scanner_version),
        true,
    );
    kv(o, "Rule-set hash", &e.ruleset_hash, true);
    o.push_str("<tr><th scope=\"row\">Options</th><td>");
    if e.options.is_empty() {
        o.push_str("defaults");
    } else {
        o.push_str("<table class=\"opts\"><tbody>");
        for (k, v) in &e.options {
            let _ = write!(
                o,
                "<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
                text(k),
                text(v)
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</td></tr>");
    o.push_str("<tr><th scope=\"row\">Integrity</th><td>The SHA-256 of this file is in the sidecar file written next to it (<code>&lt;report&gt;.sha256</code>). Verify with <code>sha256sum -c &lt;report&gt;.sha256</code>. The same scan always renders to the same file.</td></tr>");
    o.push_str("</tbody></table></div>\n</section>\n");
}

fn kv(o: &mut String, k: &str, v: &str, mono: bool) {
    let _ = write!(
        o,
        "<tr><th scope=\"row\">{}</th><td{}>{}</td></tr>",
        text(k),
        if mono { " class=\"mono\"" } else { "" },
        text(v)
    );
}

fn select(o: &mut String, f: &str, all: &str, opts: impl Iterator<Item = (String, String)>) {
    let _ = write!(
        o,
        "<select data-f=\"{f}\" aria-label=\"{all}\"><option value=\"\">{all}</option>"
    );
    for (v, label) in opts {
        let _ = write!(
            o,
            "<option value=\"{}\">{}</option>",
            plain(&v),
            plain(&ellipsize(&label, 40))
        );
    }
    o.push_str("</select>");
}

// ---------------------------------------------------------------------------------------------
// Data helpers

/// Every kind in the report, in a fixed order: identifying kinds first.
fn kinds_of(r: &ReportData) -> Vec<String> {
    let mut set: BTreeSet<&String> = r.findings_by_kind.keys().collect();
    set.extend(r.distinct_by_kind.keys());
    let mut v: Vec<String> = set.into_iter().cloned().collect();
    v.sort_by(|a, b| kind_rank(a).cmp(&kind_rank(b)).then(a.cmp(b)));
    v
}

fn kind_total(r: &ReportData, k: &str) -> u64 {
    r.findings_by_kind.get(k).map_or(0, |m| m.values().sum())
}

/// The estimate of individuals: the largest distinct count of a kind that identifies a person.
fn individuals(r: &ReportData) -> Option<(u64, String)> {
    ["ssn", "mrn", "insurance_id", "itin"]
        .iter()
        .filter_map(|k| r.distinct_by_kind.get(*k).map(|n| (*n, k.to_string())))
        .filter(|(n, _)| *n > 0)
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
}

fn unread_count(r: &ReportData) -> u64 {
    r.overview
        .files_by_status
        .iter()
        .filter(|(s, _)| !matches!(s.as_str(), "scanned" | "skipped"))
        .map(|(_, n)| n)
        .sum()
}

fn statuses_of(m: &BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = m
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| (s.clone(), *n))
        .collect();
    v.sort_by(|a, b| {
        status_info(&a.0)
            .rank
            .cmp(&status_info(&b.0).rank)
            .then(a.0.cmp(&b.0))
    });
    v
}

fn confidences_of(m: &BTreeMap<String, u64>) -> Vec<String> {
    let mut v: Vec<String> = ["high", "medium", "low"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for c in m.keys() {
        if !v.contains(c) {
            v.push(c.clone());
        }
    }
    v.retain(|c| m.contains_key(c) || ["high", "medium", "low"].contains(&c.as_str()));
    v
}

fn ftp_bad(f: &FtpExposure) -> usize {
    usize::from(f.anonymous_login)
        + usize::from(f.anonymous_write == Some(true))
        + usize::from(!f.auth_tls_offered)
        + usize::from(f.plaintext_login_accepted)
        + usize::from(f.exposure_line.is_some())
}

struct StatusInfo {
    label: String,
    explain: &'static str,
    class: &'static str,
    color: &'static str,
    rank: u8,
}

fn status_info(s: &str) -> StatusInfo {
    let (label, explain, class, color, rank) = match s {
        "scanned" => ("Scanned", "Read and checked.", "ok", "#0f766e", 0),
        "no_text" => ("No text", "No text could be extracted: scanned images, photos or empty documents. PHI in images is not detected.", "warn", "#d97706", 1),
        "encrypted" => ("Encrypted", "Password-protected or encrypted: the contents could not be inspected.", "warn", "#b45309", 2),
        "too_large" => ("Too large", "Larger than the scan's size limit (--max-file-size): not read.", "warn", "#a16207", 3),
        "unsupported" => ("Unsupported", "A format phiscan does not read.", "muted", "#78716c", 4),
        "error" => ("Error", "Could not be read: permissions, I/O errors or damaged files.", "bad", "#b42318", 5),
        "skipped" => ("Skipped", "Left out on purpose by the scan's options (patterns, hidden files, size filters); not counted as unread.", "muted", "#a8b3c2", 6),
        _ => ("", "Could not be read.", "muted", "#64748b", 7),
    };
    StatusInfo {
        label: if label.is_empty() {
            s.to_string()
        } else {
            label.to_string()
        },
        explain,
        class,
        color,
        rank,
    }
}

fn status_badge(s: &str) -> String {
    let si = status_info(s);
    format!(
        "<span class=\"badge badge-{}{}\">{}</span>",
        si.class,
        if si.rank > 6 { " badge-raw" } else { "" },
        text(&si.label)
    )
}

fn conf_rank(c: &str) -> u8 {
    match c {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

fn conf_color(c: &str) -> &'static str {
    match c {
        "high" => "#b42318",
        "medium" => "#f59e0b",
        "low" => "#a8b3c2",
        _ => "#cbd5e1",
    }
}

fn conf_badge(c: Option<&str>) -> String {
    match c {
        None | Some("") => "<span class=\"muted\">—</span>".to_string(),
        Some(c) => format!(
            "<span class=\"conf conf-{}\">{}</span>",
            match c {
                "high" | "medium" | "low" => c,
                _ => "other",
            },
            text(&cap(c))
        ),
    }
}

fn kind_rank(k: &str) -> u8 {
    match k {
        "ssn" => 0,
        "mrn" => 1,
        "dob" => 2,
        "insurance_id" => 3,
        "itin" => 4,
        "credit_card" => 5,
        "npi" => 6,
        "dea" => 7,
        "phone" => 8,
        "email" => 9,
        _ => 10,
    }
}

fn kind_label(k: &str) -> String {
    match k {
        "ssn" => "SSN",
        "mrn" => "Medical record no.",
        "dob" => "Date of birth",
        "insurance_id" => "Insurance ID",
        "npi" => "NPI (provider)",
        "dea" => "DEA number",
        "credit_card" => "Payment card",
        "itin" => "ITIN",
        "phone" => "Phone number",
        "email" => "Email address",
        other => other,
    }
    .to_string()
}

fn kind_short(k: &str) -> String {
    match k {
        "ssn" => "SSN",
        "mrn" => "MRN",
        "dob" => "DOB",
        "insurance_id" => "Ins. ID",
        "npi" => "NPI",
        "dea" => "DEA",
        "credit_card" => "Card",
        "itin" => "ITIN",
        "phone" => "Phone",
        "email" => "Email",
        other => other,
    }
    .to_string()
}

fn kind_plural(k: &str) -> String {
    match k {
        "ssn" => "SSNs".into(),
        "mrn" => "medical record numbers".into(),
        "insurance_id" => "insurance IDs".into(),
        "itin" => "ITINs".into(),
        other => format!("{} values", kind_label(other)),
    }
}

fn kind_color(k: &str) -> &'static str {
    match k {
        "ssn" => "#b42318",
        "mrn" => "#c4320a",
        "dob" => "#b54708",
        "insurance_id" => "#9e4a03",
        "itin" => "#a15c07",
        "credit_card" => "#6941c6",
        "npi" => "#0e5a8a",
        "dea" => "#155b75",
        "phone" => "#3e7c59",
        "email" => "#4b5e71",
        _ => "#64748b",
    }
}

const PALETTE: [&str; 8] = [
    "#0e5a8a", "#0f766e", "#5b4fb5", "#9a3412", "#1d6b48", "#7a2e6f", "#3f5a78", "#8a5a00",
];

// ---------------------------------------------------------------------------------------------
// Formatting and escaping

/// Escapes data for HTML text content: markup characters as entities, and invisible or
/// direction-changing characters as visible marked names (`LF` for a newline, `U+202E`).
pub fn text(s: &str) -> String {
    escape(s, true)
}

/// Escapes data for an attribute value or SVG text: like [`text`], without markup (`[LF]`).
pub fn plain(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, markup: bool) -> String {
    let mut o = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if hidden_char(c) => {
                let name = match c {
                    '\0' => "NUL".to_string(),
                    '\t' => "TAB".to_string(),
                    '\n' => "LF".to_string(),
                    '\r' => "CR".to_string(),
                    '\u{1b}' => "ESC".to_string(),
                    '\u{7f}' => "DEL".to_string(),
                    c => format!("U+{:04X}", c as u32),
                };
                if markup {
                    let _ = write!(
                        o,
                        "<span class=\"ctl\" title=\"invisible character U+{:04X}\">{name}</span>",
                        c as u32
                    );
                } else {
                    let _ = write!(o, "[{name}]");
                }
            }
            c => o.push(c),
        }
    }
    o
}

/// Characters that would be invisible or rearrange the text around them.
fn hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// A path with its folder part muted and its last component emphasized.
/// Line breaks are allowed after each separator (`<wbr>`), so long paths wrap at folders.
fn path_html(p: &str) -> String {
    let cut = p
        .trim_end_matches(['/', '\\'])
        .rfind(['/', '\\'])
        .map(|i| i + 1)
        .unwrap_or(0);
    let (dir, name) = p.split_at(cut);
    let mut o = String::with_capacity(p.len() + 64);
    if !dir.is_empty() {
        o.push_str("<span class=\"dir\">");
        for part in dir.split_inclusive(['/', '\\']) {
            o.push_str(&text(part));
            o.push_str("<wbr>");
        }
        o.push_str("</span>");
    }
    let _ = write!(o, "<span class=\"fn\">{}</span>", text(name));
    o
}

fn targets_short(t: &[String]) -> String {
    match t.len() {
        0 => "no targets".into(),
        1 => t[0].clone(),
        n => format!("{} and {} more", t[0], n - 1),
    }
}

/// 1234567 -> "1,234,567".
fn num(v: u64) -> String {
    let s = v.to_string();
    let mut o = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            o.push(',');
        }
        o.push(c);
    }
    o
}

/// Axis labels: 1500 -> "1.5k".
fn compact(v: u64) -> String {
    if v >= 1_000_000 {
        trim_zero(format!("{:.1}", v as f64 / 1e6)) + "M"
    } else if v >= 10_000 {
        format!("{}k", v / 1000)
    } else if v >= 1000 {
        trim_zero(format!("{:.1}", v as f64 / 1e3)) + "k"
    } else {
        v.to_string()
    }
}

fn trim_zero(s: String) -> String {
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        (a as f64 / b as f64).min(1.0)
    }
}

fn pct(a: u64, b: u64) -> String {
    if b == 0 || a == 0 {
        return "0%".into();
    }
    let p = 100.0 * a as f64 / b as f64;
    if p < 1.0 {
        "<1%".into()
    } else if p < 10.0 {
        trim_zero(format!("{p:.1}")) + "%"
    } else {
        format!("{p:.0}%")
    }
}

fn zero_cls(n: u64) -> &'static str {
    if n == 0 {
        " zero"
    } else {
        ""
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn delta(before: u64, now: u64) -> (String, &'static str) {
    if now == before {
        return ("no change".into(), "same");
    }
    let d = now as i128 - before as i128;
    let p = if before > 0 {
        format!(" ({:+.0}%)", 100.0 * d as f64 / before as f64)
    } else {
        String::new()
    };
    if d > 0 {
        (format!("▲ +{}{p}", num(d as u64)), "up")
    } else {
        (
            format!("▼ −{}{}", num((-d) as u64), p.replace('-', "−")),
            "down",
        )
    }
}

/// A 1-2-5 step giving about 4 grid lines up to `max`.
fn nice_step(max: f64) -> f64 {
    if max <= 4.0 {
        return 1.0;
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

fn ellipsize(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    if max <= 1 {
        return "…".into();
    }
    s.chars().take(max - 1).collect::<String>() + "…"
}

/// Mixes a #rrggbb color with white.
fn mix_white(hex: &str, t: f64) -> String {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    let ch = |shift: u32| {
        let c = ((v >> shift) & 0xff) as f64;
        (c + (255.0 - c) * t).round() as u8
    };
    format!("#{:02x}{:02x}{:02x}", ch(16), ch(8), ch(0))
}

/// "2025-03-02T01:00:00Z" -> "2025-03-02 01:00:00 UTC"; other text unchanged.
fn pretty_time(s: &str) -> String {
    match parse_time(s) {
        Some((_, off)) => {
            let base = format!("{} {}", &s[..10], &s[11..19]);
            if off == 0 {
                base + " UTC"
            } else {
                let sign = if off < 0 { '-' } else { '+' };
                let a = off.abs();
                format!("{base} UTC{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
            }
        }
        None => s.to_string(),
    }
}

fn duration(start: &str, end: &str) -> Option<String> {
    let (a, _) = parse_time(start)?;
    let (b, _) = parse_time(end)?;
    let d = b - a;
    if d < 0 {
        return None;
    }
    Some(if d < 60 {
        format!("{d} s")
    } else if d < 3600 {
        format!("{} min {} s", d / 60, d % 60)
    } else {
        format!("{} h {} min", d / 3600, d % 3600 / 60)
    })
}

/// RFC 3339 ("YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)") -> (Unix seconds, offset seconds).
fn parse_time(s: &str) -> Option<(i64, i64)> {
    let b = s.as_bytes();
    if b.len() < 20 || !s.is_ascii() || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().ok();
    if b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d, h, mi, se) = (
        n(0..4)?,
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        rest = &r[digits..];
    }
    let off = match rest {
        "Z" | "z" => 0,
        r if r.len() == 6 && (r.starts_with('+') || r.starts_with('-')) && &r[3..4] == ":" => {
            let v = r[1..3].parse::<i64>().ok()? * 3600 + r[4..6].parse::<i64>().ok()? * 60;
            if r.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + se - off, off))
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut o = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                o.push(A[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                o.push('=');
            }
        }
    }
    o
}

// ---------------------------------------------------------------------------------------------
// Squarified treemap (Bruls, Huizing, van Wijk)

#[derive(Debug, Clone, Copy)]
struct Tile {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Tile {
    fn inset(&self, d: f64) -> Tile {
        Tile {
            x: self.x + d,
            y: self.y + d,
            w: (self.w - 2.0 * d).max(0.0),
            h: (self.h - 2.0 * d).max(0.0),
        }
    }
}

/// Lays out `values` (largest first) in `r`, one tile per value, areas proportional.
fn squarify(values: &[f64], r: Tile) -> Vec<Tile> {
    let total: f64 = values.iter().sum();
    if total <= 0.0 || r.w <= 0.0 || r.h <= 0.0 {
        return values
            .iter()
            .map(|_| Tile {
                x: r.x,
                y: r.y,
                w: 0.0,
                h: 0.0,
            })
            .collect();
    }
    let scale = r.w * r.h / total;
    let areas: Vec<f64> = values.iter().map(|v| v * scale).collect();
    let mut out = Vec::with_capacity(values.len());
    let mut rect = r;
    let mut i = 0;
    while i < areas.len() {
        let side = rect.w.min(rect.h);
        let mut j = i + 1;
        let mut best = worst(&areas[i..j], side);
        while j < areas.len() {
            let next = worst(&areas[i..=j], side);
            if next > best {
                break;
            }
            best = next;
            j += 1;
        }
        let sum: f64 = areas[i..j].iter().sum();
        if rect.w >= rect.h {
            let cw = if rect.h > 0.0 {
                (sum / rect.h).min(rect.w)
            } else {
                0.0
            };
            let mut y = rect.y;
            for a in &areas[i..j] {
                let h = if cw > 0.0 { a / cw } else { 0.0 };
                out.push(Tile {
                    x: rect.x,
                    y,
                    w: cw,
                    h,
                });
                y += h;
            }
            rect.x += cw;
            rect.w = (rect.w - cw).max(0.0);
        } else {
            let rh = if rect.w > 0.0 {
                (sum / rect.w).min(rect.h)
            } else {
                0.0
            };
            let mut x = rect.x;
            for a in &areas[i..j] {
                let w = if rh > 0.0 { a / rh } else { 0.0 };
                out.push(Tile {
                    x,
                    y: rect.y,
                    w,
                    h: rh,
                });
                x += w;
            }
            rect.y += rh;
            rect.h = (rect.h - rh).max(0.0);
        }
        i = j;
    }
    out
}

/// The worst aspect ratio of a row of areas laid along a side of length `side`.
fn worst(row: &[f64], side: f64) -> f64 {
    let s: f64 = row.iter().sum();
    let (mn, mx) = row
        .iter()
        .fold((f64::MAX, 0.0f64), |(mn, mx), &a| (mn.min(a), mx.max(a)));
    if s <= 0.0 || mn <= 0.0 {
        return f64::MAX;
    }
    let s2 = s * s;
    let w2 = side * side;
    (w2 * mx / s2).max(s2 / (w2 * mn))
}

// ---------------------------------------------------------------------------------------------
// Style and script

const STYLE: &str = r#"
:root{--ink:#101828;--ink2:#344054;--muted:#667085;--line:#e4e7ec;--line2:#d0d5dd;--bg:#f5f7fa;--card:#fff;--accent:#0e5a8a;--bad:#b42318;--bad-bg:#fef3f2;--warn:#b54708;--warn-bg:#fffaeb;--ok:#067647;--ok-bg:#ecfdf3;
--font:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;scroll-padding-top:56px}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 var(--font);font-variant-numeric:tabular-nums}
.wrap{max-width:1240px;margin:0 auto;padding:0 32px}
.mono,code{font-family:var(--mono);font-size:.92em}
h1,h2,h3,h4{line-height:1.25;margin:0}
h2{font-size:20px;font-weight:650;margin:0 0 14px;letter-spacing:-.01em}
h3{font-size:15px;font-weight:650;margin:22px 0 10px}
section{padding:30px 0 6px}
section+section{border-top:1px solid var(--line);margin-top:22px}
.confidential{background:#7a271a;color:#fff;font-size:11.5px;letter-spacing:.06em;text-transform:uppercase;font-weight:600;padding:5px 0}
.masthead{background:#0b1f33;color:#fff;padding:22px 0 26px}
.brand{display:flex;align-items:center;gap:7px;font-weight:700;font-size:13px;letter-spacing:.04em;color:#9ec5e8;text-transform:uppercase}
.masthead h1{font-size:30px;font-weight:700;margin:8px 0 12px;letter-spacing:-.02em}
.meta{display:flex;flex-wrap:wrap;gap:6px 36px;margin:0 0 18px;font-size:13.5px}
.meta div{min-width:0}
.meta dt{color:#9fb3c8;font-size:11px;text-transform:uppercase;letter-spacing:.06em;font-weight:600}
.meta dd{margin:2px 0 0;color:#e6eef6;overflow-wrap:anywhere}
.verdict{display:inline-flex;align-items:center;gap:10px;margin:0;font-size:21px;font-weight:650;padding:8px 16px 8px 14px;border-radius:8px;background:rgba(255,255,255,.08)}
.verdict .dot{width:12px;height:12px;border-radius:50%;background:#98a2b3;flex:none}
.verdict-bad .dot{background:#f97066;box-shadow:0 0 0 4px rgba(249,112,102,.25)}
.verdict-ok .dot{background:#47cd89;box-shadow:0 0 0 4px rgba(71,205,137,.25)}
.verdict-sub{margin:10px 0 0;color:#c8d6e5;font-size:14px}
.interrupted{margin:14px 0 0;padding:8px 12px;border-radius:6px;background:#fffaeb;color:#7a2e0e;font-size:13.5px}
.toc{position:sticky;top:0;z-index:5;background:rgba(255,255,255,.96);border-bottom:1px solid var(--line);backdrop-filter:blur(6px)}
.toc .wrap{display:flex;gap:4px;overflow-x:auto}
.toc a{color:var(--ink2);text-decoration:none;font-weight:550;font-size:13.5px;padding:11px 12px;border-bottom:2px solid transparent;white-space:nowrap}
.toc a:hover{color:var(--accent);border-bottom-color:var(--accent)}
.alert{border-radius:8px;padding:12px 16px;margin:0 0 16px;border:1px solid;font-size:14px}
.alert-warn{background:var(--warn-bg);border-color:#fedf89;color:#7a2e0e}
.alert-ok{background:var(--ok-bg);border-color:#abefc6;color:#054f31}
#js-error{margin-top:16px}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:16px}
.card,.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;box-shadow:0 1px 2px rgba(16,24,40,.05)}
.card{padding:16px 18px;min-width:0}
.card-label{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:650}
.card-value{font-size:30px;font-weight:700;letter-spacing:-.02em;margin-top:4px;line-height:1.2}
.card-accent-bad .card-value{color:var(--bad)}
.card-accent-ok .card-value{color:var(--ok)}
.card-sub{color:var(--muted);font-size:13px;margin-bottom:10px}
.card-note{color:var(--muted);font-size:12px;margin:10px 0 0;line-height:1.4}
.stack{display:block;width:100%;height:8px;border-radius:4px;overflow:hidden;margin:4px 0 10px}
.meter{height:8px;border-radius:4px;background:#f2f4f7;overflow:hidden}
.meter i{display:block;height:100%;background:var(--bad);border-radius:4px}
.card-accent-ok .meter i{background:var(--ok)}
.legend-list{list-style:none;margin:0;padding:0;font-size:13px}
.legend-list li{display:flex;align-items:center;gap:8px;padding:2px 0}
.legend-list b{margin-left:auto;font-weight:600}
.sw{display:inline-block;width:9px;height:9px;border-radius:2px;flex:none;margin-right:6px;vertical-align:0}
.legend-list .sw{margin-right:0}
.table-box{background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:auto}
.table-box.scroll{max-height:640px}
table.grid{width:100%;border-collapse:separate;border-spacing:0;font-size:13px}
.grid th,.grid td{padding:7px 12px;border-bottom:1px solid #eef0f3;text-align:left;vertical-align:top}
.grid thead th{position:sticky;top:0;z-index:1;background:#f9fafb;color:var(--ink2);font-size:12px;font-weight:650;border-bottom:1px solid var(--line2);white-space:nowrap}
.grid tbody tr:last-child>*{border-bottom:0}
.grid tbody tr:hover{background:#f9fbfd}
.grid tbody th{font-weight:550}
.grid .n{text-align:right;white-space:nowrap}
.grid .kind-col{padding-left:6px;padding-right:8px}
.grid .zero{color:#c0c6cf}
.grid .strong{font-weight:650}
.share{width:28%;white-space:nowrap}
.bar{display:inline-block;width:calc(100% - 56px);max-width:260px;height:8px;background:#f2f4f7;border-radius:4px;margin-right:10px;vertical-align:middle;overflow:hidden}
.bar i{display:block;height:100%;background:var(--accent);border-radius:4px}
thead th .sb{cursor:pointer;display:inline-flex;align-items:center;gap:4px;border-radius:3px}
thead th .sb:hover{color:var(--accent)}
thead th .sb:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
thead th.n .sb{justify-content:flex-end}
thead th[aria-sort] .sb::after{content:"";border:4px solid transparent;margin-left:2px}
thead th[aria-sort=ascending] .sb::after{border-bottom-color:currentColor;margin-top:-4px}
thead th[aria-sort=descending] .sb::after{border-top-color:currentColor;margin-top:4px}
.chart-grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;align-items:stretch;margin-bottom:16px}
.panel{margin:0;padding:16px 18px}
figcaption{font-weight:650;font-size:15px;margin-bottom:10px}
.cap-sub{font-weight:400;color:var(--muted);font-size:13px;margin-left:6px}
.chart{display:block;width:100%;height:auto;overflow:visible}
.chart text{font-family:var(--font);fill:var(--ink2)}
.chart .lbl{font-size:12.5px}
.chart .lbl.strong{font-weight:650;fill:var(--ink)}
.chart .val{font-size:12px;font-weight:600}
.chart .lg{font-size:11.5px;fill:var(--muted)}
.chart .tick{font-size:10.5px;fill:#98a2b3}
.chart .gridline{stroke:#eef0f3;stroke-width:1}
.chart .delta{font-size:12.5px;font-weight:650}
.chart .delta.up{fill:var(--bad)}
.chart .delta.down{fill:var(--ok)}
.chart .delta.same{fill:var(--muted)}
.treemap{margin-bottom:14px}
.treemap .tl{fill:#fff;font-weight:650}
.treemap .ts{fill:rgba(255,255,255,.86)}
.treemap rect{stroke:#fff;stroke-width:1}
.treemap .tile:hover>rect{filter:brightness(1.08)}
.chart-note{color:var(--muted);font-size:12.5px;margin:-4px 0 12px}
.folders .depth1 td:first-child{padding-left:34px;color:var(--ink2)}
.folders .depth0 td:first-child{font-weight:600}
.folders .depth1 .folder-name::before{content:"↳ ";color:#98a2b3}
.change-lists{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:20px}
#change-lists{margin-top:16px}
.panel-title{font-weight:650;font-size:15px;margin-bottom:12px}
.chart-note.after{margin:12px 0 0}
.change-list h4{font-size:13px;font-weight:650;margin:0 0 6px;display:flex;align-items:center;gap:7px}
.change-list .count{color:var(--muted);font-weight:500}
.dot{display:inline-block;width:8px;height:8px;border-radius:50%}
.dot-bad{background:var(--bad)}
.dot-ok{background:var(--ok)}
ul.paths{list-style:none;margin:0;padding:6px 10px;max-height:220px;overflow:auto;border:1px solid var(--line);border-radius:6px;background:#fcfcfd;font-size:12px}
ul.paths li{padding:2px 0;overflow-wrap:break-word;font-family:var(--mono)}
.path{font-family:var(--mono);font-size:12.2px;overflow-wrap:break-word;min-width:240px}
.path .dir{color:var(--muted)}
.path .fn{color:var(--ink);font-weight:600}
ul.paths .dir{color:var(--muted)}
.ctl{display:inline-block;padding:0 3px;margin:0 1px;border-radius:3px;background:#fee4e2;color:var(--bad);font:700 10px/1.35 var(--font);vertical-align:1px;letter-spacing:.02em}
.legend-list .ll,.card-fact,.cov-card,.ftp-card,.change-list{overflow-wrap:anywhere;min-width:0}
.files .samples{min-width:200px;max-width:340px}
.smp{font-size:12px;line-height:1.45;padding:2px 0}
.smp .kb{margin-right:6px}
.smp .loc{margin-left:6px}
.smp code{font-size:12px;color:var(--ink)}
.kb{display:inline-block;min-width:38px;text-align:center;font-size:10.5px;font-weight:650;border:1px solid;border-radius:4px;padding:0 4px;line-height:16px;color:var(--ink2)}
.loc{color:var(--muted);font-size:11.5px}
.badge,.conf{display:inline-block;font-size:11.5px;font-weight:600;border-radius:999px;padding:1px 9px;white-space:nowrap}
.badge-raw{white-space:normal;overflow-wrap:anywhere;max-width:200px}
.badge-ok{background:#f2f4f7;color:var(--ink2)}
.badge-warn{background:var(--warn-bg);color:var(--warn);box-shadow:inset 0 0 0 1px #fedf89}
.badge-bad{background:var(--bad-bg);color:var(--bad);box-shadow:inset 0 0 0 1px #fecdca}
.badge-muted{background:#f2f4f7;color:var(--muted)}
.conf-high{background:var(--bad-bg);color:var(--bad)}
.conf-medium{background:var(--warn-bg);color:var(--warn)}
.conf-low,.conf-other{background:#f2f4f7;color:var(--muted)}
.muted{color:var(--muted)}
.rank{color:var(--muted);width:44px}
.controls{display:none;flex-wrap:wrap;align-items:center;gap:8px;margin:0 0 10px}
.js .controls{display:flex}
.controls input,.controls select,.controls button{font:inherit;font-size:13.5px;border:1px solid var(--line2);border-radius:7px;padding:6px 10px;background:#fff;color:var(--ink)}
.controls input{flex:1 1 260px;max-width:380px}
.controls button{cursor:pointer;color:var(--ink2)}
.controls button:hover{background:#f9fafb}
.controls input:focus,.controls select:focus{outline:2px solid rgba(14,90,138,.25);border-color:var(--accent)}
.controls output{margin-left:auto;color:var(--muted);font-size:13px}
.no-match{padding:16px;color:var(--muted);margin:0}
.section-note{color:var(--ink2);margin:-6px 0 14px;max-width:860px}
.cap-note{color:#7a2e0e;background:var(--warn-bg);border:1px solid #fedf89;border-radius:6px;padding:6px 10px;font-size:12.5px;margin:0 0 10px}
.empty-note{color:var(--muted);margin:6px 0}
.cov-cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(165px,1fr));gap:12px;margin-bottom:16px}
.cov-card{background:#fff;border:1px solid var(--line);border-left:4px solid #98a2b3;border-radius:8px;padding:12px 14px}
.cov-card p{margin:4px 0 0;font-size:12.5px;color:var(--muted);line-height:1.4}
.cov-warn{border-left-color:#f79009}
.cov-bad{border-left-color:var(--bad)}
.cov-n{font-size:22px;font-weight:700;line-height:1.2}
.cov-label{font-weight:650;font-size:13px}
.reason{color:var(--ink2);min-width:220px}
.ftp-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:16px}
.ftp-card{background:#fff;border:1px solid var(--line);border-top:4px solid var(--ok);border-radius:10px;padding:16px 18px}
.ftp-bad{border-top-color:var(--bad)}
.ftp-card h3{margin:0 0 6px;font-size:15px;overflow-wrap:anywhere}
.banner{color:var(--muted);font-size:12.5px;margin:0 0 10px;overflow-wrap:anywhere}
.exposure{background:var(--bad-bg);border:1px solid #fecdca;color:#912018;border-radius:6px;padding:8px 12px;margin:0 0 10px;font-size:13.5px}
.checks{list-style:none;margin:0;padding:0}
.chk{display:grid;grid-template-columns:22px 220px 1fr;align-items:baseline;padding:6px 0;border-top:1px solid #f2f4f7;font-size:13.5px}
.chk .ico{display:inline-flex;align-items:center;justify-content:center;width:16px;height:16px;border-radius:50%;font-size:11px;font-weight:800;color:#fff;background:#98a2b3;transform:translateY(2px)}
.chk-bad .ico{background:var(--bad)}
.chk-ok .ico{background:var(--ok)}
.chk .what{font-weight:600}
.chk-bad .val{color:var(--bad);font-weight:600}
.chk-na .val{color:var(--muted)}
table.kv{width:100%;border-collapse:collapse;font-size:13.5px}
.kv>tbody>tr>th{width:200px;text-align:left;vertical-align:top;padding:9px 16px;color:var(--muted);font-weight:600;border-bottom:1px solid #eef0f3}
.kv>tbody>tr>td{padding:9px 16px;border-bottom:1px solid #eef0f3;overflow-wrap:anywhere}
.kv>tbody>tr:last-child>*{border-bottom:0}
table.opts{border-collapse:collapse}
.opts td{padding:1px 18px 1px 0;vertical-align:top}
.opts td:first-child{color:var(--ink2)}
.foot{display:flex;justify-content:space-between;gap:24px;color:var(--muted);font-size:12px;padding-top:26px;padding-bottom:40px;margin-top:34px;background:linear-gradient(var(--line),var(--line)) 32px 0/calc(100% - 64px) 1px no-repeat}
.card-fact{display:flex;align-items:baseline;gap:8px;margin:12px 0 0;font-size:13px;flex-wrap:wrap}
.card-fact span{color:var(--muted)}
.card-fact b{font-weight:650}
@media screen and (max-width:1000px){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}.chart-grid{grid-template-columns:minmax(0,1fr)}.wrap{padding:0 18px}}
@media print{
@page{size:landscape;margin:12mm}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{background:#fff;font-size:10pt}
.wrap{max-width:none;padding:0}
.toc,.controls input,.controls select,.controls button,#js-error{display:none!important}
.js .controls{display:block}
.controls output{margin:0}
.confidential{background:none;color:#7a271a;border-bottom:1px solid #7a271a;padding:0 0 3px}
.masthead{background:none;color:var(--ink);padding:10px 0 12px;border-bottom:2px solid var(--ink)}
.brand{color:var(--accent)}
.meta dt{color:var(--muted)}
.meta dd,.verdict-sub{color:var(--ink2)}
.verdict{background:none;padding:0}
section{break-inside:auto;padding-top:14px}
h2,h3,figcaption{break-after:avoid}
.card,.panel,.cov-card,.ftp-card,.chart,svg{break-inside:avoid}
.card,.panel,.table-box{box-shadow:none}
.table-box,.table-box.scroll,ul.paths{max-height:none;overflow:visible}
.grid thead th{position:static}
thead{display:table-header-group}
tr{break-inside:avoid}
.keep{break-inside:avoid}
table.grid{font-size:8.5pt}
.grid th,.grid td{padding:4px 8px}
.path,.smp,.smp code,ul.paths{font-size:8pt}
.kb{font-size:7pt;line-height:12px;min-width:30px}
.files .path{min-width:300px}
.files .samples{max-width:250px}
.chk{grid-template-columns:22px 190px 1fr}
}
"#;

const SCRIPT: &str = r#"
(function () {
  "use strict";
  var root = document.documentElement;
  window.addEventListener("error", function () {
    root.setAttribute("data-js-error", "1");
    var box = document.getElementById("js-error");
    if (box) box.hidden = false;
  });
  root.classList.add("js");
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  var coll = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var fmt = function (n) { return n.toLocaleString("en-US"); };
  function key(td) { var v = td.getAttribute("data-v"); return v === null ? td.textContent : v; }

  each(document.querySelectorAll("table.sortable"), function (table) {
    var head = table.tHead.rows[0].cells, body = table.tBodies[0];
    each(head, function (th, col) {
      var button = th.querySelector(".sb");
      if (!button) return;
      button.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); button.click(); }
      });
      button.addEventListener("click", function () {
        var num = th.getAttribute("data-type") === "num";
        var cur = th.getAttribute("aria-sort");
        var dir = cur === "descending" ? "ascending" : cur === "ascending" ? "descending"
          : (num && col > 0 ? "descending" : "ascending");
        each(head, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir);
        var m = dir === "ascending" ? 1 : -1;
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          var r = num ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : coll.compare(x, y);
          return r !== 0 ? r * m : a.getAttribute("data-i") - b.getAttribute("data-i");
        });
        var frag = document.createDocumentFragment();
        rows.forEach(function (r) { frag.appendChild(r); });
        body.appendChild(frag);
      });
    });
  });

  each(document.querySelectorAll(".controls[data-for]"), function (box) {
    var table = document.getElementById(box.getAttribute("data-for"));
    if (!table) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = new Map();
    rows.forEach(function (r) { texts.set(r, r.textContent.toLowerCase()); });
    var controls = box.querySelectorAll("[data-f]");
    var out = box.querySelector("output");
    var none = table.parentNode.querySelector(".no-match");
    function apply() {
      var q = "", want = {};
      each(controls, function (c) {
        var f = c.getAttribute("data-f");
        if (f === "text") q = c.value.trim().toLowerCase(); else want[f] = c.value;
      });
      var shown = 0;
      rows.forEach(function (r) {
        var ok = !q || texts.get(r).indexOf(q) >= 0;
        if (ok && want.status) ok = r.getAttribute("data-status") === want.status;
        if (ok && want.kind) ok = (" " + r.getAttribute("data-kinds") + " ").indexOf(" " + want.kind + " ") >= 0;
        if (ok && want.conf) ok = r.getAttribute("data-conf") === want.conf;
        r.hidden = !ok;
        if (ok) shown++;
      });
      out.textContent = shown === rows.length ? fmt(rows.length) + " files"
        : "Showing " + fmt(shown) + " of " + fmt(rows.length) + " files";
      if (none) none.hidden = shown > 0;
    }
    each(controls, function (c) {
      c.addEventListener(c.tagName === "SELECT" ? "change" : "input", apply);
    });
    var reset = box.querySelector("button.reset");
    if (reset) reset.addEventListener("click", function () {
      each(controls, function (c) { c.value = ""; });
      apply();
    });
  });
  root.setAttribute("data-ready", "1");
})();
"#;
