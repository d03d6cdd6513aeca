package dev.decode.runner.tutor;

/** What the upstream answered, whole or gathered from its stream. */
record Answer(String reply, String model, Chat.Usage usage) {

    static Chat.Usage usage(ChatCompletions.Usage usage) {
        return usage == null ? null : new Chat.Usage(usage.promptTokens(), usage.completionTokens());
    }
}
