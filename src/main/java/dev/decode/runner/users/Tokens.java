package dev.decode.runner.users;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Bearer tokens: 256 random bits, shown once, stored only as their SHA-256. A fast hash is enough because the
 * tokens carry full entropy; nothing can be guessed from the hash that a brute force over 2^256 would not need.
 * <p>
 * A bean, not a static field, holds the {@link SecureRandom}: the native image initialises classes at build time,
 * and a generator seeded then would sit in the image heap and hand every instance the same sequence.
 */
@ApplicationScoped
public class Tokens {

    private static final String PREFIX = "drt_";

    private final SecureRandom random = new SecureRandom();

    public String generate() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** Constant-time comparison of two token hashes. */
    public static boolean sameHash(byte[] a, byte[] b) {
        return a != null && b != null && MessageDigest.isEqual(a, b);
    }
}
