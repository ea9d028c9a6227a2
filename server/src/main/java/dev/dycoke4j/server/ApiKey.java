package dev.dycoke4j.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The key requests must bear ({@code Authorization: Bearer KEY}), held as its SHA-256 and compared in constant time:
 * digests of equal length, so neither the key's bytes nor its length show in the time a refusal takes.
 */
final class ApiKey {
    private final byte[] digest;

    ApiKey(String key) {
        this.digest = sha256(key);
    }

    /** Whether {@code authorization} (the header, may be null) bears the key. */
    boolean accepts(String authorization) {
        String given = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).strip() : "";
        return MessageDigest.isEqual(digest, sha256(given));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e); // every JDK has SHA-256
        }
    }

    @Override
    public String toString() {
        return "ApiKey[(set)]";
    }
}
