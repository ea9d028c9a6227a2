package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The web page and the API it uses beside OpenAI's: the page's static files at {@code /} (from the jar, with a
 * Content-Security-Policy that allows no inline script), {@code GET /v1/dycoke/methods}, {@code POST /v1/dycoke/videos}
 * (an upload), {@code GET /v1/dycoke/videos/{id}/frames/{i}} (a sampled frame's JPEG thumbnail) and
 * {@code GET|POST /v1/dycoke/local-videos} (the files under the allowed local folder, and picking one by name).
 * The API answers errors in OpenAI's shape and asks for the API key as the chat endpoint does.
 */
final class WebRoutes {
    /** Where the page's files are in the jar. */
    static final String PAGE = "/dycoke-web";
    /** Scripts and styles only from this server, no inline script, no plug-ins, no framing, fetches only to it. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_PICK_BODY = 64 << 10;

    private final ServerConfig config;
    private final VideoStore videos;
    private final FrameThumbnails thumbnails;
    private final Consumer<Context> authorize;

    WebRoutes(ServerConfig config, VideoStore videos, FrameThumbnails thumbnails, Consumer<Context> authorize) {
        this.config = config;
        this.videos = videos;
        this.thumbnails = thumbnails;
        this.authorize = authorize;
    }

    void install(JavalinConfig cfg) {
        cfg.staticFiles.add(sf -> {
            sf.hostedPath = "/";
            sf.directory = PAGE;
            sf.location = Location.CLASSPATH;
            sf.headers = Map.of("Content-Security-Policy", CSP, "X-Content-Type-Options", "nosniff", "Referrer-Policy", "no-referrer",
                    "Cache-Control", "no-cache");
        });
        cfg.routes.get("/v1/dycoke/methods", ctx -> {
            authorize.accept(ctx);
            json(ctx, MethodsJson.of(config));
        });
        cfg.routes.post("/v1/dycoke/videos", this::upload);
        cfg.routes.get("/v1/dycoke/videos/{id}/frames/{index}", this::frame);
        cfg.routes.get("/v1/dycoke/local-videos", this::listLocal);
        cfg.routes.post("/v1/dycoke/local-videos", this::pickLocal);
    }

    private void upload(Context ctx) throws IOException {
        authorize.accept(ctx);
        VideoStore.Stored s;
        try (InputStream in = ctx.req().getInputStream()) {
            s = videos.upload(in, ctx.req().getContentLengthLong());
        }
        json(ctx, stored(s));
    }

    private void frame(Context ctx) {
        authorize.accept(ctx);
        VideoStore.Stored s = videos.get(ctx.pathParam("id"), "id");
        int index = integer(ctx.pathParam("index"), "index", 0, Integer.MAX_VALUE);
        String f = ctx.queryParam("frames");
        int frames = f == null ? config.defaults().frames() : integer(f, "frames", 1, config.maxFrames());
        if (index >= frames)
            throw VideoStore.missing("index", "frame " + index + " is out of range: " + frames + " frames are sampled (0.." + (frames - 1) + ")");
        byte[] jpeg = thumbnails.frame(s, frames, index);
        ctx.header("Cache-Control", "private, max-age=3600");
        ctx.contentType("image/jpeg").result(jpeg);
    }

    private void listLocal(Context ctx) throws IOException {
        authorize.accept(ctx);
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        root.put("enabled", config.media().localRoot() != null);
        var data = root.putArray("data");
        for (var e : videos.local()) data.addObject().put("name", e.getKey()).put("bytes", e.getValue());
        json(ctx, root);
    }

    private void pickLocal(Context ctx) throws IOException {
        authorize.accept(ctx);
        byte[] body;
        try (InputStream in = ctx.req().getInputStream()) {
            body = in.readNBytes((int) MAX_PICK_BODY + 1);
        }
        if (body.length > MAX_PICK_BODY) throw ApiError.tooLarge(null, "the request body is larger than " + MAX_PICK_BODY + " bytes");
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (IOException e) {
            throw ApiError.invalid(null, "the request body is not valid JSON");
        }
        if (req == null || !req.isObject() || !req.path("name").isTextual())
            throw ApiError.invalid("name", "the body must be {\"name\": a file's name relative to the local media folder}");
        json(ctx, stored(videos.pickLocal(req.get("name").asText())));
    }

    private static ObjectNode stored(VideoStore.Stored s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", s.id());
        o.put("object", "dycoke.video");
        o.put("bytes", s.bytes());
        o.put("url", s.url());
        return o;
    }

    private static int integer(String text, String param, int min, int max) {
        int v;
        try {
            v = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw ApiError.invalid(param, param + " must be an integer, got '" + (text.length() > 20 ? text.substring(0, 20) + "..." : text) + "'");
        }
        if (v < min || v > max) throw ApiError.invalid(param, param + " must be in " + min + ".." + max + ", got " + v);
        return v;
    }

    private static void json(Context ctx, ObjectNode o) {
        ctx.contentType("application/json").result(o.toString());
    }
}
