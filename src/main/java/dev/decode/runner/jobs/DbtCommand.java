package dev.decode.runner.jobs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.decode.runner.platform.errors.ProblemException;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What a learner asked dbt to do, validated into the arguments that follow {@code dbt}: each selector token and the
 * vars are separate argv entries, never text for a shell.
 */
record DbtCommand(String command, List<String> args) {

    private static final Set<String> SELECTING = Set.of("build", "run", "test", "seed", "compile", "ls");
    private static final Set<String> REFRESHING = Set.of("build", "run", "seed");
    /** Commands whose dbt subcommand differs from their name. */
    private static final Map<String, List<String>> SUBCOMMANDS = Map.of("docs", List.of("docs", "generate"));
    private static final int MAX_VARS_LENGTH = 10_000;

    /**
     * Selectors become argv entries split on spaces, so no part may start with '-', where dbt would read it as an option.
     * Which fields apply to which command is {@link #from}'s to say.
     */
    @RegisterForReflection
    public record Request(
            @NotNull(message = COMMAND_RULE) @Pattern(regexp = "build|run|test|seed|compile|parse|ls|debug|deps|docs", message = COMMAND_RULE)
            String command,
            @Pattern(regexp = SELECTOR, message = SELECTOR_RULE) String select,
            @Pattern(regexp = SELECTOR, message = SELECTOR_RULE) String exclude,
            Boolean fullRefresh,
            Map<String, Object> vars) {

        private static final String COMMAND_RULE = "must be one of build, run, test, seed, compile, parse, ls, debug, deps, docs";
        private static final String SELECTOR = "(?!-)(?!.* -)[A-Za-z0-9_.:+*@,/ -]{0,500}";
        private static final String SELECTOR_RULE = "may hold only letters, digits, spaces and _ . : + * @ , / - and no part of it may start with '-'";
    }

    /** {@code request} has passed its constraints. */
    static DbtCommand from(Request request, ObjectMapper json) {
        String command = request.command();
        List<String> args = new ArrayList<>(SUBCOMMANDS.getOrDefault(command, List.of(command)));
        selector(command, "select", request.select(), args);
        selector(command, "exclude", request.exclude(), args);
        if (Boolean.TRUE.equals(request.fullRefresh())) {
            if (!REFRESHING.contains(command)) {
                throw ProblemException.invalidRequest("The field 'fullRefresh' applies only to build, run and seed.");
            }
            args.add("--full-refresh");
        }
        if (request.vars() != null && !request.vars().isEmpty()) {
            args.add("--vars");
            args.add(vars(request.vars(), json));
        }
        return new DbtCommand(command, List.copyOf(args));
    }

    private static void selector(String command, String field, String value, List<String> args) {
        if (value == null || value.isBlank()) {
            return;
        }
        if (!SELECTING.contains(command)) {
            throw ProblemException.invalidRequest("The field '" + field + "' does not apply to " + command + ".");
        }
        args.add("--" + field);
        args.addAll(Arrays.asList(value.trim().split(" +")));
    }

    /** JSON is YAML, which is what {@code --vars} reads. */
    private static String vars(Map<String, Object> vars, ObjectMapper json) {
        try {
            String text = json.writeValueAsString(vars);
            if (text.length() > MAX_VARS_LENGTH) {
                throw ProblemException.invalidRequest("The field 'vars' may hold at most " + MAX_VARS_LENGTH + " characters of JSON.");
            }
            return text;
        } catch (JsonProcessingException e) {
            throw ProblemException.invalidRequest("The field 'vars' must be a JSON object.");
        }
    }
}
