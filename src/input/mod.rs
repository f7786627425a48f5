//! Inputs: discovering files and folders, and reading them as messages.
//!
//! Plain files of 1 MiB and more are memory-mapped (no copy; the kernel
//! pages them in as the splitter and the workers touch them), guarded
//! against truncation ([`guard`]); smaller ones are read. gzip and zstd files are read
//! through a streaming decoder in bounded chunks. Every message carries a
//! reference to the buffer it lives in, so a batch of messages keeps its
//! buffers alive exactly as long as it is being analyzed.

pub(crate) mod decompress;
mod discover;
pub mod guard;
mod read;

pub use discover::{discover, Codec, Source};
pub(crate) use discover::{walk, Walk};
pub use read::{
    read_compressed_in_regions, read_source, read_stream_in_chunks, Buf, Message, ReadError,
};
pub(crate) use read::{read_parts, MboxPart, Part, CHUNK};
