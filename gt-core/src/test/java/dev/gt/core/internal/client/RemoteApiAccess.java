package dev.gt.core.internal.client;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/** Lets tests in other packages reach {@link RemoteApi}'s answer parser. */
public final class RemoteApiAccess {
    private final RemoteApi api = new RemoteApi(URI.create("http://127.0.0.1:1/api"), Duration.ofSeconds(1));

    public String parse(byte[] body) throws IOException {
        return api.parse(body);
    }
}
