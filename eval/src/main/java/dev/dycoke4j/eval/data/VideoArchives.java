package dev.dycoke4j.eval.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * lmms-eval's extraction of a video dataset: every {@code .zip} anywhere in the repo's snapshot, in sorted order,
 * extracted into {@code HF_HOME/<cache_dir>} with the paths it holds, a file already there left as it is. Unlike
 * Python's {@code zipfile}, which quietly rewrites unsafe names, an entry whose name would land outside the target
 * (absolute, or with "..") refuses the whole archive. Each file is written beside its place and renamed, so an
 * interrupted extraction never leaves a partial file that a later one would skip.
 */
public final class VideoArchives {
    private VideoArchives() {
    }

    /** What an extraction did: files written, files already there, and tar archives left for the user (not read here). */
    public record Extracted(int written, int skipped, List<Path> tars) {
        public Extracted {
            tars = List.copyOf(tars);
        }
    }

    /** Extracts every zip below {@code snapshot} into {@code target}; lists the tar archives found, which are not extracted. */
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
        return new Extracted(written, skipped, tars);
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
                Files.createDirectories(dest.getParent());
                Path tmp = dest.resolveSibling("." + dest.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".part");
                try (InputStream in = zf.getInputStream(e)) {
                    Files.copy(in, tmp);
                    move(tmp, dest);
                } finally {
                    Files.deleteIfExists(tmp);
                }
                written++;
            }
        } catch (ZipException e) {
            throw new DataException(zip + ": corrupt zip archive (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DataException(zip + ": cannot extract into " + root + " (" + e.getMessage() + ")", e);
        }
        return new Extracted(written, skipped, List.of());
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
