package dev.decode.runner.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One line of dbt's {@code --log-format json} output, reduced to what the job shows: the log line itself and, when
 * the line is about a node, that node's state. A line that is not JSON (a Python traceback) is kept as plain text.
 */
record DbtEvent(String name, String level, String msg, String nodeId, String resourceType, String nodeStatus,
        Double executionTime, String resultMessage, Integer total) {

    /** dbt's summary line of a failed node; its message is the error the learner needs. */
    static final String RUN_RESULT_ERROR = "RunResultError";

    static DbtEvent parse(String line, ObjectMapper json) {
        if (!line.startsWith("{")) {
            return plain(line);
        }
        try {
            JsonNode root = json.readTree(line);
            JsonNode info = root.path("info");
            JsonNode data = root.path("data");
            JsonNode node = data.path("node_info");
            String status = text(node.path("node_status"));
            return new DbtEvent(text(info.path("name")), info.path("level").asText("info"), info.path("msg").asText(""),
                    text(node.path("unique_id")), text(node.path("resource_type")), "None".equals(status) ? null : status,
                    data.path("execution_time").isNumber() ? data.path("execution_time").asDouble() : null,
                    text(data.path("result_message")), total(data));
        } catch (java.io.IOException e) {
            return plain(line);
        }
    }

    static DbtEvent plain(String line) {
        return new DbtEvent(null, "info", line, null, null, null, null, null, null);
    }

    /** The message a node's row should show: dbt's error text for failures, its result message otherwise. */
    String nodeMessage() {
        return RUN_RESULT_ERROR.equals(name) ? msg.strip() : resultMessage;
    }

    /** Node events carry {@code total}; the concurrency line before them carries {@code node_count}. */
    private static Integer total(JsonNode data) {
        if (data.path("total").isInt()) {
            return data.path("total").asInt();
        }
        return data.path("node_count").isInt() ? data.path("node_count").asInt() : null;
    }

    private static String text(JsonNode node) {
        return node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
    }
}
