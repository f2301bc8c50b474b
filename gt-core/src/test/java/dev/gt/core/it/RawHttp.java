package dev.gt.core.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal blocking HTTP/1.1 client over a plain socket, so that tests control every header byte. */
public final class RawHttp {
    private RawHttp() {
    }

    /** A parsed response. */
    public record Response(int status, String head, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public static Response get(InetSocketAddress server, String host, String path) throws IOException {
        return request(server, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n", null);
    }

    public static Response post(InetSocketAddress server, String host, String path, byte[] body) throws IOException {
        return request(server, "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n", body);
    }

    public static Response request(InetSocketAddress server, String head, byte[] body) throws IOException {
        return request(server, head, body, 30_000);
    }

    /** Like {@link #request(InetSocketAddress, String, byte[])}, failing after {@code readTimeoutMillis} of silence. */
    public static Response request(InetSocketAddress server, String head, byte[] body, int readTimeoutMillis)
            throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server, 5000);
            s.setSoTimeout(readTimeoutMillis);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            return read(s.getInputStream());
        }
    }

    /** Reads a response whose end is the connection's end. */
    public static Response read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        byte[] b = all.toByteArray();
        String text = new String(b, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("no complete response head in " + b.length + " bytes: " + text);
        }
        String head = text.substring(0, end);
        int status = Integer.parseInt(head.substring(9, 12));
        byte[] body = java.util.Arrays.copyOfRange(b, end + 4, b.length);
        return new Response(status, head, body);
    }
}
