package dev.decode.runner.platform.errors;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The RFC 9457 body every error answer carries; {@code headers} travel beside it, not in it. */
@RegisterForReflection
public record Problem(String type, String title, int status, String detail, String instance,
        @JsonIgnore Map<String, String> headers) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(ProblemException e, String instance) {
        return new Problem("/problems/" + e.slug(), e.title(), e.status(), e.detail(), instance, e.headers());
    }
}
