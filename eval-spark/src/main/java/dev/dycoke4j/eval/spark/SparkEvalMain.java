package dev.dycoke4j.eval.spark;

import dev.dycoke4j.cli.Main;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The main class of {@code dycoke-eval.jar} for {@code spark-submit}: {@code dycoke eval run} with the same options,
 * on the master that {@code spark-submit} set (unless {@code --spark} is given).
 */
public final class SparkEvalMain {
    private SparkEvalMain() {
    }

    public static void main(String[] args) {
        List<String> a = new ArrayList<>(List.of("eval", "run"));
        a.addAll(Arrays.asList(args));
        if (!a.contains("--spark") && a.stream().noneMatch(x -> x.startsWith("--spark="))) {
            a.add("--spark");
            a.add(SparkEval.SUBMIT);
        }
        int code = Main.execute(a.toArray(String[]::new), new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        if (code != 0) System.exit(code);
    }
}
