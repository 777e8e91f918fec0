pub mod flash;
pub mod layout;
