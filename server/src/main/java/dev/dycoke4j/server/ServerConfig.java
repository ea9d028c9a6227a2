package dev.dycoke4j.server;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VisionOptions;

/**
 * How the server runs.
 *
 * @param host          the address it listens on (loopback by default)
 * @param port          its port; 0 picks a free one ({@link Server#port()} says which)
 * @param modelName     the model name requests give and {@code /v1/models} lists
 * @param apiKey        the key requests must bear ({@code Authorization: Bearer KEY}), or null for none
 * @param media         what media requests may name
 * @param maxFrames     the most frames a request may ask for
 * @param maxQueue      requests waiting for a place in the batch beyond which new ones get 429
 * @param maxBatch      sequences running at once (vision, prefill and decode)
 * @param prefillChunk  the most prompt tokens prefilled in one chunk; a prefill within it is short work, run whole
 *                      even while streams decode, and a longer one's chunks are then sized to the admission budget,
 *                      up to this
 * @param defaults      options a request does not give
 * @param admissionShare while streams decode, the time each turn gives to admitting requests (vision pieces, chunks of
 *                      long prefills), as a share of the last decode step's time; with no stream decoding, admission
 *                      runs unbudgeted
 */
public record ServerConfig(String host, int port, String modelName, String apiKey, MediaPolicy media, int maxFrames, int maxQueue,
                    int maxBatch, int prefillChunk, Defaults defaults, double admissionShare) {
    /** The admission budget when none is given: as long as a decode step. */
    public static final double DEFAULT_ADMISSION_SHARE = 1.0;

    public ServerConfig {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        if (maxFrames < 1) throw new IllegalArgumentException("max frames must be at least 1, got " + maxFrames);
        if (defaults.frames() > maxFrames)
            throw new IllegalArgumentException("the default of " + defaults.frames() + " frames is above the most a request may ask for, " + maxFrames);
        if (maxQueue < 1) throw new IllegalArgumentException("max queue must be at least 1, got " + maxQueue);
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be at least 1, got " + maxBatch);
        if (prefillChunk < 1) throw new IllegalArgumentException("the prefill chunk must be at least 1 token, got " + prefillChunk);
        if (!(admissionShare > 0) || Double.isInfinite(admissionShare))
            throw new IllegalArgumentException("the admission share must be a positive number, got " + admissionShare);
        if (apiKey != null && apiKey.isEmpty()) apiKey = null;
    }

    /** With the {@link #DEFAULT_ADMISSION_SHARE}. */
    public ServerConfig(String host, int port, String modelName, String apiKey, MediaPolicy media, int maxFrames, int maxQueue,
                        int maxBatch, int prefillChunk, Defaults defaults) {
        this(host, port, modelName, apiKey, media, maxFrames, maxQueue, maxBatch, prefillChunk, defaults, DEFAULT_ADMISSION_SHARE);
    }

    /** This configuration with another {@link #admissionShare}. */
    public ServerConfig withAdmissionShare(double share) {
        return new ServerConfig(host, port, modelName, apiKey, media, maxFrames, maxQueue, maxBatch, prefillChunk, defaults, share);
    }

    /** Without the API key, which is never printed. */
    @Override
    public String toString() {
        return "ServerConfig[host=" + host + ", port=" + port + ", modelName=" + modelName + ", apiKey=" + (apiKey == null ? "none" : "(set)")
                + ", media=" + media + ", maxFrames=" + maxFrames + ", maxQueue=" + maxQueue + ", maxBatch=" + maxBatch
                + ", prefillChunk=" + prefillChunk + ", defaults=" + defaults + ", admissionShare=" + admissionShare + "]";
    }

    /** Loopback, a free port, no key, no media but data: URLs, 64 frames at most, 8 frames and no compression by default. */
    public static ServerConfig loopback(String modelName) {
        return new ServerConfig("127.0.0.1", 0, modelName, null, MediaPolicy.none(), 64, 64, 8, 256,
                new Defaults(GenerationOptions.greedy(256), VisionOptions.of(8), CompressionMethods.none()));
    }
}
