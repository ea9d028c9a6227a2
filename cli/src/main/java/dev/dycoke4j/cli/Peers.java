package dev.dycoke4j.cli;

import dev.dycoke4j.peer.PeerBenchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The {@link PeerBenchmark}s on the class path. */
final class Peers {
    private Peers() {
    }

    static PeerBenchmark find(String name) {
        List<String> names = new ArrayList<>();
        for (PeerBenchmark p : ServiceLoader.load(PeerBenchmark.class)) {
            if (p.name().equals(name)) return p;
            names.add(p.name());
        }
        throw new UsageException("--peer " + name + ": no such peer benchmark on the class path ("
                + (names.isEmpty() ? "none is; build the peer-" + name + " module, e.g. with ./dycoke, which puts it there" : "found: " + String.join(", ", names)) + ")");
    }
}
