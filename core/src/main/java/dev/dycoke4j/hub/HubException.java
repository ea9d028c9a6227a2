package dev.dycoke4j.hub;

/**
 * A model that cannot be resolved or downloaded. The message is one line naming the model (and file), fit to show a
 * user as it is; it never contains the token.
 */
public final class HubException extends RuntimeException {
    /** What went wrong, for callers and tests. */
    public enum Kind { ACCESS, NOT_FOUND, NETWORK, DISK_FULL, CHECKSUM, OFFLINE, PROTOCOL, IO }

    private final Kind kind;

    public HubException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public HubException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
