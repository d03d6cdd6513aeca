package dev.decode.runner.jobs;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Jobs cannot run without the dbt CLI, so the service is not ready without it. */
@Readiness
@ApplicationScoped
class DbtHealthCheck implements HealthCheck {

    private final DbtLauncher launcher;
    private final JobsConfig config;

    DbtHealthCheck(DbtLauncher launcher, JobsConfig config) {
        this.launcher = launcher;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("dbt executable").status(launcher.executable().isPresent())
                .withData("configured", config.dbtExecutable()).build();
    }
}
