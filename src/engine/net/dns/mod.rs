//! The DNS responder of user-defined networks, aardvark-dns's part: the
//! holder serves it on each network's gateway, port 53. A container's name
//! or alias resolves on its networks only, and at once for everyone there;
//! every other name goes to the host's resolvers.
//!
//! answer.rs decides, records.rs is what it asks, resolv.rs reads the
//! host's nameservers.

mod answer;
mod records;
mod resolv;

pub use answer::{answer, Answer};
pub use records::{Records, SEARCH_DOMAIN};
pub use resolv::nameservers;

#[cfg(test)]
mod fixture;
