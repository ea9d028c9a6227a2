package dev.dycoke4j.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** {@code fidelity} and {@code bench arena} take {@code --steps} and {@code --prompt} from one mixin: the same names, defaults and help. */
class TeacherForcingOptionsTest {
    @Test
    void fidelityAndTheArenaShareOneDeclaration() {
        CommandSpec fidelity = new CommandLine(new FidelityCommand()).getCommandSpec(), arena = new CommandLine(new BenchArenaCommand()).getCommandSpec();
        assertInstanceOf(TeacherForcingOptions.class, fidelity.mixins().get("forcing").userObject());
        assertInstanceOf(TeacherForcingOptions.class, arena.mixins().get("forcing").userObject());
        for (String name : List.of("--steps", "--prompt")) {
            OptionSpec f = fidelity.findOption(name), a = arena.findOption(name);
            assertEquals(f.defaultValue(), a.defaultValue(), name);
            assertEquals(f.paramLabel(), a.paramLabel(), name);
            assertArrayEquals(f.description(), a.description(), name);
        }
        assertEquals("32", fidelity.findOption("--steps").defaultValue());
        assertEquals("What happens in this video?", arena.findOption("--prompt").defaultValue());
    }

    @Test
    void aStepCountBelowOneIsOneLineInBoth() {
        for (String command : List.of("fidelity", "arena")) {
            String[] args = command.equals("fidelity") ? new String[]{"fidelity", "--steps", "0"} : new String[]{"bench", "arena", "--steps", "0"};
            Cli r = Cli.run(args);
            assertEquals(2, r.code(), r.err());
            assertEquals("dycoke: --steps must be at least 1, got 0", r.problem());
        }
    }
}
