package dev.dycoke4j.server;

import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The media HTTP client's resolver: a host must be an allowed domain, and it is handed only addresses that pass
 * {@link AddressRules} (every address the host resolves to must), so the connection goes to an address that was
 * checked and a second lookup can't rebind it. An IP address listed as an allowed domain is allowed whatever it is:
 * the operator named it.
 */
final class CheckedResolver implements SocketAddressResolver {
    /** A host or address the rules refuse; the message names the host and why. */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    private final Set<String> domains;

    CheckedResolver(Set<String> domains) {
        this.domains = domains;
    }

    @Override
    public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        try {
            if (!domains.contains(h)) throw new Refused("the host " + h + " is not among the server's allowed media domains");
            boolean literal = isLiteral(h);
            List<InetSocketAddress> ok = new ArrayList<>();
            for (InetAddress a : InetAddress.getAllByName(h)) {
                String why = literal ? null : AddressRules.refusal(a);
                if (why != null) throw new Refused("the host " + h + " resolves to " + why + " (" + a.getHostAddress() + "), which media URLs may not reach");
                ok.add(new InetSocketAddress(a, port));
            }
            promise.succeeded(ok);
        } catch (Refused e) {
            promise.failed(e);
        } catch (UnknownHostException e) {
            promise.failed(new IOException("unknown host " + h));
        }
    }

    /** Whether {@code host} is an IPv4 or IPv6 address literal rather than a name. */
    static boolean isLiteral(String host) {
        return host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || host.contains(":");
    }
}
