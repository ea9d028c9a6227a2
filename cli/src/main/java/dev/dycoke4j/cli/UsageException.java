package dev.dycoke4j.cli;

/** A bad combination of options, found after parsing; exits with 2 like a picocli usage error. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
