package dev.decode.runner.tutor;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** The tutor against {@link FakeUpstream}, with guards small and short enough to trip within a test. */
public class TutorTestProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "runner.tutor.timeout", "1s",
                "runner.tutor.max-concurrent", "2",
                "runner.tutor.max-waiting", "1",
                "runner.tutor.breaker.window", "4",
                "runner.tutor.breaker.failure-ratio", "1.0",
                "runner.tutor.breaker.delay", "1s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeUpstream.class));
    }
}
