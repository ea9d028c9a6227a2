package dev.dycoke4j.hub;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The Hugging Face settings, read from an environment map (so tests never depend on the real environment or home):
 * the cache folder ({@code HF_HUB_CACHE}, else {@code HF_HOME/hub}, else {@code $XDG_CACHE_HOME/huggingface/hub}, else
 * {@code ~/.cache/huggingface/hub}, as huggingface_hub's {@code constants.py}), the endpoint ({@code HF_ENDPOINT}),
 * the token ({@code HF_TOKEN}) and offline mode ({@code HF_HUB_OFFLINE} or {@code TRANSFORMERS_OFFLINE}).
 * {@link #toString()} never shows the token.
 */
public final class HubEnv {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    private final Path cache;
    private final String endpoint;
    private final String token;
    private final boolean offline;

    public HubEnv(Path cache, String endpoint, String token, boolean offline) {
        this.cache = cache;
        this.endpoint = stripSlashes(endpoint);
        this.token = token == null || token.isBlank() ? null : token.strip();
        this.offline = offline;
    }

    /** Settings from environment variables; {@code home} stands for {@code ~}. */
    public static HubEnv from(Map<String, String> env, Path home) {
        Path cache;
        String hubCache = nonEmpty(env.get("HF_HUB_CACHE"), env.get("HUGGINGFACE_HUB_CACHE"));
        if (hubCache != null) cache = expandHome(hubCache, home);
        else {
            String hfHome = env.get("HF_HOME");
            String xdg = env.get("XDG_CACHE_HOME");
            Path base = hfHome != null && !hfHome.isEmpty() ? expandHome(hfHome, home)
                    : (xdg != null && !xdg.isEmpty() ? expandHome(xdg, home) : home.resolve(".cache")).resolve("huggingface");
            cache = base.resolve("hub");
        }
        String endpoint = nonEmpty(env.get("HF_ENDPOINT"), DEFAULT_ENDPOINT);
        boolean offline = isTrue(env.get("HF_HUB_OFFLINE")) || isTrue(env.get("TRANSFORMERS_OFFLINE"));
        return new HubEnv(cache.toAbsolutePath().normalize(), endpoint, env.get("HF_TOKEN"), offline);
    }

    /** The real process environment and home directory. */
    public static HubEnv system() {
        return from(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    public Path cache() {
        return cache;
    }

    public String endpoint() {
        return endpoint;
    }

    /** The token, for the Authorization header only; never print it. */
    Optional<String> token() {
        return Optional.ofNullable(token);
    }

    public boolean hasToken() {
        return token != null;
    }

    public boolean offline() {
        return offline;
    }

    public HubEnv withOffline(boolean off) {
        return new HubEnv(cache, endpoint, token, off);
    }

    /** huggingface_hub's truthy values: 1, ON, YES, TRUE in any case. */
    static boolean isTrue(String v) {
        if (v == null) return false;
        String u = v.strip().toUpperCase(Locale.ROOT);
        return u.equals("1") || u.equals("ON") || u.equals("YES") || u.equals("TRUE");
    }

    private static String nonEmpty(String a, String b) {
        return a != null && !a.isEmpty() ? a : b != null && !b.isEmpty() ? b : null;
    }

    private static Path expandHome(String p, Path home) {
        if (p.equals("~")) return home;
        if (p.startsWith("~/")) return home.resolve(p.substring(2));
        return Path.of(p);
    }

    private static String stripSlashes(String s) {
        String e = s == null ? DEFAULT_ENDPOINT : s;
        while (e.endsWith("/")) e = e.substring(0, e.length() - 1);
        return e;
    }

    @Override
    public String toString() {
        return "HubEnv[cache=" + cache + ", endpoint=" + endpoint + ", token=" + (token == null ? "none" : "(set)") + ", offline=" + offline + "]";
    }
}
