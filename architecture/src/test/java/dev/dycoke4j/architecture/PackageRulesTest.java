package dev.dycoke4j.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The packages' dependency rules, on the compiled main classes of every module: no package cycles, and each package
 * depends only on the packages listed for it here. The list follows the data flow (kernels and tensors at the
 * bottom, the stages and the CLI on top), so a new package, or a new edge between two, has to be placed here on
 * purpose.
 */
class PackageRulesTest {
    private static final String ROOT = "dev.dycoke4j";

    /** Each package (below {@code dev.dycoke4j}) and the packages of ours it may use; every package must be listed. */
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("parallel", Set.of()),
            Map.entry("platform", Set.of()),
            Map.entry("tensor", Set.of("platform")),
            Map.entry("kernel", Set.of("tensor", "parallel")),
            Map.entry("io", Set.of("tensor", "kernel", "platform")),
            Map.entry("tokenizer", Set.of("io")),
            Map.entry("vision", Set.of("io", "kernel", "tensor", "parallel")),
            Map.entry("llm", Set.of("io", "kernel", "tensor", "parallel")),
            Map.entry("compress", Set.of("llm", "kernel", "tensor", "parallel")),
            Map.entry("cache", Set.of("platform")),
            Map.entry("hub", Set.of("cache", "io", "platform")),
            Map.entry("pipeline", Set.of("cache", "compress", "io", "kernel", "llm", "parallel", "platform", "tensor", "tokenizer", "vision")),
            Map.entry("peer", Set.of("io", "llm", "pipeline")),
            // the video module: FFmpeg decoding and sampling, adapted to the pipeline's frame source
            Map.entry("video", Set.of("cache", "vision", "pipeline", "platform")),
            // peers are found by the CLI through ServiceLoader; they never see the CLI
            Map.entry("peer.jlama", Set.of("io", "llm", "peer", "pipeline", "tensor", "kernel", "parallel", "platform")),
            Map.entry("peer.llamacpp", Set.of("io", "llm", "peer", "pipeline", "tensor")),
            // JMH benchmarks of the kernels
            Map.entry("bench", Set.of("kernel", "tensor", "parallel")),
            Map.entry("bench.jmh_generated", Set.of("bench")),
            // the eval module: lmms-eval's task code (prompts, parsing, judging, scoring); it may use the engine below it
            Map.entry("eval", Set.of("cache", "compress", "hub", "io", "kernel", "llm", "parallel", "peer", "pipeline", "platform", "tensor",
                    "tokenizer", "vision")),
            // the evaluation datasets: task documents and their videos, from the HF cache or an lmms-eval folder
            Map.entry("eval.data", Set.of("eval", "cache", "hub", "io", "platform")),
            // evaluation runs: the cells over the samples on the stages, videos decoded by the video module, then scored
            Map.entry("eval.run", Set.of("eval", "eval.data", "compress", "io", "pipeline", "tokenizer", "video")),
            // evaluation runs on Apache Spark, found by the CLI through ServiceLoader; its jar's main class is the CLI's
            // eval run, so it alone may use the CLI (which never sees it)
            Map.entry("eval.spark", Set.of("eval", "eval.data", "eval.run", "compress", "llm", "parallel", "pipeline", "cli")),
            // the OpenAI-compatible server: the stages, the method registry, the chat template's messages and the video
            // adapter; never the CLI. Its web page's routes read decoded frames (vision) for thumbnails and wrap the
            // methods' LLM hooks (llm) to trace them
            Map.entry("server", Set.of("compress", "io", "llm", "pipeline", "tokenizer", "video", "vision")),
            Map.entry("cli", Set.of("cache", "compress", "eval", "eval.data", "eval.run", "hub", "io", "kernel", "llm", "parallel", "peer", "pipeline", "platform",
                    "server", "tensor", "tokenizer", "video", "vision")));

    private static JavaClasses main;

    @BeforeAll
    static void importClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("/dev/dycoke4j/architecture/"))
                .importPackages(ROOT);
    }

    private static String sub(JavaClass c) {
        String p = c.getPackageName();
        return p.equals(ROOT) ? "" : p.substring(ROOT.length() + 1);
    }

    @Test
    void everyModuleIsImported() {
        Set<String> seen = new TreeSet<>();
        for (JavaClass c : main) seen.add(sub(c));
        for (String p : Set.of("kernel", "llm", "pipeline", "video", "eval", "server", "cli", "peer.jlama", "peer.llamacpp", "eval.spark", "bench"))
            assertFalse(!seen.contains(p), "no classes of package " + p + " were found: " + seen);
    }

    @Test
    void everyPackageIsPlaced() {
        Set<String> unplaced = new TreeSet<>();
        for (JavaClass c : main) if (!ALLOWED.containsKey(sub(c))) unplaced.add(sub(c));
        assertEquals(Set.of(), unplaced, "packages with no entry in PackageRulesTest.ALLOWED");
    }

    @Test
    void noPackageCycles() {
        slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void eachPackageUsesOnlyWhatItMay() {
        for (var e : ALLOWED.entrySet()) {
            String pkg = ROOT + "." + e.getKey();
            Set<String> ok = new TreeSet<>();
            ok.add(pkg);
            for (String a : e.getValue()) ok.add(ROOT + "." + a);
            ArchRule rule = classes().that().resideInAPackage(pkg)
                    .should().onlyDependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
                            "are outside " + ROOT + " or in " + ok,
                            (JavaClass t) -> !t.getPackageName().startsWith(ROOT + ".") && !t.getPackageName().equals(ROOT)
                                    || ok.contains(t.getPackageName())))
                    .allowEmptyShould(true);
            rule.check(main);
        }
    }
}
