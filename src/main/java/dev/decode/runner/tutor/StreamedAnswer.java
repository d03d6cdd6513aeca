package dev.decode.runner.tutor;

import java.util.List;

/** Gathers a streamed answer while its pieces are relayed, so the stream can end with the model and usage. */
final class StreamedAnswer {

    private final StringBuilder text = new StringBuilder();
    private String model;
    private ChatCompletions.Usage usage;
    private boolean anyChunk;

    StreamedAnswer(String requestedModel) {
        this.model = requestedModel;
    }

    void add(ChatCompletions.Response chunk, Relay relay) {
        anyChunk = true;
        if (chunk.model() != null) {
            model = chunk.model();
        }
        if (chunk.anyUsage() != null) {
            usage = chunk.anyUsage();
        }
        List<ChatCompletions.Choice> choices = chunk.choices();
        if (choices != null && !choices.isEmpty() && choices.get(0).delta() != null) {
            String piece = choices.get(0).delta().content();
            if (piece != null && !piece.isEmpty()) {
                text.append(piece);
                relay.delta(piece);
            }
        }
    }

    Answer result() {
        if (!anyChunk) {
            throw new IllegalStateException("stream ended without a chunk");
        }
        return new Answer(text.toString(), model, Answer.usage(usage));
    }
}
