package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.InvalidOptionException;
import dev.dycoke4j.compress.MethodSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --compress} and each method's options, shared by run, chat, trace, bench and fidelity. A method's option key is
 * its flag without the dashes in front, the others turned to underscores ({@code --dp-l} is {@code dp_l}): each method
 * gets the flags whose keys it takes, so a method's new option needs only its flag here.
 */
final class CompressOptions {
    /** The methods of the registry, for the help text. */
    static final class MethodNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return CompressionMethods.names().iterator();
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--compress", paramLabel = "METHOD", defaultValue = "none", completionCandidates = MethodNames.class,
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--ttm-k", paramLabel = "K", defaultValue = "0.7", description = "DyCoke TTM merging ratio (default: ${DEFAULT-VALUE}).")
    double ttmK;

    @Option(names = "--ttm-windows", paramLabel = "official|full", defaultValue = "official",
            description = "official: the code's boundary behaviour (last window skips the i+2 step, an odd last frame is dropped); full: every window.")
    String ttmWindows;

    @Option(names = "--ttm-order", paramLabel = "official|raster", defaultValue = "official",
            description = "official: kept tokens in ascending similarity, as the code; raster: spatial order.")
    String ttmOrder;

    @Option(names = "--dp", paramLabel = "on|off",
            description = "DyCoke's dynamic KV pruning while decoding, with any method (default: on for dycoke, off for the others).")
    String dp;

    @Option(names = "--dp-l", paramLabel = "L", defaultValue = "3", description = "DP layer: layers L and above are pruned (default: ${DEFAULT-VALUE}).")
    int dpLayer;

    @Option(names = "--dp-p", paramLabel = "P", defaultValue = "0.7", description = "DP pruning ratio (default: ${DEFAULT-VALUE}).")
    double dpP;

    @Option(names = "--dp-mode", paramLabel = "official|reuse|always", defaultValue = "official", description = "DP re-selection rule (default: ${DEFAULT-VALUE}).")
    String dpMode;

    @Option(names = "--dp-store", paramLabel = "full|compact", defaultValue = "full",
            description = "Where DP's pruned entries live: full keeps them in the float cache (official, no memory saved); compact moves them "
                    + "out of layers L and above into an int8 or bf16 store and recalls them when selected again (default: ${DEFAULT-VALUE}).")
    String dpStore;

    @Option(names = "--dp-store-dtype", paramLabel = "int8|bf16", defaultValue = "int8",
            description = "Encoding of the compact store: int8 with a scale per (token, kv head) row, or bf16 (default: ${DEFAULT-VALUE}).")
    String dpStoreType;

    @Option(names = "--ratio", paramLabel = "R", description = "Retained ratio of visual tokens, for every method (default: what DyCoke's TTM keeps at --ttm-k; vidcom2 and flashvid: their papers' 0.25; holitom: its paper's 0.1; fastvid: its paper's 0.1, per frame). For dycoke it picks the TTM K that keeps the most tokens within the budget.")
    Double ratio;

    @Option(names = "--budget", paramLabel = "tokens|attended|flops|kv",
            description = "What --ratio fixes, relative to no compression on the same video: visual tokens entering the LLM (the default), visual tokens "
                    + "attended per decode step, prefill FLOPs or KV bytes of the video's positions; each method then runs at the largest ratio of its own "
                    + "within it, and a budget it can't reach is refused with the range it can.")
    String budget;

    @Option(names = "--fastv-k", paramLabel = "K", defaultValue = "2", description = "FastV: the LLM layer from which dropped tokens are gone (default: ${DEFAULT-VALUE}).")
    int fastvLayer;

    @Option(names = "--holitom-tau", paramLabel = "T", description = "HoliTom: cosine to the previous frame above which a token is static (default: 0.65 at a ratio of 0.1 or less, else 0.8).")
    Double holitomTau;

    @Option(names = "--holitom-beta", paramLabel = "B", description = "HoliTom: the cluster centre's weight in a merge (default: 0.6).")
    Double holitomBeta;

    @Option(names = "--holitom-d", paramLabel = "D", description = "HoliTom: share of each frame's dynamic tokens merged instead of selected by attention (default: 0).")
    Double holitomD;

    @Option(names = "--holitom-knn", paramLabel = "N", description = "HoliTom: neighbours in the merges' density (default: 7).")
    Integer holitomKnn;

    @Option(names = "--holitom-max-window", paramLabel = "FRAMES", description = "HoliTom: the longest static window (default: 1024).")
    Integer holitomMaxWindow;

