-- Room repair looks for rooms with waiting messages and no turn holder (RoomRepository):
-- without this index that is a full scan of every message ever accepted, every 30 seconds.
create index relay_message_waiting on relay_message (turn_state, room_id);
