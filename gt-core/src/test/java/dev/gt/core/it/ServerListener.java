package dev.gt.core.it;

import dev.gt.core.GtServer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The server's three public listeners, for tests that must hold on each: {@link #open} connects
 * (on {@code -tlsAddr} it also completes the TLS handshake, trusting any certificate) and returns
 * a socket whose bytes reach the server's sniffer.
 */
enum ServerListener {
    ADDR, TLS, SNI;

    InetSocketAddress of(GtServer server) {
        return switch (this) {
            case ADDR -> server.addr();
            case TLS -> server.tlsAddr();
            case SNI -> server.sniAddr();
        };
    }

    /** Connects; for {@link #TLS} with SNI {@code host}. The socket's read timeout is 10 s. */
    Socket open(GtServer server, String host) throws Exception {
        InetSocketAddress addr = of(server);
        Socket plain = new Socket();
        plain.connect(addr, 5000);
        plain.setSoTimeout(10_000);
        if (this != TLS) {
            return plain;
        }
        SSLSocket s = (SSLSocket) TlsSmokeTest.trustAll().getSocketFactory().createSocket(plain, host,
                addr.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(host)));
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }
}
