package dev.dycoke4j.peer.jlama;

import dev.dycoke4j.peer.TextEngine;

import com.github.tjake.jlama.safetensors.DType;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The Jlama side of {@code dycoke bench --peer jlama}, in a JVM of its own (see {@link JlamaProcess}): args
 * {@code <jlama dir> <threads> <working qtype>}. It loads the model, says {@code ready}, then answers one line per
 * request on stdin, in order: {@code generate <new tokens> <id,id,...>} with {@code ok <prefill s> <decode s>
 * <token,token,...>}, {@code logits <id,id,...>} with {@code ok <v,v,...>}, and ends on {@code quit} or at the end of
 * its input. Anything that goes wrong is one line {@code error <message>}. Jlama's own output goes to stderr, so that
 * stdout carries only these lines.
 */
public final class JlamaChild {
    private JlamaChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream reply = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        JlamaText peer;
        try {
            peer = new JlamaText(Path.of(args[0]), Integer.parseInt(args[1]), DType.valueOf(args[2]));
        } catch (Exception | LinkageError e) {
            reply.println("error " + oneLine(e));
            System.exit(1);
            return;
        }
        reply.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (peer) {
            for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
                try {
                    reply.println(answer(peer, line));
                } catch (RuntimeException | LinkageError e) {
                    reply.println("error " + oneLine(e));
                }
            }
        }
    }

    static String answer(JlamaEngine peer, String line) {
        String[] w = line.split(" ");
        switch (w[0]) {
            case "generate" -> {
                TextEngine.Run r = peer.generate(ids(w[2]), Integer.parseInt(w[1]));
                return String.format(Locale.ROOT, "ok %s %s %s", r.prefillSeconds(), r.decodeSeconds(), csv(r.tokens()));
            }
            case "logits" -> {
                float[] l = peer.nextLogits(ids(w[1]));
                StringBuilder sb = new StringBuilder("ok ");
                for (int i = 0; i < l.length; i++) sb.append(i == 0 ? "" : ",").append(l[i]);
                return sb.toString();
            }
            default -> throw new IllegalArgumentException("unknown request '" + w[0] + "'");
        }
    }

    /** Token ids as the protocol writes them: comma-separated. */
    static String csv(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    static int[] ids(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return m.replace('\n', ' ');
    }
}
