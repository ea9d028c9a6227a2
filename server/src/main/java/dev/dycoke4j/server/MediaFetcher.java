package dev.dycoke4j.server;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpHeader;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a {@code video_url} into a file, as {@link MediaPolicy} allows: {@code file://} below the allowed folder (its
 * real path: no {@code ..} or symbolic link leads out), {@code data:video/...;base64,} and {@code http(s)://} to the
 * allowed hosts into a temporary file under the size cap, {@code dycoke://video/<id>} to a {@link VideoStore}'s video. An http(s) host is resolved here and every address it
 * resolves to must be public (unless the host is an IP address listed as allowed); the connection goes to the
 * addresses that were checked (the HTTP client's resolver is this check), and every redirect hop is checked again.
 * Refusals are {@link ApiError}s naming the field; a remote server's own text is never passed on. Thread-safe.
 */
final class MediaFetcher implements AutoCloseable {
    private static final Pattern DATA = Pattern.compile("data:(video/[a-z0-9.+-]+)(?:;[a-z0-9=.+-]+)*;base64,", Pattern.CASE_INSENSITIVE);
    private static final int MAX_REDIRECTS = 5;

    private final MediaPolicy policy;
    private final VideoStore videos;
    private final Path tempDir;
    private final Consumer<String> log;
    private final HttpClient http;

    MediaFetcher(MediaPolicy policy, Path tempDir, VideoStore videos, Consumer<String> log) {
        this.policy = policy;
        this.videos = videos;
        this.tempDir = tempDir;
        this.log = log;
        this.http = new HttpClient();
        http.setFollowRedirects(false);
        http.setConnectTimeout(policy.connectTimeout().toMillis());
        http.setIdleTimeout(policy.readTimeout().toMillis());
        http.setSocketAddressResolver(new CheckedResolver(policy.domains()));
        if (!policy.domains().isEmpty()) {
            try {
                http.start();
            } catch (Exception e) {
                throw new IllegalStateException("the media HTTP client did not start", e);
            }
        }
    }

    /** The video {@code url} names; {@code param} is the request field that holds it. */
    Media fetch(String url, String param) {
        String lower = url.strip().toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) return data(url.strip(), param);
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw ApiError.invalid(param, "the video URL is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "file" -> file(uri, param);
            case "http", "https" -> remote(uri, param);
            case "dycoke" -> videos.media(uri, param);
            default -> throw ApiError.invalid(param, "the video URL must be file://, http://, https:// or data:video/...;base64, or an upload's dycoke://video/<id> (got '"
                    + (scheme.isEmpty() ? "no scheme" : scheme) + "')");
        };
    }

    private Media file(URI uri, String param) {
        Path root = policy.localRoot();
        if (root == null)
            throw ApiError.invalid(param, "file:// URLs are not allowed on this server (it was started without --allowed-local-media-path)");
        if (uri.getAuthority() != null && !uri.getAuthority().isEmpty() && !uri.getAuthority().equalsIgnoreCase("localhost"))
            throw ApiError.invalid(param, "a file:// URL must name a local file (no host)");
        String raw = uri.getPath();
        if (raw == null || !raw.startsWith("/")) throw ApiError.invalid(param, "a file:// URL must hold an absolute path");
        Path lexical = Path.of(raw).normalize();
        if (!lexical.startsWith(root)) throw ApiError.invalid(param, "the file is outside the allowed local media folder");
        Path real;
        try {
            real = lexical.toRealPath();
        } catch (IOException e) {
            throw ApiError.invalid(param, "the file " + lexical + " does not exist");
        }
        if (!real.startsWith(root)) throw ApiError.invalid(param, "the file is outside the allowed local media folder");
        if (!Files.isRegularFile(real)) throw ApiError.invalid(param, "the path " + lexical + " is not a file");
        try {
            if (Files.size(real) > policy.maxBytes())
                throw ApiError.tooLarge(param, "the video is larger than the server's cap of " + policy.maxBytes() + " bytes");
        } catch (IOException e) {
            throw ApiError.invalid(param, "the file " + lexical + " can't be read");
        }
        return new Media(real, false);
    }

    private Media data(String url, String param) {
        Matcher m = DATA.matcher(url);
        if (!m.lookingAt()) throw ApiError.invalid(param, "a data: URL must be data:video/...;base64,...");
        int start = m.end();
        long decoded = (url.length() - start) / 4L * 3;
        if (decoded > policy.maxBytes() + 2)
            throw ApiError.tooLarge(param, "the video is larger than the server's cap of " + policy.maxBytes() + " bytes");
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(url.substring(start));
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid(param, "the data: URL is not valid base64");
        }
        if (bytes.length > policy.maxBytes())
            throw ApiError.tooLarge(param, "the video is larger than the server's cap of " + policy.maxBytes() + " bytes");
        Path f = tempFile(suffix(m.group(1)));
        try {
            Files.write(f, bytes);
        } catch (IOException e) {
            delete(f);
            throw new IllegalStateException("writing a temporary video failed", e);
        }
        return new Media(f, true);
    }

    private Media remote(URI uri, String param) {
        URI at = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            checkHost(at, param);
            Path f = tempFile(".video");
            boolean kept = false;
            try {
                URI next = get(at, f, param);
                if (next == null) {
                    kept = true;
                    return new Media(f, true);
                }
                at = next;
            } finally {
                if (!kept) delete(f);
            }
        }
        throw ApiError.invalid(param, "the video URL redirects more than " + MAX_REDIRECTS + " times");
    }

    /** Refuses a URL whose host is not allowed; the addresses are checked when the client resolves it. */
    private void checkHost(URI uri, String param) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) throw ApiError.invalid(param, "the video URL redirects to a " + scheme + " URL");
        String host = host(uri);
        if (host == null) throw ApiError.invalid(param, "the video URL has no host");
        if (uri.getUserInfo() != null) throw ApiError.invalid(param, "the video URL must not carry credentials");
        if (!policy.domains().contains(host))
            throw ApiError.invalid(param, "the host " + host + " is not among the server's allowed media domains");
    }

    /** Fetches {@code uri} into {@code f}; returns the redirect's target, or null when the video is in {@code f}. */
    private URI get(URI uri, Path f, String param) {
        InputStreamResponseListener listener = new InputStreamResponseListener();
        Request req = http.newRequest(uri).timeout(policy.readTimeout().toMillis() * 4, TimeUnit.MILLISECONDS)
                .idleTimeout(policy.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        req.send(listener);
        Response resp;
        try {
            resp = listener.get(policy.connectTimeout().toMillis() + policy.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            req.abort(e);
            throw refusedOrFailed(uri, e.getCause(), param);
        } catch (TimeoutException e) {
            req.abort(e);
            throw ApiError.invalid(param, "the video URL did not answer in time");
        } catch (InterruptedException e) {
            req.abort(e);
            Thread.currentThread().interrupt();
            throw ApiError.unavailable();
        }
        int status = resp.getStatus();
        if (status >= 300 && status < 400 && resp.getHeaders().get(HttpHeader.LOCATION) != null) {
            try (InputStream body = listener.getInputStream()) {
                body.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // the redirect's own body does not matter
            }
            try {
                return uri.resolve(resp.getHeaders().get(HttpHeader.LOCATION));
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid(param, "the video URL redirects to an invalid URL");
            }
        }
        if (status != 200) {
            req.abort(new IOException("status " + status));
            throw ApiError.invalid(param, "the video URL answered HTTP " + status);
        }
        long length = resp.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (length > policy.maxBytes()) {
            req.abort(new IOException("too large"));
            throw ApiError.tooLarge(param, "the video is larger than the server's cap of " + policy.maxBytes() + " bytes");
        }
        try (InputStream in = listener.getInputStream(); OutputStream out = Files.newOutputStream(f)) {
            byte[] buf = new byte[64 << 10];
            long total = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
                if (total > policy.maxBytes()) {
                    req.abort(new IOException("too large"));
                    throw ApiError.tooLarge(param, "the video is larger than the server's cap of " + policy.maxBytes() + " bytes");
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            req.abort(e);
            log.accept("media fetch of " + uri.getHost() + " failed: " + e);
            throw ApiError.invalid(param, timedOut(e) ? "the video URL stopped sending before the video was complete (timed out)" : "the video could not be fetched");
        }
        return null;
    }

    private ApiError refusedOrFailed(URI uri, Throwable cause, String param) {
        for (Throwable t = cause; t != null; t = t.getCause())
            if (t instanceof CheckedResolver.Refused r) return ApiError.invalid(param, r.getMessage());
        log.accept("media fetch of " + uri.getHost() + " failed: " + cause);
        if (timedOut(cause)) return ApiError.invalid(param, "the video URL did not answer in time");
        return ApiError.invalid(param, "the video could not be fetched");
    }

    /** Whether {@code e} or a cause is a connect or read timeout (the client's own wording varies). */
    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof TimeoutException || t instanceof java.net.SocketTimeoutException) return true;
        return false;
    }

    /** The host of {@code uri} in lower case, without an IPv6 literal's brackets, or null. */
    private static String host(URI uri) {
        String h = uri.getHost();
        if (h == null) return null;
        h = h.toLowerCase(Locale.ROOT);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private Path tempFile(String suffix) {
        try {
            return Files.createTempFile(tempDir, "media-", suffix);
        } catch (IOException e) {
            throw new IllegalStateException("creating a temporary video file in " + tempDir + " failed", e);
        }
    }

    private static String suffix(String mime) {
        String sub = mime.substring(mime.indexOf('/') + 1).toLowerCase(Locale.ROOT);
        return "." + (sub.matches("[a-z0-9]{1,10}") ? sub : "video");
    }

    private static void delete(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            f.toFile().deleteOnExit();
        }
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            log.accept("stopping the media HTTP client failed: " + e);
        }
    }
}
