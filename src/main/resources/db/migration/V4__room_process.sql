-- One RoomDeliveryProcess instance per active room (dev.relay.room). The room row says which
-- instance works the room's queue and whether it waits idle for the next message; intake and the
-- loop decide "wake, start or leave it" under this row's lock.
alter table relay_room add column instance_id varchar(64);
alter table relay_room add column idle boolean default false not null;
alter table relay_room drop column turn_granted_at;

-- A message is WAITING in its room's queue until the room's instance takes it (TAKEN); it never
-- waits again, except when the instance that took it is cancelled before its ACK.
update relay_message set turn_state = 'TAKEN' where turn_state <> 'WAITING';
-- The process instance that waits for this message's delivery report: its room's instance while
-- the ACK gate is open, then its own MessageResendProcess. The webhook correlates to it by id.
alter table relay_message add column report_instance_id varchar(64);
-- When the room's instance took the message: its TURN_GRANTED. The happy path's timeline is read
-- from the message row's times (accepted, taken, first dispatched, delivered, read); only the
-- other steps are rows of relay_message_event.
alter table relay_message add column taken_at timestamp with time zone;
drop index relay_message_waiting;
