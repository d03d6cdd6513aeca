package dev.decode.runner.tutor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A local chat-completions upstream. The last message of a request says what to do ("scenario=slow id=abc");
 * {@code /control/*} tells the test what the upstream saw, and releases held streams. It is driven over HTTP because
 * the test and this resource may live in different class loaders. One server on one event loop: no locking needed.
 */
public class FakeUpstream implements QuarkusTestResourceLifecycleManager {

    static final String KEY = "gsk_test_key_that_must_never_leak_0123456789";
    private static final Pattern SCENARIO = Pattern.compile("scenario=(\\S+)");
    private static final Pattern ID = Pattern.compile("id=(\\S+)");

    private Vertx vertx;
    private final Map<String, JsonObject> calls = new ConcurrentHashMap<>();
    private final Map<String, Runnable> held = new ConcurrentHashMap<>();
    private final Map<String, HttpServerResponse> responses = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(this::handle);
        int port;
        try {
            port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        } catch (Exception e) {
            throw new IllegalStateException("fake upstream did not start", e);
        }
        return Map.of("runner.tutor.base-url", "http://127.0.0.1:" + port + "/v1", "runner.tutor.api-key", KEY);
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        if (path.startsWith("/control/calls/")) {
            String id = path.substring("/control/calls/".length());
            JsonObject call = calls.getOrDefault(id, new JsonObject().put("received", 0).put("closed", false)).copy();
            HttpServerResponse answering = responses.get(id);
            request.response().putHeader("Content-Type", "application/json")
                    .end(call.put("finished", answering != null && answering.ended()).encode());
        } else if (path.startsWith("/control/release/")) {
            Runnable release = held.remove(path.substring("/control/release/".length()));
            if (release != null) {
                release.run();
            }
            request.response().setStatusCode(release == null ? 404 : 204).end();
        } else if (path.equals("/control/in-flight")) {
            request.response().putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("now", inFlight.get()).put("max", maxInFlight.getAndSet(inFlight.get())).encode());
        } else if (path.equals("/v1/chat/completions") && request.method().name().equals("POST")) {
            request.body().onSuccess(body -> chat(request, body.toJsonObject()));
        } else {
            request.response().setStatusCode(404).end();
        }
    }

    private void chat(HttpServerRequest request, JsonObject body) {
        JsonArray messages = body.getJsonArray("messages");
        String last = messages.getJsonObject(messages.size() - 1).getString("content");
        String scenario = find(SCENARIO, last, "ok");
        String id = find(ID, last, "anonymous");
        JsonObject call = calls.computeIfAbsent(id, ignored -> new JsonObject().put("received", 0));
        call.put("received", call.getInteger("received") + 1).put("closed", false)
                .put("authorization", request.getHeader("Authorization")).put("request", body);
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        HttpServerResponse response = request.response();
        responses.put(id, response);
        AtomicBoolean left = new AtomicBoolean();
        Runnable leave = () -> {
            if (left.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        };
        // Vert.x also calls the end handler when the connection closes, so only ended() tells a finished answer.
        response.endHandler(ignored -> leave.run());
        response.closeHandler(ignored -> {
            if (!response.ended()) {
                call.put("closed", true);
            }
            leave.run();
        });
        boolean stream = body.getBoolean("stream", false);
        switch (scenario) {
            case "slow" -> {
                // Never answers; only the caller can end this exchange.
            }
            case "500" -> response.setStatusCode(500).putHeader("Content-Type", "application/json").end("{\"error\":\"boom\"}");
            case "garbage" -> response.putHeader("Content-Type", "application/json").end("<html>certainly not json");
            case "429" -> response.setStatusCode(429).putHeader("Retry-After", "7").putHeader("Content-Type", "application/json")
                    .end("{\"error\":{\"message\":\"Rate limit reached\"}}");
            default -> {
                if (stream) {
                    stream(response, id, scenario);
                } else {
                    response.putHeader("Content-Type", "application/json").end(completion().encode());
                }
            }
        }
    }

    /** "gated" holds everything after the first piece until released; "hold" holds it for ever; "broken" breaks. */
    private void stream(HttpServerResponse response, String id, String scenario) {
        response.setChunked(true).putHeader("Content-Type", "text/event-stream");
        response.write(chunk("Try "));
        Runnable rest = () -> {
            response.write(": keep-alive comment\n\n");
            response.write(chunk("GROUP "));
            response.write(chunk("BY."));
            response.write("data: " + new JsonObject().put("model", "fake-model").put("choices", new JsonArray())
                    .put("usage", usage()).encode() + "\n\n");
            response.end("data: [DONE]\n\n");
        };
        switch (scenario) {
            case "gated" -> held.put(id, rest);
            case "hold" -> {
            }
            case "broken" -> response.end("data: {\"choices\": [oops\n\n");
            default -> rest.run();
        }
    }

    private static String chunk(String text) {
        JsonObject delta = new JsonObject().put("role", "assistant").put("content", text);
        return "data: " + new JsonObject().put("model", "fake-model")
                .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta))).encode() + "\n\n";
    }

    private static JsonObject completion() {
        JsonObject message = new JsonObject().put("role", "assistant").put("content", "Try GROUP BY.");
        return new JsonObject().put("id", "chatcmpl-1").put("model", "fake-model")
                .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message).put("finish_reason", "stop")))
                .put("usage", usage());
    }

    private static JsonObject usage() {
        return new JsonObject().put("prompt_tokens", 12).put("completion_tokens", 5).put("total_tokens", 17);
    }

    private static String find(Pattern pattern, String text, String fallback) {
        Matcher matcher = pattern.matcher(text == null ? "" : text);
        return matcher.find() ? matcher.group(1) : fallback;
    }
}
