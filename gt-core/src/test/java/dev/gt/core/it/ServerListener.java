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
 * a connection whose bytes reach the server's sniffer.
 */
enum ServerListener {
    ADDR, TLS, SNI;

    /**
     * A connection: {@code socket} carries the bytes (through TLS on {@code -tlsAddr}), {@code tcp}
     * is the TCP socket under it (the same one elsewhere).
     */
    record Connection(Socket socket, Socket tcp) implements AutoCloseable {
        /** Sends {@code bytes} (through TLS where there is TLS). */
        void write(byte[] bytes) throws java.io.IOException {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        }

        /** A TCP FIN: the end of what this side sends, without a TLS close_notify. */
        void fin() throws java.io.IOException {
            tcp.shutdownOutput();
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
            tcp.close();
        }
    }

    InetSocketAddress of(GtServer server) {
        return switch (this) {
            case ADDR -> server.listenAddress();
            case TLS -> server.tlsListenAddress();
            case SNI -> server.sniListenAddress();
        };
    }

    /** Connects; for {@link #TLS} with SNI {@code host}. The read timeout is 10 s. */
    Connection open(GtServer server, String host) throws Exception {
        InetSocketAddress addr = of(server);
        Socket plain = new Socket();
        plain.connect(addr, 5000);
        plain.setSoTimeout(10_000);
        if (this != TLS) {
            return new Connection(plain, plain);
        }
        SSLSocket s = (SSLSocket) TlsSmokeTest.trustAll().getSocketFactory().createSocket(plain, host,
                addr.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(host)));
        s.setSSLParameters(p);
        s.startHandshake();
        return new Connection(s, plain);
    }
}
