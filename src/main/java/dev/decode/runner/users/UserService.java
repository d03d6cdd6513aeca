package dev.decode.runner.users;

import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import org.jboss.logging.Logger;

import dev.decode.runner.platform.BlockingWork;
import dev.decode.runner.platform.UserDirectories;
import dev.decode.runner.platform.errors.ProblemException;
import io.smallrye.mutiny.Uni;

/** Creating learners, rotating their tokens, removing them with everything they own, and resolving tokens. */
@ApplicationScoped
public class UserService {

    private static final Logger LOG = Logger.getLogger(UserService.class);
    static final String USERNAME_PATTERN = "[a-z][a-z0-9_]{2,31}";
    static final String USERNAME_RULE = "must be 3 to 32 characters: a lowercase letter, then lowercase letters, digits or '_'";
    private static final Pattern USERNAME = Pattern.compile(USERNAME_PATTERN);

    private final UserStore store;
    private final AdminToken adminToken;
    private final UserDirectories directories;
    private final TokenCache tokens;
    private final Tokens generator;
    private final Event<UserDeleting> deleting;

    UserService(UserStore store, AdminToken adminToken, UserDirectories directories, TokenCache tokens,
            Tokens generator, Event<UserDeleting> deleting) {
        this.store = store;
        this.adminToken = adminToken;
        this.directories = directories;
        this.tokens = tokens;
        this.generator = generator;
        this.deleting = deleting;
    }

    public record IssuedToken(String username, String token, Instant createdAt) {
    }

    public Uni<IssuedToken> create(String username) {
        String token = generator.generate();
        return store.insert(username, Tokens.hash(token))
                .map(created -> created.map(user -> new IssuedToken(user.username(), token, user.createdAt()))
                        .orElseThrow(() -> ProblemException.conflict("The username '" + username + "' is taken.")))
                .invoke(issued -> LOG.infof("User created username=%s", username));
    }

    public Uni<IssuedToken> rotateToken(String username) {
        String token = generator.generate();
        return existing(username)
                .chain(user -> store.replaceTokenHash(username, Tokens.hash(token))
                        .map(replaced -> checkFound(replaced, username))
                        .invoke(ignored -> tokens.forget(username))
                        .map(ignored -> new IssuedToken(username, token, user.createdAt())))
                .invoke(issued -> LOG.infof("Token rotated username=%s", username));
    }

    public Uni<Void> delete(String username) {
        return existing(username)
                .chain(user -> BlockingWork.run(() -> deleting.fire(new UserDeleting(username))))
                .chain(() -> store.delete(username))
                .map(deleted -> checkFound(deleted, username))
                .invoke(ignored -> tokens.forget(username))
                .chain(ignored -> BlockingWork.supply(() -> directories.delete(username)))
                .invoke(bytes -> LOG.infof("User deleted username=%s bytesFreed=%d", username, bytes))
                .replaceWithVoid();
    }

    public Uni<User> find(String username) {
        return existing(username);
    }

    /** Empty for a token that is neither the admin's nor any user's. Known tokens are answered from memory. */
    public Uni<Optional<Principal>> authenticate(String token) {
        byte[] hash = Tokens.hash(token);
        if (adminToken.matches(hash)) {
            return Uni.createFrom().item(Optional.of(Principal.admin()));
        }
        return tokens.resolve(hash, () -> store.findByTokenHash(hash).map(user -> user.map(found -> Principal.user(found.username()))));
    }

    private Uni<User> existing(String username) {
        if (!USERNAME.matcher(username).matches()) {
            return Uni.createFrom().failure(noSuchUser(username));
        }
        return store.find(username).map(user -> user.orElseThrow(() -> noSuchUser(username)));
    }

    private static boolean checkFound(boolean found, String username) {
        if (!found) {
            throw noSuchUser(username);
        }
        return true;
    }

    private static ProblemException noSuchUser(String username) {
        return ProblemException.notFound("There is no user '" + username + "'.");
    }
}
