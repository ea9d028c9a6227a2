package dev.dycoke4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dycoke eval}: lmms-eval's video benchmarks as DyCoke's copy scores them. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Score video benchmarks with lmms-eval's task code as DyCoke's copy runs it.",
        subcommands = {EvalRunCommand.class, EvalJudgeCommand.class, EvalReplayCommand.class, EvalSamplesCommand.class})
final class EvalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: run, judge, replay or samples");
    }
}
