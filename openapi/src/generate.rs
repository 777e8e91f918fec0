//! Postman collections generated from a definition.
