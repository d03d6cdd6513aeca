package dev.decode.runner.platform;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * Turns Render's {@code DATABASE_URL} (or {@code runner.database-url}) into the datasource settings Quarkus reads:
 * the reactive pool's URL and credentials. Without it the local defaults in application.properties apply. Its ordinal sits above application.properties and below explicit properties.
 */
public class DatabaseUrlConfigSourceFactory implements ConfigSourceFactory {

    static final int ORDINAL = 275;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        String variable = "runner.database-url";
        ConfigValue value = context.getValue(variable);
        if (value == null || value.getValue() == null || value.getValue().isBlank()) {
            variable = "DATABASE_URL";
            value = context.getValue(variable);
        }
        if (value == null || value.getValue() == null || value.getValue().isBlank()) {
            return List.of();
        }
        DatabaseUrl url = DatabaseUrl.parse(variable, value.getValue());
        return List.of(new MapBackedConfigSource("DatabaseUrl(" + variable + ")", Map.of(
                "quarkus.datasource.reactive.url", url.reactiveUrl(),
                "quarkus.datasource.username", url.user(),
                "quarkus.datasource.password", url.password()), ORDINAL) {
        });
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }
}
