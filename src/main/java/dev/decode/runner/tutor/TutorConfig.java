package dev.decode.runner.tutor;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The AI tutor's upstream and the Fault Tolerance guard around it. */
@ConfigMapping(prefix = "runner.tutor")
public interface TutorConfig {

    /** Any OpenAI-compatible chat-completions base; {@code /chat/completions} is appended. */
    @WithDefault("https://api.groq.com/openai/v1")
    String baseUrl();

    @WithDefault("llama-3.3-70b-versatile")
    String model();

    /** {@code GROQ_API_KEY} (application.properties). Without it the tutor answers 503 and the service runs on. */
    Optional<String> apiKey();

    /** The longest a whole tutor call may take, streamed or not, before the learner gets 504. */
    @WithDefault("30s")
    Duration timeout();

    /** Keeps answers, and so their latency and cost, bounded. */
    @WithDefault("1024")
    int maxTokens();

    /** Tutor calls in flight at once across the service. */
    @WithDefault("10")
    int maxConcurrent();

    /** Calls that may wait for a free slot; beyond them a call is refused at once (at least 1). */
    @WithDefault("10")
    int maxWaiting();

    Breaker breaker();

    interface Breaker {
        /** How many of the latest calls the failure ratio is measured over. */
        @WithDefault("10")
        int window();

        /** The share of failed calls in the window that opens the breaker. */
        @WithDefault("0.5")
        double failureRatio();

        /** How long the breaker stays open before one trial call may pass. */
        @WithDefault("30s")
        Duration delay();
    }
}
