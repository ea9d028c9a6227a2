package dev.dycoke4j.eval.data;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * lmms-eval's extraction of a video dataset: every {@code .zip} anywhere in the repo's snapshot, in sorted order,
 * extracted into {@code HF_HOME/<cache_dir>} with the paths it holds, a file already there left as it is; then every
 * tar archive, its split parts ({@code videos.tar.part.aa}, {@code .ab}, ...) read in sorted order as one stream (or
 * {@code videos.tar} itself when it is there), gzip or plain. Unlike Python's {@code zipfile}, which quietly rewrites
 * unsafe names, a zip entry whose name would land outside the target (absolute, or with "..") refuses the whole
 * archive; a tar, read as a stream, stops at such an entry. Links in a tar are not made. Each file is written beside
 * its place and renamed, so an interrupted extraction never leaves a partial file that a later one would skip.
 */
public final class VideoArchives {
    private VideoArchives() {
    }

    /** What an extraction did: files written and files already there. */
    public record Extracted(int written, int skipped) {
    }

    /** Extracts every zip, then every tar, below {@code snapshot} into {@code target}. */
    public static Extracted extractAll(Path snapshot, Path target) {
        List<Path> zips = new ArrayList<>(), tars = new ArrayList<>();
        try (Stream<Path> s = Files.walk(snapshot)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".zip")) zips.add(p);
                else if (n.contains(".tar")) tars.add(p);
            }
        } catch (IOException e) {
            throw new DataException(snapshot + ": cannot list (" + e.getMessage() + ")", e);
        }
        int written = 0, skipped = 0;
        for (Path z : zips) {
            Extracted e = extract(z, target);
            written += e.written();
            skipped += e.skipped();
        }
        for (List<Path> parts : tarGroups(tars)) {
            Extracted e = extractTar(parts, target);
            written += e.written();
            skipped += e.skipped();
        }
        return new Extracted(written, skipped);
    }

    /**
     * The tar archives as lmms-eval groups them: by the name before ".tar"; a group whose {@code base.tar} exists is
     * that file, else its parts in sorted order.
     */
    static List<List<Path>> tarGroups(List<Path> tars) {
        Map<Path, List<Path>> groups = new TreeMap<>();
        for (Path t : tars) {
            String n = t.getFileName().toString();
            groups.computeIfAbsent(t.resolveSibling(n.substring(0, n.indexOf(".tar"))), k -> new ArrayList<>()).add(t);
        }
        List<List<Path>> out = new ArrayList<>();
        for (var e : groups.entrySet()) {
            Path whole = e.getKey().resolveSibling(e.getKey().getFileName() + ".tar");
            out.add(e.getValue().contains(whole) ? List.of(whole) : e.getValue().stream().sorted().toList());
        }
        return out;
    }

    /** Extracts one tar, given as its parts in order, into {@code target}. */
    public static Extracted extractTar(List<Path> parts, Path target) {
        Path root = target.toAbsolutePath().normalize();
        Path first = parts.getFirst();
        String name = parts.size() == 1 ? first.toString() : first + " (and " + (parts.size() - 1) + " more parts)";
        int written = 0, skipped = 0;
        List<InputStream> streams = new ArrayList<>();
        try {
            for (Path p : parts) streams.add(Files.newInputStream(p));
            InputStream joined = new BufferedInputStream(new SequenceInputStream(Collections.enumeration(streams)), 1 << 16);
            joined.mark(2);
            boolean gzip = joined.read() == 0x1f && joined.read() == 0x8b;
            joined.reset();
            try (TarArchiveInputStream tar = new TarArchiveInputStream(gzip ? new GZIPInputStream(joined, 1 << 16) : joined)) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    Path dest = dest(first, root, e.getName());
                    if (e.isDirectory()) {
                        Files.createDirectories(dest);
                    } else if (!e.isFile()) {
                        continue; // links and devices are not made
                    } else if (Files.exists(dest)) {
                        skipped++;
                    } else {
                        write(tar, dest);
                        written++;
                    }
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new DataException(name + ": corrupt tar archive (" + e.getMessage() + ")", e);
        } finally {
            for (InputStream s : streams) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // read-only input
                }
            }
        }
        return new Extracted(written, skipped);
    }

    /** Copies a stream into a temporary file beside {@code dest}, then renames it into place. */
    private static void write(InputStream in, Path dest) throws IOException {
        Files.createDirectories(dest.getParent());
        Path tmp = dest.resolveSibling("." + dest.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".part");
        try {
            Files.copy(in, tmp);
            move(tmp, dest);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Extracts one zip into {@code target}; a corrupt or unsafe archive is a {@link DataException} naming it. */
    public static Extracted extract(Path zip, Path target) {
        Path root = target.toAbsolutePath().normalize();
        int written = 0, skipped = 0;
        try (ZipFile zf = new ZipFile(zip.toFile())) {
            List<? extends ZipEntry> entries = list(zf);
            for (ZipEntry e : entries) dest(zip, root, e.getName());
            for (ZipEntry e : entries) {
                Path dest = dest(zip, root, e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(dest);
                    continue;
                }
                if (Files.exists(dest)) {
                    skipped++;
                    continue;
                }
                try (InputStream in = zf.getInputStream(e)) {
                    write(in, dest);
                }
                written++;
            }
        } catch (ZipException e) {
            throw new DataException(zip + ": corrupt zip archive (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DataException(zip + ": cannot extract into " + root + " (" + e.getMessage() + ")", e);
        }
        return new Extracted(written, skipped);
    }

    private static List<? extends ZipEntry> list(ZipFile zf) {
        List<ZipEntry> out = new ArrayList<>();
        Enumeration<? extends ZipEntry> en = zf.entries();
        while (en.hasMoreElements()) out.add(en.nextElement());
        return out;
    }

    /** Where an entry goes; a name that is absolute or climbs out of the target refuses the archive. */
    static Path dest(Path zip, Path root, String name) {
        String n = name.replace('\\', '/');
        Path d;
        try {
            d = n.startsWith("/") || n.matches("[A-Za-z]:.*") ? null : root.resolve(n).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            d = null;
        }
        if (d == null || !d.startsWith(root) || d.equals(root) && !n.endsWith("/"))
            throw new DataException(zip + ": unsafe entry '" + name + "' (outside the folder it is extracted into); the archive is refused");
        return d;
    }

    private static void move(Path tmp, Path dest) throws IOException {
        try {
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dest);
        }
    }
}
