pub mod breadcrumbs;
pub mod collections;
pub mod flash;
pub mod layout;
pub mod sandbox_notice;
