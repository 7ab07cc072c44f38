-- The message a room's instance works on is its latest TAKEN message (the room view's turnHolder),
-- so moving on to the next one no longer writes the room row: the working instance takes its next
-- message without the room's lock, and intake does not wait for it (dev.relay.room.RoomQueue).
alter table relay_room drop column turn_holder;
