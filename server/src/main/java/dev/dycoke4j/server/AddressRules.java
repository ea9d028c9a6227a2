package dev.dycoke4j.server;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Which resolved addresses a media fetch may connect to: public unicast only. Loopback, unspecified, private
 * (RFC 1918, IPv6 unique local), carrier-grade NAT, link-local (which holds the cloud metadata address
 * 169.254.169.254), multicast, benchmarking and reserved ranges are refused, IPv4 inside IPv6 (mapped, compatible,
 * 6to4, NAT64) by the IPv4 address it carries.
 */
final class AddressRules {
    private AddressRules() {
    }

    /** Why {@code a} is refused, or null when it is a public address. */
    static String refusal(InetAddress a) {
        if (a instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            InetAddress inner = embeddedV4(b);
            if (inner != null) return refusal(inner);
            if (a.isLoopbackAddress()) return "a loopback address";
            if (a.isAnyLocalAddress()) return "the unspecified address";
            if (a.isLinkLocalAddress()) return "a link-local address";
            if (a.isSiteLocalAddress()) return "a site-local address";
            if ((b[0] & 0xfe) == 0xfc) return "a private (unique local) address";
            if (a.isMulticastAddress()) return "a multicast address";
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) return "a documentation address";
            return null;
        }
        byte[] b = a.getAddress();
        int x = b[0] & 0xff, y = b[1] & 0xff;
        if (a.isLoopbackAddress() || x == 127) return "a loopback address";
        if (x == 0) return "the unspecified address";
        if (a.isLinkLocalAddress() || x == 169 && y == 254) return "a link-local or cloud-metadata address";
        if (x == 10 || x == 172 && (y & 0xf0) == 16 || x == 192 && y == 168) return "a private address";
        if (x == 100 && (y & 0xc0) == 64) return "a carrier-grade NAT address";
        if (x == 192 && y == 0 && (b[2] & 0xff) == 0) return "an IETF protocol address";
        if (x == 198 && (y & 0xfe) == 18) return "a benchmarking address";
        if (x >= 224) return "a multicast or reserved address";
        return null;
    }

    /** The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64), or null. */
    private static InetAddress embeddedV4(byte[] b) {
        boolean zero10 = true;
        for (int i = 0; i < 10; i++) zero10 &= b[i] == 0;
        try {
            if (zero10 && (b[10] == 0 && b[11] == 0 || b[10] == (byte) 0xff && b[11] == (byte) 0xff)) {
                if (b[10] == 0 && b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] == 0 || b[15] == 1)) return null; // :: and ::1
                return Inet4Address.getByAddress(new byte[]{b[12], b[13], b[14], b[15]});
            }
            if (b[0] == 0x20 && b[1] == 0x02) return Inet4Address.getByAddress(new byte[]{b[2], b[3], b[4], b[5]});
            if (b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b)
                return Inet4Address.getByAddress(new byte[]{b[12], b[13], b[14], b[15]});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
        return null;
    }
}
