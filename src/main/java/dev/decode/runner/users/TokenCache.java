package dev.decode.runner.users;

import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.smallrye.mutiny.Uni;

/**
 * Token hash to principal, so that a known token costs no PostgreSQL round trip. Unknown hashes are cached too: a
 * token is 256 random bits, so no hash looked up before a token was issued can ever belong to it. Rotating a token
 * or deleting a user forgets that user's entries at once on this instance; other instances sharing the database
 * learn of it when their entry expires ({@code runner.users.token-cache.ttl}).
 */
@ApplicationScoped
class TokenCache {

    private final Cache<String, Optional<Principal>> byHash;
    /** Bumped by every {@link #forget}; a lookup that raced one is used once but not cached. */
    private long generation;

    TokenCache(UsersConfig config) {
        this.byHash = Caffeine.newBuilder()
                .maximumSize(config.tokenCache().maxSize())
                .expireAfterWrite(config.tokenCache().ttl())
                .executor(Runnable::run)
                .build();
    }

    Uni<Optional<Principal>> resolve(byte[] tokenHash, Supplier<Uni<Optional<Principal>>> lookup) {
        String key = HexFormat.of().formatHex(tokenHash);
        Optional<Principal> known = byHash.getIfPresent(key);
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        long seen = generation();
        return lookup.get().invoke(found -> remember(key, found, seen));
    }

    synchronized void forget(String username) {
        generation++;
        byHash.asMap().values().removeIf(principal -> principal.filter(p -> p.name().equals(username)).isPresent());
    }

    private synchronized long generation() {
        return generation;
    }

    private synchronized void remember(String key, Optional<Principal> principal, long seen) {
        if (generation == seen) {
            byHash.put(key, principal);
        }
    }
}
