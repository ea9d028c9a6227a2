package dev.dycoke4j.cli;

import dev.dycoke4j.eval.run.DistributedRun;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The {@link DistributedRun} engines on the class path (eval-spark's, when its jars are there). */
final class DistributedRuns {
    private DistributedRuns() {
    }

    static DistributedRun find(String name, String flag) {
        List<String> names = new ArrayList<>();
        for (DistributedRun r : ServiceLoader.load(DistributedRun.class)) {
            if (r.name().equals(name)) return r;
            names.add(r.name());
        }
        throw new UsageException(flag + ": the eval-" + name + " module is not on the class path ("
                + (names.isEmpty() ? "./dycoke puts it there when " + flag + " is given; a build without it cannot run on " + name : "found: " + String.join(", ", names)) + ")");
    }
}
