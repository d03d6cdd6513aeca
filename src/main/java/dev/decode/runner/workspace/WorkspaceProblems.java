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

    /** An archive refused before anything of it was written: {@code why} is a sentence naming the entry. */
    public static ProblemException refusedArchive(String why) {
        return ProblemException.invalidRequest(why + " Your workspace is unchanged.");
    }

    /** An archive its format cannot make sense of: truncated, damaged, or using a feature that is not read. */
    public static ProblemException unreadableArchive(String why) {
        return refusedArchive("The archive cannot be read: " + why);
    }
}
