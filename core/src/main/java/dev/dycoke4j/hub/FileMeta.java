package dev.dycoke4j.hub;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * A file's metadata from a HEAD on {@code resolve/}: where to download it (the CDN location of an LFS file), its etag
 * (normalised: the sha256 of an LFS file, the git blob id of a small one), its size and the commit.
 */
public record FileMeta(String file, URI location, String etag, long size, String commit) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** LFS files are named by their sha256, which the download is checked against. */
    public boolean hasSha256() {
        return SHA256.matcher(etag).matches();
    }

    /** The etag as huggingface_hub normalises it: without a weak-validator prefix and without quotes. */
    static String normaliseEtag(String etag) {
        if (etag == null) return null;
        String e = etag.strip();
        if (e.startsWith("W/")) e = e.substring(2);
        while (e.startsWith("\"")) e = e.substring(1);
        while (e.endsWith("\"")) e = e.substring(0, e.length() - 1);
        return e;
    }
}
