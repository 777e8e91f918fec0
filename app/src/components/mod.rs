pub mod breadcrumbs;
pub mod collections;
pub mod credential_fields;
pub mod flash;
pub mod layout;
pub mod sandbox_notice;
pub mod sync_alerts;
pub mod sync_controls;
