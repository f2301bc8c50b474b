package dev.gt.api;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import org.junit.jupiter.api.Test;

/**
 * An in-process service's handler serves every stream with the same instance: one that keeps
 * per-connection state would serve the first visitor and leave the others hanging, so only a
 * {@code @Sharable} handler or a {@link ChannelInitializer} (which is one) is accepted.
 */
class ServiceSpecHandlerTest {
    /** Keeps state per connection, like most handlers: not sharable. */
    static final class PerConnectionHandler extends ChannelInboundHandlerAdapter {
    }

    @ChannelHandler.Sharable
    static final class StatelessHandler extends ChannelInboundHandlerAdapter {
    }

    @Test
    void aHandlerThatIsNotSharableIsRefusedWithItsClassAndTheExpectation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServiceSpec.handler(ServiceKind.HTTP, new PerConnectionHandler()).build());
        assertTrue(e.getMessage().contains(PerConnectionHandler.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains("@Sharable") && e.getMessage().contains("ChannelInitializer"),
                e.getMessage());
    }

    @Test
    void aChannelInitializerIsAccepted() {
        ChannelInitializer<Channel> init = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new PerConnectionHandler());
            }
        };
        assertSame(init, ServiceSpec.handler(ServiceKind.HTTP, init).build().handler());
        assertSame(init, ServiceSpec.handler(ServiceKind.TCP, init).allowRandomServerPort(true).build().handler());
    }

    @Test
    void aSharableHandlerIsAccepted() {
        StatelessHandler h = new StatelessHandler();
        assertSame(h, ServiceSpec.handler(ServiceKind.HTTP, h).hostPrefix("app").build().handler());
    }
}
