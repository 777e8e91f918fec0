-- Deployment-wide facts (instance id, schema notes) as key/value pairs.
CREATE TABLE ferry_meta (
    key           TEXT PRIMARY KEY NOT NULL,
    value         TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
