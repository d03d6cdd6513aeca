package dev.decode.runner.jobs;

import static dev.decode.runner.support.Api.as;
import static dev.decode.runner.support.Api.createUser;
import static dev.decode.runner.support.Api.uniqueUsername;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * Projects as courses ship them build unchanged with the real dbt: CSV seeds load through dbt-duckdb's fast path
 * (DuckDB reads the seed files itself) while DuckDB's file access stays off for everything else, and folders that
 * {@code dbt_project.yml} names take the place of the standard ones.
 */
@QuarkusTest
class ProjectLayoutsTest {

    /** dbt prints the SQL it runs at debug level, so the log shows how each seed was loaded. */
    private static final String DEBUG_FLAGS = "flags:\n  log_level: debug\n";

    private record Learner(String token, Path workspace) {
    }

    /** A learner whose workspace holds only the given files, all uploaded through the file API. */
    private static Learner learner(String prefix, Map<String, String> files) throws IOException {
        String username = uniqueUsername(prefix);
        String token = createUser(username);
        as(token).contentType(ContentType.JSON).body(Map.of("template", "empty")).post("/api/v1/workspace/reset").then().statusCode(200);
        files.forEach((path, content) -> JobApi.put(token, path, content));
        return new Learner(token, JobApi.userDir(username).resolve("workspace").toRealPath());
    }

    private static String log(Learner learner, String id) {
        return as(learner.token()).accept("text/plain").get("/api/v1/jobs/" + id + "/logs").asString();
    }

    private static JsonPath run(Learner learner, Map<String, Object> job) {
        return JobApi.awaitEnd(learner.token(), JobApi.submit(learner.token(), job), Duration.ofMinutes(3));
    }

    @Test
    void csvSeedsLoadThroughTheFastPathWithoutAnyProjectSetting() throws IOException {
        Learner learner = learner("seeder", Map.of(
                "dbt_project.yml", "name: seeded\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: decode\n" + DEBUG_FLAGS,
                "seeds/customers.csv", "id,name\n1,Ada\n2,Grace\n3,Edsger\n",
                "seeds/lookup/tiers.csv", "id,tier\n1,gold\n2,silver\n3,bronze\n",
                "models/customer_tiers.sql", "select c.id, c.name, t.tier from {{ ref('customers') }} c join {{ ref('tiers') }} t using (id)\n",
                "models/schema.yml", "models:\n  - name: customer_tiers\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n"));

        JsonPath job = run(learner, Map.of("command", "build"));

        String log = log(learner, job.getString("id"));
        assertThat(job.getString("status")).as(log).isEqualTo("succeeded");
        assertThat(job.getList("nodes.uniqueId")).contains("seed.seeded.customers", "seed.seeded.tiers", "model.seeded.customer_tiers");
        assertThat(job.getList("nodes.status")).containsOnly("success", "pass");
        assertThat(job.getString("nodes.find { it.uniqueId == 'seed.seeded.customers' }.message")).isEqualTo("INSERT 3");
        assertThat(log).contains("COPY \"warehouse\".\"main\".\"customers\" FROM 'seeds/customers.csv'",
                "COPY \"warehouse\".\"main\".\"tiers\" FROM 'seeds/lookup/tiers.csv'");
    }

    @Test
    void modelsStillReadNoFileButTheSeedsAndCreateNone() throws IOException {
        Learner learner = learner("prober", Map.of(
                "dbt_project.yml", "name: probe\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: decode\n",
                "seeds/allowed.csv", "id\n1\n",
                "models/notes.csv", "id\n42\n"));
        String workspace = learner.workspace().toString();
        Map<String, String> probes = Map.of(
                "own_seed", "select * from read_csv('" + workspace + "/seeds/allowed.csv')",
                "models_folder", "select * from read_csv('" + workspace + "/models/notes.csv')",
                "climbing_out_of_seeds", "select * from read_csv('" + workspace + "/seeds/../models/notes.csv')",
                "model_source", "select * from read_text('" + workspace + "/models/own_seed.sql')",
                "system_file", "select * from read_csv('/etc/passwd')",
                "seed_folder_listing", "select * from glob('" + workspace + "/seeds/*.sql')",
                "widening_the_list", "{{ config(pre_hook=\"SET allowed_paths = ['/etc/passwd']\") }}\nselect * from read_csv('/etc/passwd')",
                "planting_a_file", "{{ config(pre_hook=\"COPY (select 'select 1' as sql) TO '" + workspace
                        + "/seeds/planted.sql' (HEADER false)\") }}\nselect 1 as one");
        probes.forEach((name, sql) -> JobApi.put(learner.token(), "models/" + name + ".sql", sql + "\n"));

        JsonPath job = run(learner, Map.of("command", "build"));

        String log = log(learner, job.getString("id"));
        assertThat(job.getString("status")).as(log).isEqualTo("failed");
        assertThat(job.getString("nodes.find { it.uniqueId == 'seed.probe.allowed' }.status")).isEqualTo("success");
        assertThat(job.getString("nodes.find { it.uniqueId == 'model.probe.own_seed' }.status")).isEqualTo("success");
        for (String refused : List.of("models_folder", "climbing_out_of_seeds", "model_source", "system_file", "seed_folder_listing",
                "planting_a_file")) {
            String node = "nodes.find { it.uniqueId == 'model.probe." + refused + "' }";
            assertThat(job.getString(node + ".status")).as(refused).isEqualTo("error");
            assertThat(job.getString(node + ".message")).as(refused).contains("Permission Error", "disabled by configuration");
        }
        assertThat(job.getString("nodes.find { it.uniqueId == 'model.probe.widening_the_list' }.message"))
                .contains("Cannot change allowed_paths when enable_external_access is disabled");
        assertThat(log).doesNotContain("root:x:0:0");
        assertThat(learner.workspace().resolve("seeds/planted.sql")).doesNotExist();
    }

