//! Where the time of one spreadsheet goes, stage by stage, in one process and one thread:
//!
//! ```text
//! cargo run --release --example sheet_stages -- bench-data/sheet-150000.xlsx
//! ```
//!
//! 1. calamine alone: every cell of every sheet read with the cell reader, nothing kept;
//! 2. extraction: `sheet::extract` (calamine + rendering the TSV text);
//! 3. transport: encoding the segment frames and decoding them again (what crosses the pipe);
//! 4. detection: `Detector::scan` over each sheet as a table;
//! 5. records: what the engine does per finding (mask, fingerprint, cell reference).
use phiscan::detect::{rules::RuleSet, Chunk, Detector, Scratch, Table, TextFormat};
use phiscan::engine::isolate;
use phiscan::extract::document::{DocKind, Request};
use std::time::Instant;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: sheet_stages FILE.xlsx");
    let reps: usize = std::env::args().nth(2).map_or(3, |s| s.parse().unwrap());
    let bytes = std::fs::read(&path).unwrap();
    let req = Request {
        path_hex: String::new(),
        kind: DocKind::Spreadsheet,
        max_text: 256 << 20,
        max_cells: 20_000_000,
    };
    let rules = RuleSet::load(&[] as &[&str]).unwrap();
    let key = phiscan::inventory::key::FingerprintKey::load_or_create(Some(std::path::Path::new(
        "bench-data/bench.key",
    )))
    .unwrap();
    for _ in 0..reps {
        let t = Instant::now();
        let cells = calamine_only(&bytes);
        let t_cal = t.elapsed();

        let t = Instant::now();
        let mut segments = Vec::new();
        let _x = phiscan::extract::sheet::extract(bytes.clone(), &req, &mut |s| segments.push(s));
        let t_ext = t.elapsed();

        let t = Instant::now();
        let mut wire = 0;
        let mut frame = Vec::new();
        let mut back = Vec::new();
        for seg in segments {
            isolate::encode_segment(seg, &mut frame).unwrap();
            wire += frame.len();
            back.push(isolate::decode_segment(&frame[9..]).unwrap());
        }
        let t_tr = t.elapsed();

        let t = Instant::now();
        let mut sc = Scratch::new(&rules);
        let mut out = Vec::new();
        let mut rows = 0;
        let mut format = None;
        for seg in &back {
            rows += seg.rows.len();
            let text = seg.text.as_bytes();
            let header = text
                .split(|&b| b == b'\n')
                .nth(seg.header_line as usize)
                .unwrap_or(b"");
            let cells = String::from_utf8_lossy(header)
                .split('\t')
                .map(str::to_string)
                .collect();
            if !seg.continued {
                format = Some(TextFormat::Table(
                    Table::new(b'\t', cells, &rules).without_quotes(),
                ));
            }
            let chunk = Chunk {
                text,
                from: 0,
                to: text.len(),
                at_start: !seg.continued,
                fhir: None,
            };
            Detector::new(&rules).scan(&mut sc, &chunk, format.as_ref().unwrap(), &mut out);
        }
        let t_det = t.elapsed();

        let t = Instant::now();
        let mut n = 0usize;
        for f in &out {
            let m = phiscan::inventory::mask::mask(f.kind, None, &f.value);
            let fp = key.fingerprint(f.kind.as_str(), &f.value);
            let cell = phiscan::engine::column_letters((f.start % 7) as u32);
            n += m.len() + fp[0] as usize + cell.len();
        }
        let t_rec = t.elapsed();
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        println!(
            "rows {rows} cells {cells} text {} B wire {} B findings {} | calamine {:.0} ms | extract {:.0} ms | transport {:.0} ms | detect {:.0} ms | records {:.0} ms ({n})",
            back.iter().map(|s| s.text.len()).sum::<usize>(),
            wire,
            out.len(),
            ms(t_cal),
            ms(t_ext),
            ms(t_tr),
            ms(t_det),
            ms(t_rec),
        );
    }
}

fn calamine_only(bytes: &[u8]) -> usize {
    use calamine::{open_workbook_auto_from_rs, Reader, Sheets};
    let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut n = 0;
    for name in wb.sheet_names() {
        if let Sheets::Xlsx(x) = &mut wb {
            let mut r = x.worksheet_cells_reader(&name).unwrap();
            while let Ok(Some(c)) = r.next_cell() {
                n += 1 + c.get_position().0 as usize % 2;
            }
        }
    }
    n
}
