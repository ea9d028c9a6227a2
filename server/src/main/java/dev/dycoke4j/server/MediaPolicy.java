package dev.dycoke4j.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What media a request may name: {@code file://} only below {@code localRoot} (none when null), {@code http(s)://}
 * only to the hosts in {@code domains} (lower case; none when empty), every video at most {@code maxBytes}, a fetch
 * connecting within {@code connectTimeout} and never waiting longer than {@code readTimeout} for data.
 */
public record MediaPolicy(Path localRoot, Set<String> domains, long maxBytes, Duration connectTimeout, Duration readTimeout) {
    /** The default cap of one video: 256 MiB. */
    public static final long DEFAULT_MAX_BYTES = 256L << 20;

    public MediaPolicy {
        if (maxBytes < 1) throw new IllegalArgumentException("the media size cap must be at least 1 byte, got " + maxBytes);
        domains = domains.stream().map(d -> d.strip().toLowerCase(Locale.ROOT).replaceAll("^\\[(.*)]$", "$1")).filter(d -> !d.isEmpty()).collect(Collectors.toUnmodifiableSet());
        if (localRoot != null) {
            try {
                localRoot = localRoot.toRealPath();
            } catch (IOException e) {
                throw new UncheckedIOException(localRoot + ": the allowed local media folder can't be read", e);
            }
            if (!Files.isDirectory(localRoot)) throw new IllegalArgumentException(localRoot + ": the allowed local media path is not a folder");
        }
    }

    /** Nothing but {@code data:} URLs, up to the default cap, with 10 s to connect and 30 s per read. */
    public static MediaPolicy none() {
        return new MediaPolicy(null, Set.of(), DEFAULT_MAX_BYTES, Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    public MediaPolicy withLocalRoot(Path root) {
        return new MediaPolicy(root, domains, maxBytes, connectTimeout, readTimeout);
    }

    public MediaPolicy withDomains(List<String> d) {
        return new MediaPolicy(localRoot, Set.copyOf(d), maxBytes, connectTimeout, readTimeout);
    }

    public MediaPolicy withMaxBytes(long b) {
        return new MediaPolicy(localRoot, domains, b, connectTimeout, readTimeout);
    }
}
