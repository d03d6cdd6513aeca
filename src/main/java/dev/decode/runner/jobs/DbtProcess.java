package dev.decode.runner.jobs;

import java.io.IOException;
import java.io.InputStream;

/**
 * A running dbt of one job, the leader of its own process group: a plain process the service started, or a child
 * forked from the warm runtime ({@link WarmRuntime}).
 */
interface DbtProcess {

    /** The process id, which is also its group's. */
    long pid();

    /** dbt's stdout and stderr merged, to its end. */
    InputStream output() throws IOException;

    /** Blocking: dbt's exit code (128 + the signal when a signal ended it); null when it cannot be known. */
    Integer waitFor() throws InterruptedException;

    static DbtProcess of(Process process) {
        return new DbtProcess() {
            @Override
            public long pid() {
                return process.pid();
            }

            @Override
            public InputStream output() {
                return process.getInputStream();
            }

            @Override
            public Integer waitFor() throws InterruptedException {
                return process.waitFor();
            }
        };
    }
}
