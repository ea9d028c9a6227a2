package dev.dycoke4j.hub;

import java.util.regex.Pattern;

/**
 * A model on the Hub: {@code org/name}, optionally {@code @revision} (a branch, tag or commit; {@code main} by
 * default). {@link #folder()} is the cache folder name, {@code models--org--name}, as huggingface_hub names it.
 * A dataset repo ({@link Type#DATASET}) is the same but for its URLs ({@code /api/datasets/...},
 * {@code /datasets/org/name/resolve/...}) and its cache folder, {@code datasets--org--name}.
 */
public record ModelRef(String repo, String revision, Type type) {
    /** The kind of Hub repo, as huggingface_hub's {@code repo_type}. */
    public enum Type { MODEL, DATASET }

    public static final String DEFAULT_REVISION = "main";
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public ModelRef {
        if (type == null) throw new IllegalArgumentException("no repo type for " + repo);
        if (!isRepoId(repo)) throw new IllegalArgumentException("'" + repo + "' is not a Hugging Face " + (type == Type.DATASET ? "dataset" : "model") + " id (org/name)");
        if (revision == null || revision.isBlank() || revision.contains("..") || revision.startsWith("/") || revision.contains("\\"))
            throw new IllegalArgumentException("'" + revision + "' is not a valid revision for " + repo);
    }

    /** A model repo. */
    public ModelRef(String repo, String revision) {
        this(repo, revision, Type.MODEL);
    }

    /** A dataset repo at a revision. */
    public static ModelRef dataset(String repo, String revision) {
        return new ModelRef(repo, revision, Type.DATASET);
    }

    /** Parses {@code org/name} or {@code org/name@revision}. */
    public static ModelRef parse(String text) {
        int at = text.indexOf('@');
        return at < 0 ? new ModelRef(text, DEFAULT_REVISION) : new ModelRef(text.substring(0, at), text.substring(at + 1));
    }

    /** Whether the text has the shape of a hub id, {@code org/name[@revision]}. */
    public static boolean looksLikeHubId(String text) {
        int at = text.indexOf('@');
        return isRepoId(at < 0 ? text : text.substring(0, at)) && (at < 0 || at + 1 < text.length());
    }

    static boolean isRepoId(String repo) {
        if (repo == null) return false;
        String[] p = repo.split("/", -1);
        return p.length == 2 && valid(p[0]) && valid(p[1]);
    }

    private static boolean valid(String part) {
        return PART.matcher(part).matches() && !part.contains("--") && !part.contains("..") && !part.endsWith(".") && !part.endsWith("-");
    }

    /** Whether the revision is already a full commit hash. */
    public boolean isCommit() {
        return COMMIT.matcher(revision).matches();
    }

    public ModelRef withRevision(String rev) {
        return new ModelRef(repo, rev, type);
    }

    /** {@code models--org--name}, or {@code datasets--org--name} for a dataset. */
    public String folder() {
        return (type == Type.DATASET ? "datasets--" : "models--") + repo.replace("/", "--");
    }

    /** The repo's path in Hub URLs: {@code org/name}, or {@code datasets/org/name} for a dataset. */
    String urlPath() {
        return type == Type.DATASET ? "datasets/" + repo : repo;
    }

    /** The revision API's path: {@code api/models/org/name}, or {@code api/datasets/org/name}. */
    String apiPath() {
        return (type == Type.DATASET ? "api/datasets/" : "api/models/") + repo;
    }

    /** The repo id from a cache folder name, or null when the folder is not a model's. */
    static String repoOfFolder(String folder) {
        if (!folder.startsWith("models--")) return null;
        String[] p = folder.substring(8).split("--", -1);
        return p.length == 2 && isRepoId(p[0] + "/" + p[1]) ? p[0] + "/" + p[1] : null;
    }

    @Override
    public String toString() {
        String name = type == Type.DATASET ? "dataset " + repo : repo;
        return revision.equals(DEFAULT_REVISION) ? name : name + "@" + revision;
    }
}
