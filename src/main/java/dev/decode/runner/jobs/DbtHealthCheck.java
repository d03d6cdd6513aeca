package dev.decode.runner.jobs;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Jobs cannot run without the dbt CLI, so the service is not ready without it; {@code jobs} tells whether they fork
 * from the warm runtime or run as plain processes, and why.
 */
@Readiness
@ApplicationScoped
class DbtHealthCheck implements HealthCheck {

    private final DbtLauncher launcher;
    private final JobsConfig config;
    private final WarmRuntime runtime;

    DbtHealthCheck(DbtLauncher launcher, JobsConfig config, WarmRuntime runtime) {
        this.launcher = launcher;
        this.config = config;
        this.runtime = runtime;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("dbt executable").status(launcher.executable().isPresent())
                .withData("configured", config.dbtExecutable()).withData("jobs", runtime.state()).build();
    }
}
