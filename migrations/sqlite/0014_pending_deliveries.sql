-- The deliveries waiting to be sent, in the order they are claimed: the claim walks this
-- small index instead of sorting every pending delivery (hook_deliveries keeps delivered rows).
CREATE INDEX hook_deliveries_pending ON hook_deliveries (due_at_ms) WHERE state = 'pending';
