package dev.dycoke4j.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A snapshot of a checkpoint dycoke runs in the Hugging Face cache: the repo, the refs that point to it (empty for a commit no ref
 * names), its commit, its size on disk (the distinct blobs it links to) and whether it has every file {@code run} needs.
 */
public record CachedModel(String repo, List<String> revisions, String commit, Path snapshot, long bytes, boolean complete) {

    /** Every snapshot in the cache whose config.json is a checkpoint dycoke runs (LLaVA-OneVision or Qwen2.5-VL), sorted by repo. */
    public static List<CachedModel> list(HubCache cache) throws IOException {
        List<CachedModel> out = new ArrayList<>();
        if (!Files.isDirectory(cache.root())) return out;
        List<Path> repos;
        try (Stream<Path> s = Files.list(cache.root())) {
            repos = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path dir : repos) {
            String repo = ModelRef.repoOfFolder(dir.getFileName().toString());
            Path snaps = dir.resolve("snapshots");
            if (repo == null || !Files.isDirectory(snaps)) continue;
            Map<String, List<String>> refs = refs(dir.resolve("refs"));
            List<Path> commits;
            try (Stream<Path> s = Files.list(snaps)) {
                commits = s.filter(Files::isDirectory).sorted().toList();
            }
            for (Path snap : commits) {
                if (!ModelCheck.supported(snap)) continue;
                String commit = snap.getFileName().toString();
                out.add(new CachedModel(repo, refs.getOrDefault(commit, List.of()), commit, snap, size(snap),
                        ModelFiles.firstMissing(snap, ModelFiles.Need.MODEL) == null));
            }
        }
        return out;
    }

    /** commit -> the revisions (refs/ files, nested ones such as refs/pr/1 included) that point to it. */
    private static Map<String, List<String>> refs(Path refsDir) throws IOException {
        Map<String, List<String>> byCommit = new TreeMap<>();
        if (!Files.isDirectory(refsDir)) return byCommit;
        try (Stream<Path> s = Files.walk(refsDir)) {
            for (Path f : s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".tmp")).sorted().toList()) {
                String commit = Files.readString(f).strip();
                byCommit.computeIfAbsent(commit, k -> new ArrayList<>()).add(refsDir.relativize(f).toString().replace('\\', '/'));
            }
        }
        return byCommit;
    }

    /** Bytes of the distinct files the snapshot's links resolve to; dangling links count nothing. */
    private static long size(Path snap) throws IOException {
        Set<Path> seen = new HashSet<>();
        long total = 0;
        try (Stream<Path> s = Files.walk(snap)) {
            for (Path p : s.toList()) {
                if (!Files.isRegularFile(p)) continue;
                Path real = p.toRealPath();
                if (seen.add(real)) total += Files.size(real);
            }
        }
        return total;
    }
}
