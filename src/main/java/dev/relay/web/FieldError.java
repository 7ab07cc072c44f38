package dev.relay.web;

/** One entry of a validation problem's {@code errors} array. */
public record FieldError(String field, String message) {}
