package dev.dycoke4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The Hub's HTTP protocol, as huggingface_hub speaks it: the revision API for the commit and the file list, a HEAD on
 * {@code {endpoint}/{repo}/resolve/{commit}/{file}} ({@code {endpoint}/datasets/{repo}/...} for a dataset) for a file's metadata (redirects are not followed, so that the
 * {@code X-Linked-Etag}, {@code X-Linked-Size} and {@code X-Repo-Commit} of an LFS file are read from the first answer),
 * and ranged GETs on the location it gives. {@code HF_TOKEN} goes in the Authorization header, and only to the
 * endpoint's host; it never appears in a message.
 */
public final class HubClient {
    private static final Pattern SAFE_ETAG = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final String USER_AGENT = "dycoke4j/0.1.0; java/" + Runtime.version().feature();

    private final HubEnv env;
    private final HttpClient http;
    private final URI endpoint;

    public HubClient(HubEnv env) {
        if (env.offline()) throw new IllegalStateException("offline mode: no HubClient may be made");
        this.env = env;
        this.endpoint = URI.create(env.endpoint() + "/");
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(20)).build();
    }

    /** The commit a revision points to, and the repo's files. */
    public RepoInfo revision(ModelRef ref) {
        URI uri = URI.create(env.endpoint() + "/" + ref.apiPath() + "/revision/" + encode(ref.revision()));
        HttpResponse<String> r = send(ref, null, request(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw error(ref, null, r.statusCode(), r.headers().firstValue("X-Error-Code").orElse(""));
        try {
            JsonNode root = new ObjectMapper().readTree(r.body());
            String sha = root.path("sha").asText("");
            if (!COMMIT.matcher(sha).matches()) throw new IOException("no commit sha");
            List<String> files = new ArrayList<>();
            for (JsonNode s : root.path("siblings")) files.add(s.path("rfilename").asText());
            return new RepoInfo(sha, files);
        } catch (IOException e) {
            throw new HubException(HubException.Kind.PROTOCOL, ref + ": " + env.endpoint() + " did not answer like the Hugging Face Hub (" + e.getMessage() + ")");
        }
    }

    /** HEAD on {@code resolve/{commit}/{file}}: location, etag, size and commit, without following the redirect. */
    public FileMeta head(ModelRef ref, String commit, String file) {
        URI uri = resolveUri(ref, commit, file);
        HttpResponse<Void> r = send(ref, file, request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept-Encoding", "identity").build(), HttpResponse.BodyHandlers.discarding());
        int code = r.statusCode();
        boolean redirect = code / 100 == 3;
        if (!redirect && code != 200) throw error(ref, file, code, r.headers().firstValue("X-Error-Code").orElse(""));
        var h = r.headers();
        String etag = FileMeta.normaliseEtag(h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).orElse(null));
        String size = h.firstValue("X-Linked-Size").orElse(redirect ? null : h.firstValue("Content-Length").orElse(null));
        String repoCommit = h.firstValue("X-Repo-Commit").orElse(null);
        URI location = redirect ? h.firstValue("Location").map(uri::resolve).orElse(null) : uri;
        if (repoCommit == null || etag == null || size == null || location == null || !SAFE_ETAG.matcher(etag).matches())
            throw new HubException(HubException.Kind.PROTOCOL, ref + ": " + file + ": " + env.endpoint()
                    + " did not answer like the Hugging Face Hub (missing or bad X-Repo-Commit, ETag or size); check HF_ENDPOINT and any proxy");
        try {
            return new FileMeta(file, location, etag, Long.parseLong(size.strip()), repoCommit);
        } catch (NumberFormatException e) {
            throw new HubException(HubException.Kind.PROTOCOL, ref + ": " + file + ": bad file size '" + size + "' from " + env.endpoint());
        }
    }

    /** A GET of {@code location} from byte {@code from} on (a Range request when {@code from > 0}), following redirects. */
    public HttpResponse<InputStream> get(ModelRef ref, String file, URI location, long from) throws IOException {
        URI uri = location;
        for (int hops = 0; hops < 6; hops++) {
            HttpRequest.Builder b = request(uri).GET().header("Accept-Encoding", "identity");
            if (from > 0) b.header("Range", "bytes=" + from + "-");
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int code = r.statusCode();
            if (code / 100 != 3) {
                if (code == 200 || code == 206 || code == 416) return r;
                r.body().close();
                throw error(ref, file, code, r.headers().firstValue("X-Error-Code").orElse(""));
            }
            r.body().close();
            URI next = r.headers().firstValue("Location").map(uri::resolve).orElse(null);
            if (next == null) break;
            uri = next;
        }
        throw new HubException(HubException.Kind.PROTOCOL, ref + ": " + file + ": too many redirects from " + env.endpoint());
    }

    URI resolveUri(ModelRef ref, String commit, String file) {
        StringBuilder path = new StringBuilder();
        for (String part : file.split("/")) path.append('/').append(encode(part));
        return URI.create(env.endpoint() + "/" + ref.urlPath() + "/resolve/" + encode(commit) + path);
    }

    /** A request with the user agent, and the token only when the URI is on the endpoint's host (never to a CDN). */
    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2)).header("User-Agent", USER_AGENT);
        boolean sameHost = Objects.equals(uri.getHost(), endpoint.getHost()) && uri.getPort() == endpoint.getPort()
                && Objects.equals(uri.getScheme(), endpoint.getScheme());
        if (sameHost) env.token().ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    private <T> HttpResponse<T> send(ModelRef ref, String file, HttpRequest req, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(req, body);
        } catch (IOException e) {
            throw new HubException(HubException.Kind.NETWORK, ref + (file == null ? "" : ": " + file) + ": cannot reach "
                    + env.endpoint() + " (" + describe(e) + "); check the network, HF_ENDPOINT, or use --offline with a cached model", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(HubException.Kind.NETWORK, ref + ": interrupted", e);
        }
    }

    /** One line for an HTTP error, as huggingface_hub reads {@code X-Error-Code}; says what to do about it. */
    HubException error(ModelRef ref, String file, int code, String errorCode) {
        String what = ref.repo() + (file == null ? "" : ": " + file);
        String tokenHint = env.hasToken() ? "the token in HF_TOKEN has no access to it; request access on its page, or use a token that has"
                : "set HF_TOKEN to a token with access";
        if (errorCode.equals("GatedRepo"))
            return new HubException(HubException.Kind.ACCESS, what + ": gated repo, access refused (HTTP " + code + "); " + tokenHint);
        if (errorCode.equals("RevisionNotFound"))
            return new HubException(HubException.Kind.NOT_FOUND, ref.repo() + ": revision '" + ref.revision() + "' not found on " + env.endpoint() + " (HTTP " + code + ")");
        if (errorCode.equals("EntryNotFound"))
            return new HubException(HubException.Kind.NOT_FOUND, what + ": file not found at revision '" + ref.revision() + "' (HTTP " + code + ")");
        if (errorCode.equals("RepoNotFound") || code == 404)
            return new HubException(code == 401 || code == 403 ? HubException.Kind.ACCESS : HubException.Kind.NOT_FOUND,
                    what + ": repository not found on " + env.endpoint() + " (HTTP " + code + "); check the name, or if it is private, "
                            + (env.hasToken() ? "check that HF_TOKEN has access" : "set HF_TOKEN"));
        if (code == 401 || code == 403)
            return new HubException(HubException.Kind.ACCESS, what + ": private or gated repo, access refused (HTTP " + code + "); " + tokenHint);
        if (code == 429)
            return new HubException(HubException.Kind.NETWORK, what + ": rate-limited by " + env.endpoint() + " (HTTP 429); try again later" + (env.hasToken() ? "" : ", or set HF_TOKEN"));
        return new HubException(code >= 500 ? HubException.Kind.NETWORK : HubException.Kind.PROTOCOL,
                what + ": " + env.endpoint() + " answered HTTP " + code + (code >= 500 ? "; the Hub may be down, try again later" : ""));
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof ConnectException) return "connection refused" + (m == null || m.isBlank() ? "" : ": " + m);
        if (m == null || m.isBlank()) return e.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
