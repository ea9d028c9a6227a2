package dev.dycoke4j.cli;

import dev.dycoke4j.hub.CachedModel;
import dev.dycoke4j.hub.HubCache;
import dev.dycoke4j.hub.HubEnv;
import dev.dycoke4j.platform.Bytes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code dycoke models}: the LLaVA-OneVision and Qwen2.5-VL models in the Hugging Face cache, with revision, commit, size and completeness. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List the LLaVA-OneVision and Qwen2.5-VL models in the Hugging Face cache that dycoke can run (never uses the network).")
final class ModelsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws IOException {
        common.apply();
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        HubEnv env = HubEnv.from(main.env, java.nio.file.Path.of(System.getProperty("user.home")));
        List<CachedModel> models = CachedModel.list(new HubCache(env.cache()));
        err.println("dycoke models: " + env.cache());
        if (models.isEmpty()) {
            err.println("dycoke models: no LLaVA-OneVision or Qwen2.5-VL model in the cache; get one with 'dycoke pull ORG/NAME'");
            return 0;
        }
        int w = Math.max(5, models.stream().mapToInt(m -> m.repo().length()).max().orElse(5));
        out.println(String.format(Locale.ROOT, "%-" + w + "s  %-10s  %-12s  %10s  %s", "MODEL", "REVISION", "COMMIT", "SIZE", "COMPLETE"));
        for (CachedModel m : models) {
            out.println(String.format(Locale.ROOT, "%-" + w + "s  %-10s  %-12s  %10s  %s", m.repo(),
                    m.revisions().isEmpty() ? "-" : String.join(",", m.revisions()), m.commit().substring(0, 12),
                    Bytes.human(m.bytes()), m.complete() ? "yes" : "no (pull it again)"));
        }
        out.flush();
        return 0;
    }
}
