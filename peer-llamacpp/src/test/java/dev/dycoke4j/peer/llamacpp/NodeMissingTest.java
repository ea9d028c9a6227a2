package dev.dycoke4j.peer.llamacpp;

import dev.dycoke4j.cli.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Without Node.js, {@code bench --peer llamacpp} says what to install in one line and exits non-zero, having written nothing. */
class NodeMissingTest {
    @TempDir
    Path tmp;

    @AfterEach
    void restore() {
        System.clearProperty("dycoke.node");
    }

    @Test
    void aMissingNodeIsOneLineSayingWhatToInstall() throws Exception {
        Path model = TinyModel.write(tmp.resolve("llava"));
        Path node = tmp.resolve("no-such-dir").resolve("node");
        System.setProperty("dycoke.node", node.toString());
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(new String[] {"bench", "--peer", "llamacpp", "--model", model.toString(), "--cache", tmp.resolve("cache").toString()},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(1, code, err.toString());
        assertEquals("", out.toString());
        List<String> lines = err.toString().lines().toList();
        assertEquals(List.of("dycoke: llama.cpp runs through Node.js: install node (20 or newer) and npm, e.g. 'apt-get install nodejs npm', then run again ('"
                + node + "' did not run)", "dycoke: (--verbose shows the stack trace)"), lines);
        assertFalse(Files.exists(tmp.resolve("cache")), "nothing is installed or written without Node.js");
    }
}
