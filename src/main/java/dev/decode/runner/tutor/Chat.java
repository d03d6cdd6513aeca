package dev.decode.runner.tutor;

import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The bodies of {@code POST /api/v1/tutor/chat} as the API contract names them. */
final class Chat {

    static final int MAX_MESSAGES = 20;
    static final int MAX_CHARACTERS = 8000;
    private static final String ROLE_RULE = "must be 'user' or 'assistant'";

    private Chat() {
    }

    @RegisterForReflection
    record Request(
            @NotEmpty(message = "must hold at least one message")
            @Size(max = MAX_MESSAGES, message = "may hold at most {max} messages; drop the oldest turns")
            List<@NotNull(message = ROLE_RULE) @Valid Message> messages,
            @Valid Context context,
            Boolean stream) {

        boolean streamed() {
            return Boolean.TRUE.equals(stream);
        }
    }

    @RegisterForReflection
    record Message(
            @NotNull(message = ROLE_RULE) @Pattern(regexp = "user|assistant", message = ROLE_RULE) String role,
            @NotBlank(message = "must not be empty") @Size(max = MAX_CHARACTERS, message = "is longer than {max} characters") String content) {
    }

    /** The learner's SQL and the error it gave; both optional, both data for the tutor, never instructions. */
    @RegisterForReflection
    record Context(
            @Size(max = MAX_CHARACTERS, message = "is longer than {max} characters") String sql,
            @Size(max = MAX_CHARACTERS, message = "is longer than {max} characters") String error) {
    }

    @RegisterForReflection
    record Reply(String reply, String model, Usage usage) {
    }

    @RegisterForReflection
    record Usage(Integer promptTokens, Integer completionTokens) {
    }

    /** {@code event: delta} */
    @RegisterForReflection
    record Delta(String text) {
    }

    /** {@code event: end}; usage only when the upstream told it. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record End(String model, Usage usage) {
    }
}
