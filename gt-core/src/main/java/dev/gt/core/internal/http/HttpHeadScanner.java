package dev.gt.core.internal.http;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** TEMPORARY minimal scanner; replaced by the full implementation. */
public final class HttpHeadScanner {
    public enum Status { NEED_MORE, FOUND, BAD_REQUEST }

    private final String header;
    private final boolean hostMode;
    private final int max;
    private String key;
    private String error;
    private Status status = Status.NEED_MORE;

    public HttpHeadScanner(String headerName, int maxHeadBytes) {
        this.header = headerName.toLowerCase(Locale.ROOT);
        this.hostMode = headerName.equalsIgnoreCase("host");
        this.max = maxHeadBytes;
    }

    public Status scan(ByteBuf buf) {
        if (status != Status.NEED_MORE) {
            return status;
        }
        String s = buf.toString(buf.readerIndex(), Math.min(buf.readableBytes(), max), StandardCharsets.ISO_8859_1);
        String[] lines = s.split("\n", -1);
        for (int i = 1; i < lines.length - 1; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isEmpty()) {
                error = "missing " + header + " header";
                return status = Status.BAD_REQUEST;
            }
            int c = line.indexOf(':');
            if (c > 0 && line.substring(0, c).toLowerCase(Locale.ROOT).equals(header)) {
                String v = line.substring(c + 1).trim();
                if (hostMode) {
                    int colon = v.lastIndexOf(':');
                    if (colon > 0) {
                        v = v.substring(0, colon);
                    }
                    int dot = v.indexOf('.');
                    if (dot >= 0) {
                        v = v.substring(0, dot);
                    }
                }
                if (v.isEmpty()) {
                    error = "empty header";
                    return status = Status.BAD_REQUEST;
                }
                key = v.toLowerCase(Locale.ROOT);
                return status = Status.FOUND;
            }
        }
        if (buf.readableBytes() >= max) {
            error = "request head is larger than " + max + " bytes";
            return status = Status.BAD_REQUEST;
        }
        return Status.NEED_MORE;
    }

    public String routingKey() {
        return key;
    }

    public String error() {
        return error;
    }

    public int scannedBytes() {
        return 0;
    }
}