    @Option(names = "--holitom-k", paramLabel = "K", description = "HoliTom: the LLM layer from which merged rows are gone (default: 18).")
    Integer holitomK;

    @Option(names = "--holitom-r", paramLabel = "R", description = "HoliTom: share of the video's rows merged at layer K, 0 for none (default: 0.5).")
    Double holitomR;

    @Option(names = "--flashvid-layer", paramLabel = "P", defaultValue = "20",
            description = "FlashVID's layer in the LLM: layers P and above see 30%% of the visual tokens, ranked at layer P - 1 (default: ${DEFAULT-VALUE}, the paper's).")
    int flashvidLayer;

    @Option(names = "--dyseg-c", paramLabel = "C", defaultValue = "8",
            description = "FastVID's segments at least: cuts at the C-1 lowest frame similarities (default: ${DEFAULT-VALUE}).")
    int dysegC;

    @Option(names = "--dyseg-tau", paramLabel = "TAU", defaultValue = "0.9",
            description = "FastVID's frame similarity below which a segment ends (default: ${DEFAULT-VALUE}).")
    double dysegTau;

    @Option(names = "--stprune-d", paramLabel = "D", defaultValue = "0.4",
            description = "FastVID's share of each frame's retained tokens that are merged anchors (default: ${DEFAULT-VALUE}).")
    double stpruneD;

    @Option(names = "--dtm-p", paramLabel = "P", defaultValue = "4",
            description = "FastVID's anchor-frame stride in a segment (default: ${DEFAULT-VALUE}).")
    int dtmP;

    @Option(names = "--dtm-beta", paramLabel = "B", defaultValue = "0.6",
            description = "FastVID's lowest weight of an anchor against the tokens merged into it (default: ${DEFAULT-VALUE}).")
    double dtmBeta;

    @Option(names = "--compress-seed", paramLabel = "N", defaultValue = "0", description = "Seed of the random baseline (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The method {@code --compress} names, with the flags that apply to it. */
    CompressionMethod options() {
        return method(method, "--compress", ratio);
    }

    /** The method called {@code name} (the value of {@code flag}), with the flags that apply to it. */
    CompressionMethod method(String name, String flag) {
        return method(name, flag, ratio);
    }

    /**
     * The method called {@code name} (the value of {@code flag}), with the flags that apply to it, at retained ratio
     * {@code r} (null: none given).
     */
    CompressionMethod method(String name, String flag, Double r) {
        return method(name, flag, r, budget);
    }

    /**
     * As {@link #method(String, String, Double)}, with {@code kind} (null: the default, tokens) as what the ratio fixes,
     * whatever {@code --budget} says.
     */
    CompressionMethod method(String name, String flag, Double r, String kind) {
        MethodSpec m = spec(name, flag);
        Map<String, String> options = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            String key = key(o.longestName());
            Object value = key.equals("ratio") ? r : key.equals("budget") ? kind : o.getValue();
            if (m.keys().contains(key) && value != null) options.put(key, String.valueOf(value));
        }
        try {
            checkGivenElsewhere(m);
            return m.parse(options);
        } catch (InvalidOptionException e) {
            throw new UsageException(e.message(CompressOptions::flag));
        }
    }

    /**
     * Checks the flags given on the command line that {@code m} does not take, with the first method that does: a
     * method ignores another's options, but a bad value is still bad input, whichever method it was meant for.
     */
    private void checkGivenElsewhere(MethodSpec m) {
        for (OptionSpec o : spec.options()) {
            String key = key(o.longestName());
            if (o.originalStringValues().isEmpty() || m.keys().contains(key)) continue;
            for (MethodSpec other : CompressionMethods.all())
                if (other.keys().contains(key)) {
                    Object value = o.getValue(); // an Object, so that String.valueOf is not its char[] overload
                    other.parse(Map.of(key, String.valueOf(value)));
                    break;
                }
        }
    }

    /** The method called {@code name}, given to {@code flag}. */
    static MethodSpec spec(String name, String flag) {
        return CompressionMethods.find(name)
                .orElseThrow(() -> new UsageException(flag + " takes " + String.join(", ", CompressionMethods.names()) + " (or one of them but dycoke with +dp); got '" + name + "'"));
    }

    /** The flag of a method's option key: {@code dp_l} is {@code --dp-l}. */
    static String flag(String key) {
        return "--" + key.replace('_', '-');
    }

    private static String key(String flag) {
        return flag.replaceFirst("^--", "").replace('-', '_');
    }
}
