package dev.relay.receipt;

/** A registered device of a user, reached at its push URL. */
record Device(String userId, String deviceId, String pushUrl) {}
