package dev.decode.runner.workspace;

import java.io.InputStream;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

import dev.decode.runner.platform.BlockingWork;
import dev.decode.runner.platform.errors.QueryParameters;
import dev.decode.runner.users.CurrentPrincipal;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;

/** The learner's dbt project files. */
@Path("/api/v1/workspace")
@Produces(MediaType.APPLICATION_JSON)
public class WorkspaceResource {

    private final Workspaces workspaces;
    private final WorkspaceArchives archives;
    private final CurrentPrincipal principal;

    WorkspaceResource(Workspaces workspaces, WorkspaceArchives archives, CurrentPrincipal principal) {
        this.workspaces = workspaces;
        this.archives = archives;
        this.principal = principal;
    }

    @RegisterForReflection
    public record FileWritten(String path, long size) {
    }

    @RegisterForReflection
    public record Reset(
            @NotNull(message = TEMPLATE_RULE) @Pattern(regexp = Templates.STARTER + "|" + Templates.EMPTY, message = TEMPLATE_RULE)
            String template) {

        private static final String TEMPLATE_RULE = "must be '" + Templates.STARTER + "' or '" + Templates.EMPTY + "'";
    }

    @GET
    @Path("files")
    public Uni<Workspaces.FileList> list() {
        String username = principal.username();
        return BlockingWork.supply(() -> workspaces.list(username));
    }

    @GET
    @Path("files/{path: .+}")
    @Produces(MediaType.TEXT_PLAIN)
    public Uni<RestResponse<byte[]>> read(@RestPath String path) {
        String username = principal.username();
        WorkspacePath file = WorkspacePath.of(path);
        return BlockingWork.supply(() -> RestResponse.ResponseBuilder.ok(workspaces.read(username, file), "text/plain;charset=UTF-8").build());
    }

    @PUT
    @Path("files/{path: .+}")
    @Consumes(MediaType.WILDCARD)
    public Uni<RestResponse<FileWritten>> write(@RestPath String path, byte[] body) {
        String username = principal.username();
        WorkspacePath file = WorkspacePath.of(path);
        byte[] content = body == null ? new byte[0] : body;
        return BlockingWork.supply(() -> workspaces.write(username, file, content))
                .map(written -> RestResponse.status(written.created() ? RestResponse.Status.CREATED : RestResponse.Status.OK,
                        new FileWritten(written.path(), written.size())));
    }

    @DELETE
    @Path("files/{path: .+}")
    public Uni<Void> delete(@RestPath String path) {
        String username = principal.username();
        WorkspacePath file = WorkspacePath.of(path);
        return BlockingWork.run(() -> workspaces.delete(username, file));
    }

    @POST
    @Path("reset")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Workspaces.FileList> reset(@Valid @NotNull(message = "Send a JSON object with the field 'template'.") Reset request) {
        String username = principal.username();
        return BlockingWork.supply(() -> workspaces.reset(username, request.template()));
    }

    /** Blocking, unlike the others: the body is read as it arrives, straight to disk, which only a worker may wait on. */
    @PUT
    @Consumes({ ArchiveFormat.ZIP_TYPE, ArchiveFormat.ZIP_WINDOWS_TYPE, ArchiveFormat.GZIP_TYPE, ArchiveFormat.GZIP_OLD_TYPE })
    @Blocking
    public WorkspaceArchives.Replaced replace(@RestHeader("Content-Type") String contentType, @RestQuery String strict,
            InputStream body) {
        boolean refuseSkipped = QueryParameters.flag("strict", strict, false);
        return archives.replace(principal.username(), ArchiveFormat.of(contentType), body, refuseSkipped);
    }

    @GET
    @Path("archive")
    @Produces(ArchiveFormat.ZIP_TYPE)
    public Uni<RestResponse<byte[]>> download() {
        String username = principal.username();
        return BlockingWork.supply(() -> RestResponse.ResponseBuilder.ok(archives.download(username), ArchiveFormat.ZIP_TYPE)
                .header("Content-Disposition", "attachment; filename=\"workspace.zip\"").build());
    }
}