    @Test
    void aSeedFolderThatIsALinkOutOfTheWorkspaceIsRefusedBeforeDbtStarts() throws IOException {
        Learner learner = learner("linker", Map.of(
                "dbt_project.yml", "name: linked\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: decode\n",
                "models/one.sql", "select 1 as one\n"));
        Path userDir = learner.workspace().getParent();
        Path outside = Files.createDirectories(userDir.getParent().resolveSibling("outside-workspaces").resolve(userDir.getFileName()));
        Files.writeString(outside.resolve("borrowed.csv"), "id\n7\n");
        Files.createSymbolicLink(learner.workspace().resolve("seeds"), outside);

        JsonPath job = run(learner, Map.of("command", "seed"));

        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getString("exitCode")).isNull();
        assertThat(log(learner, job.getString("id"))).contains("dbt did not start", "'seeds' is a link that leads outside your workspace");
    }

    @Test
    void aProjectWithItsOwnFolderNamesBuilds() throws IOException {
        Learner learner = learner("layout", Map.of(
                "dbt_project.yml", "name: shop\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: decode\n"
                        + "model-paths: [\"transform\"]\nseed-paths: [\"data/\"]\ntest-paths: [\"data-tests\"]\n"
                        + "macro-paths: [\"jinja/macros\"]\nanalysis-paths: [\"explore\"]\ndocs-paths: [\"transform\", \"docs\"]\n"
                        + DEBUG_FLAGS));
        Map<String, String> files = Map.of(
                "data/raw_orders.csv", "id,amount_cents\n1,1250\n2,990\n3,4000\n",
                "jinja/macros/to_euros.sql", "{% macro to_euros(column) %}({{ column }} / 100.0){% endmacro %}\n",
                "transform/staging/stg_orders.sql", "select id, {{ to_euros('amount_cents') }} as amount from {{ ref('raw_orders') }}\n",
                "transform/marts/revenue.sql", "{{ config(materialized='table') }}\nselect sum(amount) as revenue from {{ ref('stg_orders') }}\n",
                "transform/schema.yml", "models:\n  - name: stg_orders\n    description: '{{ doc(\"stg_orders\") }}'\n    columns:\n"
                        + "      - name: id\n        data_tests: [unique, not_null]\n",
                "docs/orders.md", "{% docs stg_orders %}One row per order, amounts in euros.{% enddocs %}\n",
                "data-tests/revenue_is_positive.sql", "select * from {{ ref('revenue') }} where revenue <= 0\n",
                "explore/biggest_orders.sql", "select * from {{ ref('stg_orders') }} order by amount desc\n");
        files.forEach((path, content) -> JobApi.put(learner.token(), path, content));

        JsonPath job = run(learner, Map.of("command", "build"));

        String log = log(learner, job.getString("id"));
        assertThat(job.getString("status")).as(log).isEqualTo("succeeded");
        assertThat(job.getList("nodes.uniqueId")).contains("seed.shop.raw_orders", "model.shop.stg_orders", "model.shop.revenue",
                "test.shop.revenue_is_positive");
        assertThat(job.getList("nodes.uniqueId", String.class)).anyMatch(id -> id.startsWith("test.shop.unique_stg_orders_id."));
        assertThat(job.getList("nodes.status")).containsOnly("success", "pass");
        assertThat(log).contains("COPY \"warehouse\".\"main\".\"raw_orders\" FROM 'data/raw_orders.csv'");
        String manifest = as(learner.token()).get("/api/v1/jobs/" + job.getString("id") + "/artifacts/manifest.json").asString();
        assertThat(manifest).contains("One row per order, amounts in euros.", "explore/biggest_orders.sql");
    }
}
