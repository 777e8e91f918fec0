pub mod auth;
pub mod home;
pub mod integrations;
pub mod integrations_bitbucket;
pub mod invite;
pub mod not_found;
pub mod team_settings;
pub mod teams;
