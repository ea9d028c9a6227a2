package dev.dycoke4j.compress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The compression methods the engine runs, in the order front ends list them. Adding a method is a class that
 * implements {@link CompressionMethod} with a {@link MethodSpec}, and one line here: {@code --compress NAME},
 * {@code bench --methods} and {@code fidelity --methods} pick it up from this list.
 */
public final class CompressionMethods {
    private static final List<MethodSpec> ALL = Stream.of(
            NoneMethod.SPEC,
            DyCokeMethod.SPEC,
            FastVMethod.SPEC,
            PruMergeMethod.SPEC,
            VisionZipMethod.SPEC,
            RandomMethod.SPEC,
            UniformMethod.SPEC,
            FramesMethod.SPEC,
            VidCom2Method.SPEC,
            EvsMethod.SPEC,
            HoliTomMethod.SPEC,
            FlashVidMethod.SPEC,
            FastVidMethod.SPEC).map(CompressionMethods::withDpOption).map(CompressionMethods::withBudgetOption).toList();

    private CompressionMethods() {
    }

    /** Every method, in order. */
    public static List<MethodSpec> all() {
        return ALL;
    }

    /** The methods' names, in order. */
    public static List<String> names() {
        return ALL.stream().map(MethodSpec::name).toList();
    }

    /**
     * The method called {@code name}: a name of {@link #names()}, or such a name with {@code +dp} ({@code vidcom2+dp}),
     * the method with DyCoke's dynamic pruning on, for lists of methods where one flag cannot set it per method.
     */
    public static Optional<MethodSpec> find(String name) {
        if (name.endsWith(COMBINED)) {
            String base = name.substring(0, name.length() - COMBINED.length());
            return find(base).filter(s -> !s.name().equals(DyCokeMethod.SPEC.name())).map(CompressionMethods::withDpOn);
        }
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The suffix of a method name that turns DP on ({@link #find}). */
    private static final String COMBINED = "+dp";

    private static MethodSpec withDpOn(MethodSpec s) {
        List<String> keys = s.keys().stream().filter(k -> !k.equals("dp")).toList();
        return new MethodSpec(s.name() + COMBINED, keys, options -> {
            new OptionReader(s.name() + COMBINED, keys, options);
            Map<String, String> on = new LinkedHashMap<>(options);
            on.put("dp", "on");
            return s.parse(on);
        });
    }

    /**
     * The method called {@code name}.
     *
     * @throws InvalidOptionException (key {@code method}) when there is none
     */
    public static MethodSpec spec(String name) {
        return find(name).orElseThrow(() -> new InvalidOptionException("method", "takes " + String.join(", ", names())
                + " (or one of them but dycoke with +dp); got '" + name + "'"));
    }

    /** The method called {@code name} with {@code options} (absent keys take the paper's defaults). */
    public static CompressionMethod parse(String name, Map<String, String> options) {
        return spec(name).parse(options);
    }

    /**
     * The spec of a method without DP of its own, taking DP's options too: {@code dp} (off by default) adds DyCoke's
     * dynamic pruning while decoding to it ({@link WithDynamicPruning}); the other DP keys are checked either way.
     */
    static MethodSpec withDpOption(MethodSpec base) {
        if (base.keys().contains("dp")) return base;
        List<String> keys = new ArrayList<>(base.keys());
        keys.addAll(DynamicPruningOptions.KEYS);
        return new MethodSpec(base.name(), keys, options -> {
            new OptionReader(base.name(), keys, options); // names every key the combination takes
            Map<String, String> own = new LinkedHashMap<>(), dp = new LinkedHashMap<>();
            options.forEach((k, v) -> (DynamicPruningOptions.KEYS.contains(k) ? dp : own).put(k, v));
            DynamicPruningOptions d = DynamicPruningOptions.read(new OptionReader(base.name(), DynamicPruningOptions.KEYS, dp),
                    DynamicPruningOptions.off());
            CompressionMethod method = base.parse(own);
            return d.enabled() ? new WithDynamicPruning(method, d) : method;
        });
    }

    /**
     * The spec of a method, taking the {@code budget} option too: {@code tokens} (the default) leaves the method as it
     * is; another {@link BudgetKind} makes its {@code ratio} fix that cost instead ({@link AtBudget}).
     */
    static MethodSpec withBudgetOption(MethodSpec base) {
        List<String> keys = new ArrayList<>(base.keys());
        keys.add("budget");
        return new MethodSpec(base.name(), keys, options -> {
            OptionReader r = new OptionReader(base.name(), keys, options);
            BudgetKind kind = r.choice("budget", BudgetKind.class, BudgetKind.TOKENS);
            Map<String, String> own = new LinkedHashMap<>(options);
            own.remove("budget");
            CompressionMethod method = base.parse(own);
            if (kind == BudgetKind.TOKENS) return method;
            if (!base.keys().contains("ratio"))
                throw new InvalidOptionException("budget", "needs a ratio to fix, and " + base.name() + " takes none");
            if (!own.containsKey("ratio"))
                throw new InvalidOptionException("budget", "of " + kind.text() + " needs a ratio: the share of " + kind.meaning() + " to keep");
            return new AtBudget(base, own, kind, r.decimal("ratio", Double.NaN));
        });
    }

    /** No compression. */
    public static CompressionMethod none() {
        return new NoneMethod();
    }
}
