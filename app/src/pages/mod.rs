pub mod auth;
pub mod home;
pub mod invite;
pub mod not_found;
pub mod team_settings;
pub mod teams;
