-- The dispatch -> delivery ACK delays of channels whose ack-gate-timeout is auto
-- (dev.relay.channel.AckGates): each node counts the ACKs it takes by 5-second slices and
-- writes each closed slice once, as a few rows of (bucket, samples); every node learns each
-- channel's gate from all nodes' rows of the last minutes. Rows older than an hour are deleted.
create table relay_ack_delay (
    channel     varchar(64)              not null,
    slice_start timestamp with time zone not null,
    node_id     varchar(36)              not null,
    bucket      smallint                 not null,
    samples     integer                  not null,
    primary key (channel, slice_start, node_id, bucket)
);
