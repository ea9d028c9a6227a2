package dev.dycoke4j.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The tasks by their lmms-eval names. */
public final class Tasks {
    private static final Map<String, Task> ALL;

    static {
        Map<String, Task> m = new LinkedHashMap<>();
        for (Task t : List.of(new VideoMme(), new VideoMmeSubtitles(), new NextQaMc(), new PerceptionTest(), new EgoSchema(false), new EgoSchema(true),
                new LongVideoBench(false), new LongVideoBench(true), new ActivityNetQa(), new VideoDetailDescription()))
            m.put(t.name(), t);
        for (String sub : MvBench.SUB_TASKS) m.put("mvbench_" + sub, new MvBench(sub));
        ALL = Collections.unmodifiableMap(m);
    }

    private Tasks() {
    }

    /** The task named {@code name}, or an IllegalArgumentException naming the known ones. */
    public static Task get(String name) {
        Task t = ALL.get(name);
        if (t == null) throw new IllegalArgumentException("unknown task '" + name + "' (known: " + String.join(", ", names()) + ")");
        return t;
    }

    /** Every task name. */
    public static List<String> names() {
        return new ArrayList<>(ALL.keySet());
    }
}
