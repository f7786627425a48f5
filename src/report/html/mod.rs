//! The HTML audit report (`smimescan report`, `scan --html`): report rows
//! → one [`Aggregate`] (streaming, bounded memory) → one self-contained
//! HTML page with inline SVG charts ([`render()`]).
//!
//! Templates and charts are `maud` markup: every value from a row is
//! escaped by the template and passes through `text::Text`, which makes
//! control characters visible; no value is ever glued into markup by hand.

mod aggregate;
mod chart;
mod read;
mod render;
pub mod text;

pub use aggregate::Aggregate;
pub use read::{read_report, read_reports};
pub use render::{render, Options, EXPIRY_WARN_DAYS, TOP};
