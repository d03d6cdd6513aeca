package dev.decode.runner.users;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "runner.users")
public interface UsersConfig {

    TokenCache tokenCache();

    interface TokenCache {
        /**
         * How long a resolved token is trusted without asking PostgreSQL. Short, because another instance's token
         * rotation reaches this one only when the entry expires; this instance's own rotations apply at once.
         */
        @WithDefault("30s")
        Duration ttl();

        @WithDefault("10000")
        int maxSize();
    }
}
