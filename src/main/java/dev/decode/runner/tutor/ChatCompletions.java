package dev.decode.runner.tutor;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The OpenAI chat-completions wire format, as far as the tutor speaks it. */
final class ChatCompletions {

    private ChatCompletions() {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Request(String model, List<Message> messages, boolean stream,
            @JsonProperty("max_tokens") int maxTokens,
            @JsonProperty("stream_options") StreamOptions streamOptions) {
    }

    @RegisterForReflection
    record StreamOptions(@JsonProperty("include_usage") boolean includeUsage) {
    }

    @RegisterForReflection
    record Message(String role, String content) {
    }

    /** A whole answer, or one streamed chunk of it (then {@code delta} replaces {@code message}). */
    @RegisterForReflection
    record Response(String model, List<Choice> choices, Usage usage, @JsonProperty("x_groq") GroqExtras groq) {

        /** OpenAI sends usage in a last chunk when asked; Groq also puts it beside its own chunk. */
        Usage anyUsage() {
            return usage != null ? usage : groq == null ? null : groq.usage();
        }
    }

    @RegisterForReflection
    record Choice(Message message, Message delta) {
    }

    @RegisterForReflection
    record Usage(@JsonProperty("prompt_tokens") Integer promptTokens,
            @JsonProperty("completion_tokens") Integer completionTokens) {
    }

    @RegisterForReflection
    record GroqExtras(Usage usage) {
    }
}
