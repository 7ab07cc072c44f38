-- Finished messages, their timelines and the provider's reports leave after the retention period
-- (dev.relay.delivery.MessageRetention), found oldest first by these.
create index relay_message_accepted on relay_message (accepted_at);
create index relay_provider_status_received on relay_provider_status (received_at);
