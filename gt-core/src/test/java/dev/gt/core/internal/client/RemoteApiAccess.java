package dev.gt.core.internal.client;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/** Lets tests in other packages reach {@link RemoteApi}'s answer parser. */
public final class RemoteApiAccess {
    /** How every failure message of {@link #parse} starts: the option and the API's URL. */
    public static final String MESSAGE_PREFIX = "-remoteAPI http://127.0.0.1:1/api: ";

    private final RemoteApi api = new RemoteApi(URI.create("http://127.0.0.1:1/api"), Duration.ofSeconds(1));

    public String parse(byte[] body) throws IOException {
        return api.parse(body);
    }
}
