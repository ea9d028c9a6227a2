package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.dycoke4j.pipeline.Answer;

import java.io.PrintWriter;
import java.util.function.Consumer;

/**
 * How {@code run} shows its answers, whichever model family gave them: streamed text with a stats line per answer
 * (each question echoed when there are several), or with {@code --json} one object (or {@code {"answers": [...]}}) at
 * the end and nothing else on standard output.
 */
final class AnswerPrinter {
    private final boolean json, many;
    private final PrintWriter out, err;
    private final ArrayNode answers = new ObjectMapper().createArrayNode();

    AnswerPrinter(boolean json, int questions, PrintWriter out, PrintWriter err) {
        this.json = json;
        this.many = questions > 1;
        this.out = out;
        this.err = err;
    }

    /** Before a question is answered; returns where its text streams (null with --json). */
    Consumer<String> begin(String prompt) {
        if (json) return null;
        if (many) {
            out.println("> " + prompt);
            out.flush();
        }
        return piece -> {
            out.print(piece);
            out.flush();
        };
    }

    /** After a question is answered. */
    void end(Answer a) {
        if (json) {
            answers.add(RunCommand.toJson(a));
            return;
        }
        out.println();
        out.flush();
        err.println(a.stats().line());
        err.flush();
    }

    /** After the last question. */
    void finish() {
        if (!json) return;
        if (answers.size() == 1) out.println(answers.get(0).toPrettyString());
        else out.println(new ObjectMapper().createObjectNode().set("answers", answers).toPrettyString());
    }
}
