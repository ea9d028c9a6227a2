package dev.dycoke4j.server;

import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Notices a client that went away while its request waits for the engine and nothing is being written to it (a whole,
 * non-streamed answer). Jetty reads nothing more from an HTTP/1.1 connection while its request is being handled, so it
 * would notice only when the answer is written; {@link #gone} reads the connection without waiting instead: the end of
 * its input means the client closed it. A client that sends bytes meanwhile can only be pipelining its next request,
 * which no common client does; those bytes are lost, so the connection is closed after this answer.
 */
final class ClientWatch {
    private final Context ctx;
    private final EndPoint endPoint;
    private final ByteBuffer probe = BufferUtil.allocate(256);
    private boolean gone;

    private ClientWatch(Context ctx, EndPoint endPoint) {
        this.ctx = ctx;
        this.endPoint = endPoint;
    }

    /** Watches the connection of {@code ctx} (nothing, where it is not Jetty's). */
    static ClientWatch on(Context ctx) {
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
        return new ClientWatch(ctx, request == null ? null : request.getConnectionMetaData().getConnection().getEndPoint());
    }

    /** Whether the client has closed the connection (or it failed); reads without waiting. */
    boolean gone() {
        if (gone || endPoint == null) return gone;
        if (!endPoint.isOpen() || endPoint.isInputShutdown()) return gone = true;
        if (endPoint.isFillInterested()) return false; // Jetty reads the connection itself: leave it to
        try {
            int n = endPoint.fill(probe);
            BufferUtil.clear(probe);
            if (n < 0) return gone = true;
            if (n > 0) ctx.res().setHeader("Connection", "close");
            return false;
        } catch (IOException e) {
            return gone = true;
        }
    }
}
