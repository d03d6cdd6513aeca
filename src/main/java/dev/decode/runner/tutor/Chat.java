package dev.decode.runner.tutor;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The bodies of {@code POST /api/v1/tutor/chat} as the API contract names them. */
final class Chat {

    private Chat() {
    }

    @RegisterForReflection
    record Request(List<Message> messages, Context context, Boolean stream) {

        boolean streamed() {
            return Boolean.TRUE.equals(stream);
        }
    }

    @RegisterForReflection
    record Message(String role, String content) {
    }

    /** The learner's SQL and the error it gave; both optional, both data for the tutor, never instructions. */
    @RegisterForReflection
    record Context(String sql, String error) {
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
