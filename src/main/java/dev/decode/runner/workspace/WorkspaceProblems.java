package dev.decode.runner.workspace;

import dev.decode.runner.platform.errors.ProblemException;

/** The workspace's problem types from the API contract. */
public final class WorkspaceProblems {

    private WorkspaceProblems() {
    }

    public static ProblemException invalidPath(String detail) {
        return new ProblemException(400, "invalid-path", "Invalid path", detail);
    }

    public static ProblemException quotaExceeded(String detail) {
        return new ProblemException(413, "quota-exceeded", "Quota exceeded", detail);
    }
}
