-- The nodes using an H2 database, each seen every few seconds (dev.relay.jdbc.H2SingleNode): H2
-- is for one node, and a second one is told so at its start. PostgreSQL nodes do not write here.
create table relay_node (
  node_id varchar(64) primary key,
  host varchar(255) not null,
  seen_at timestamp with time zone not null
);
