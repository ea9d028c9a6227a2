package dev.dycoke4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dycoke compress}: the compression methods on their own, outside the model. */
@Command(name = "compress", mixinStandardHelpOptions = true, description = "Run compression methods on their own.",
        subcommands = {CompressReplayCommand.class})
final class CompressCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: replay");
    }
}
