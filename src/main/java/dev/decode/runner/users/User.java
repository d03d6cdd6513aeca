package dev.decode.runner.users;

import java.time.Instant;

public record User(String username, Instant createdAt) {
}
