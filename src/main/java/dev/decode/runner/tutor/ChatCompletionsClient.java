package dev.decode.runner.tutor;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** {@code POST {base}/chat/completions}; built by {@link TutorUpstream} with the base URL of {@link TutorConfig}. */
@Path("/chat/completions")
@Consumes(MediaType.APPLICATION_JSON)
interface ChatCompletionsClient {

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    Uni<ChatCompletions.Response> complete(@HeaderParam("Authorization") String authorization, ChatCompletions.Request request);

    /** The {@code data:} field of each server-sent event, {@code [DONE]} included. */
    @POST
    @Produces(MediaType.SERVER_SENT_EVENTS)
    Multi<String> stream(@HeaderParam("Authorization") String authorization, ChatCompletions.Request request);
}
