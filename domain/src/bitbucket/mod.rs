//! Bitbucket Cloud as a provider: the credentials a team connects and (growing) the client
//! that speaks Bitbucket's REST API 2.0 and OAuth 2.0 on their behalf.

mod credential;

pub use credential::{AuthMethod, Credential, UnknownAuthMethod};
