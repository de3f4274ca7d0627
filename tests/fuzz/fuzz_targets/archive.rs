//! Archives (run in the scanning process): `archive::for_each_member` for every kind, with
//! small limits, recursing into members like the engine does. The budget of uncompressed
//! bytes is a hard bound: all members at all depths together never exceed it, and no member
//! exceeds the member size limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phiscan::extract::archive::{
    for_each_member, ArchiveKind, Budget, Limits, MemberData, MAX_BOMBS,
};
use std::io::Cursor;

const KINDS: [ArchiveKind; 6] = [
    ArchiveKind::Zip,
    ArchiveKind::Tar,
    ArchiveKind::Gzip,
    ArchiveKind::Bzip2,
    ArchiveKind::Xz,
    ArchiveKind::SevenZ,
];

fn limits() -> Limits {
    Limits {
        max_members: 64,
        max_member_size: 1 << 20,
        max_total: 4 << 20,
        max_ratio: 200,
        max_depth: 3,
    }
}

fn walk(
    kind: ArchiveKind,
    data: &[u8],
    name: &str,
    depth: u32,
    lim: &Limits,
    budget: &Budget,
    total: &mut u64,
) {
    let mut members = Vec::new();
    let _ = for_each_member(kind, &mut Cursor::new(data), name, lim, budget, &mut |m| {
        if let MemberData::Bytes(b) = &m.data {
            assert!(
                b.len() as u64 <= lim.max_member_size,
                "member over the size limit"
            );
        }
        members.push(m)
    });
    for m in members {
        if let MemberData::Bytes(b) = m.data {
            *total += b.len() as u64;
            assert!(
                *total <= lim.max_total,
                "members exceed the budget: {total}"
            );
            if depth + 1 < lim.max_depth && budget.bombs.get() < MAX_BOMBS {
                if let Some(k) = ArchiveKind::sniff(&b[..b.len().min(64 * 1024)]) {
                    walk(k, &b, &m.name, depth + 1, lim, budget, total);
                }
            }
        } else if matches!(m.data, MemberData::Bomb(_)) {
            budget.bombs.set(budget.bombs.get() + 1);
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&sel, data)) = input.split_first() else {
        return;
    };
    // The engine opens what the magic bytes say; also force every kind on any bytes.
    let kind = ArchiveKind::sniff(data).unwrap_or(KINDS[sel as usize % KINDS.len()]);
    let names = ["a.gz", "b.tar.gz", "c.tgz", "d.bz2", "e.xz", "f", ".gz"];
    let lim = limits();
    let budget = Budget::new(lim.max_total);
    let mut total = 0;
    walk(
        kind,
        data,
        names[(sel as usize / 8) % names.len()],
        0,
        &lim,
        &budget,
        &mut total,
    );
});
