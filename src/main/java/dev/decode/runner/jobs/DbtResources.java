package dev.decode.runner.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The Python files the service hands to dbt's environment, shipped as resources below {@code dbt/}. */
final class DbtResources {

    private DbtResources() {
    }

    static String text(String name) {
        try (InputStream in = DbtResources.class.getClassLoader().getResourceAsStream("dbt/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the resource dbt/" + name + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
