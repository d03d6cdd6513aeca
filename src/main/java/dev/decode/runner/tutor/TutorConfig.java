package dev.decode.runner.tutor;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The AI tutor's upstream and its guards. The guard values also drive the SmallRye Fault Tolerance annotations on
 * {@link TutorUpstream} (see {@link TutorGuardSettings}), so each is set in one place.
 */
@ConfigMapping(prefix = "runner.tutor")
public interface TutorConfig {

    String DEFAULT_TIMEOUT = "30s";
    String DEFAULT_MAX_CONCURRENT = "10";
    String DEFAULT_MAX_WAITING = "10";
    String DEFAULT_BREAKER_WINDOW = "10";
    String DEFAULT_BREAKER_FAILURE_RATIO = "0.5";
    String DEFAULT_BREAKER_DELAY = "30s";

    /** Any OpenAI-compatible chat-completions base; {@code /chat/completions} is appended. */
    @WithDefault("https://api.groq.com/openai/v1")
    String baseUrl();

    @WithDefault("llama-3.3-70b-versatile")
    String model();

    /** {@code GROQ_API_KEY} (application.properties). Without it the tutor answers 503 and the service runs on. */
    Optional<String> apiKey();

    /** The longest a whole tutor call may take, streamed or not, before the learner gets 504. */
    @WithDefault(DEFAULT_TIMEOUT)
    Duration timeout();

    /** Keeps answers, and so their latency and cost, bounded. */
    @WithDefault("1024")
    int maxTokens();

    /** Tutor calls in flight at once across the service. */
    @WithDefault(DEFAULT_MAX_CONCURRENT)
    int maxConcurrent();

    /** Calls that may wait for a free slot; beyond them a call is refused at once (at least 1). */
    @WithDefault(DEFAULT_MAX_WAITING)
    int maxWaiting();

    Breaker breaker();

    interface Breaker {
        /** How many of the latest calls the failure ratio is measured over. */
        @WithDefault(DEFAULT_BREAKER_WINDOW)
        int window();

        /** The share of failed calls in the window that opens the breaker. */
        @WithDefault(DEFAULT_BREAKER_FAILURE_RATIO)
        double failureRatio();

        /** How long the breaker stays open before one trial call may pass. */
        @WithDefault(DEFAULT_BREAKER_DELAY)
        Duration delay();
    }
}
