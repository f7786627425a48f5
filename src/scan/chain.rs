//! Chain judgement of the signer certificate (filled by the PKI stage).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::pki::Cert;
use crate::policy::Finding;
use crate::report::Row;

use super::Context;

/// Fills `chain` and the chain findings. Until the PKI stage lands the chain
/// is left empty.
pub fn judge(
    _row: &mut Row,
    _findings: &mut BTreeSet<Finding>,
    _signer: &Arc<Cert>,
    _message_certs: &[Arc<Cert>],
    _at: i64,
    _ctx: &Context,
) {
}
