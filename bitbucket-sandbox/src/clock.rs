//! Timestamps in the RFC 3339 form Bitbucket's `date-time` fields use.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub fn now_rfc3339() -> String {
    // Formatting a current UTC time as RFC 3339 cannot fail; the fallback keeps it total.
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}
