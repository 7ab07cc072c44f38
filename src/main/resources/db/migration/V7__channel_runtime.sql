-- A channel's run-time state, shared by every node (dev.relay.channel.ChannelGuard): its rate
-- limit (PATCH /api/channels/{name}), the pacing of its provider calls and its circuit. Every
-- change is made under this row's lock, so the limit and the circuit hold across the cluster.
create table relay_channel (
    name                  varchar(64) primary key,
    -- provider calls per second across the cluster; null: unlimited
    rate_limit            double precision,
    -- relay.channels.<name>.rate-limit as last seen at start: a changed setting replaces rate_limit
    configured_rate_limit double precision,
    -- epoch milliseconds before which the next call must not start (the calls' pacing)
    next_call_at          bigint      default 0 not null,
    circuit               varchar(9)  default 'CLOSED' not null,
    circuit_since         timestamp with time zone not null,
    -- transient failures in a row (CLOSED), trial calls let through and succeeded (HALF_OPEN)
    failures              integer     default 0 not null,
    trials                integer     default 0 not null,
    trial_successes       integer     default 0 not null
);

-- Until when the message's next provider call is held back by its channel's circuit or rate
-- limit (the API's "waiting"); cleared when the provider takes an attempt.
alter table relay_message add column held_until timestamp with time zone;
create index relay_message_held on relay_message (channel, held_until);
