package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request that fails, as OpenAI's API reports it: an HTTP status and {@code {"error": {message, type, param, code}}}.
 * The message is ours, one line; it never carries a decoder's or a remote server's own text.
 */
final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    ApiError(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request is wrong; {@code param} names the field (may be null). */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message);
    }

    static ApiError unauthorized() {
        return new ApiError(401, "authentication_error", null, "invalid_api_key", "a valid API key is required (Authorization: Bearer KEY)");
    }

    static ApiError unknownModel(String model, String served) {
        return new ApiError(404, "invalid_request_error", "model", "model_not_found",
                "the model '" + model + "' does not exist; this server serves '" + served + "'");
    }

    static ApiError notFound(String path) {
        return new ApiError(404, "invalid_request_error", null, "not_found", "no such endpoint: " + path);
    }

    static ApiError tooLarge(String param, String message) {
        return new ApiError(413, "invalid_request_error", param, "request_too_large", message);
    }

    static ApiError queueFull(int max) {
        return new ApiError(429, "server_busy", null, "queue_full", "the server's queue is full (" + max + " requests waiting); try again later");
    }

    static ApiError internal() {
        return new ApiError(500, "server_error", null, null, "the server failed to answer this request");
    }

    static ApiError unavailable() {
        return new ApiError(503, "service_unavailable", null, null, "the server is shutting down");
    }

    int status() {
        return status;
    }

    /** {@code {"error": {...}}}. */
    ObjectNode json() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return root;
    }
}
