package dev.dycoke4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Map;

/** The {@code dycoke} command. */
@Command(name = "dycoke", mixinStandardHelpOptions = true, version = "dycoke 0.1.0",
        description = "Answers questions about videos with LLaVA-OneVision, in pure Java.",
        subcommands = {RunCommand.class, ChatCommand.class, DemoCommand.class, TraceCommand.class, TokenizeCommand.class, BenchCommand.class,
                FidelityCommand.class, PullCommand.class, ModelsCommand.class, CompressCommand.class, EvalCommand.class, ServeCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where chat reads its questions. */
    java.io.InputStream in = System.in;

    /** The environment the Hugging Face settings (HF_*) are read from; tests give their own. */
    Map<String, String> env = System.getenv();

    /** The environment of the {@code dycoke} command that {@code command} belongs to. */
    static Map<String, String> env(CommandLine.Model.CommandSpec command) {
        return ((Main) command.root().userObject()).env;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: run, chat, demo, trace, tokenize, bench, fidelity, pull, models, compress, eval or serve");
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit code (0 ok, 1 failed, 2 bad usage). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, System.in, out, err, System.getenv());
    }

    /** As above, with the standard input {@code in} (what {@code chat} reads). */
    public static int execute(String[] args, java.io.InputStream in, PrintWriter out, PrintWriter err) {
        return execute(args, in, out, err, System.getenv());
    }

    /** As {@link #execute(String[], PrintWriter, PrintWriter)}, with the HF_* variables read from {@code env}. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        return execute(args, System.in, out, err, env);
    }

    /** With every input given: standard input and the environment. */
    public static int execute(String[] args, java.io.InputStream in, PrintWriter out, PrintWriter err, Map<String, String> env) {
        Main main = new Main();
        main.in = in;
        main.env = Map.copyOf(env);
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler(new Errors(err));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("dycoke: " + ex.getMessage());
            err.println("dycoke: see 'dycoke " + (ex.getCommandLine().getCommandName().equals("dycoke") ? "" : ex.getCommandLine().getCommandName() + " ") + "--help'");
            return 2;
        });
        return cl.execute(args);
    }
}
