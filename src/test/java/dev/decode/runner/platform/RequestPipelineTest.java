package dev.decode.runner.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.vertx.core.http.HttpMethod;

class RequestPipelineTest {

    @Test
    void filtersRunAuthenticationThenLimitsThenAccess() {
        assertThat(RequestPipeline.AUTHENTICATE).isGreaterThan(RequestPipeline.LIMIT);
        assertThat(RequestPipeline.LIMIT).isGreaterThan(RequestPipeline.AUTHORIZE);
    }

    @Test
    void onlyPostsOfQueriesJobsAndTutorChatsAreExpensive() {
        for (String path : new String[] {"/api/v1/queries", "/api/v1/jobs/", "/api/v1/tutor/chat"}) {
            assertThat(RequestPipeline.isExpensive(HttpMethod.POST, path)).as(path).isTrue();
            assertThat(RequestPipeline.isExpensive(HttpMethod.GET, path)).as(path).isFalse();
        }
        assertThat(RequestPipeline.isExpensive(HttpMethod.POST, "/api/v1/jobs/abc/cancel")).isFalse();
        assertThat(RequestPipeline.isExpensive(HttpMethod.POST, "/api/v1/users")).isFalse();
    }

    @Test
    void logStreamsAreTheGetsOfOneJobsLogs() {
        assertThat(RequestPipeline.isLogStream(HttpMethod.GET, "/api/v1/jobs/abc/logs")).isTrue();
        assertThat(RequestPipeline.isLogStream(HttpMethod.GET, "/api/v1/jobs/abc/logs/")).isTrue();
        assertThat(RequestPipeline.isLogStream(HttpMethod.POST, "/api/v1/jobs/abc/logs")).isFalse();
        assertThat(RequestPipeline.isLogStream(HttpMethod.GET, "/api/v1/jobs//logs")).isFalse();
        assertThat(RequestPipeline.isLogStream(HttpMethod.GET, "/api/v1/jobs/abc/logsx")).isFalse();
        assertThat(RequestPipeline.isLogStream(HttpMethod.GET, "/api/v1/jobs/abc/artifacts/logs")).isFalse();
    }

    @Test
    void onlyThePutOfTheWorkspaceIsAnArchiveUpload() {
        assertThat(RequestPipeline.isArchiveUpload(HttpMethod.PUT, "/api/v1/workspace")).isTrue();
        assertThat(RequestPipeline.isArchiveUpload(HttpMethod.PUT, "/api/v1/workspace/")).isTrue();
        assertThat(RequestPipeline.isArchiveUpload(HttpMethod.GET, "/api/v1/workspace")).isFalse();
        assertThat(RequestPipeline.isArchiveUpload(HttpMethod.PUT, "/api/v1/workspace/files/models/a.sql")).isFalse();
        assertThat(RequestPipeline.isArchiveUpload(HttpMethod.PUT, "/api/v1/workspaces")).isFalse();
    }
}
