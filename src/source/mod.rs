//! Sources: where bytes come from. A source yields files (a path for the inventory and a way
//! to read them); it parses nothing. Local trees today; FTP next (issue 4).

pub mod ftp;
pub mod local;
