package dev.dycoke4j.video;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Runs a call with {@link System#err} captured, to check that the library prints nothing. */
record SystemErr<T>(T value, String printed) {
    static <T> SystemErr<T> capture(Supplier<T> call) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            T value = call.get();
            return new SystemErr<>(value, bytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }
}
