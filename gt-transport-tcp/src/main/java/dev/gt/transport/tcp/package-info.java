/**
 * TCP transport providers for GT: epoll (priority 30), io_uring (20) and NIO (10), discovered
 * with {@link java.util.ServiceLoader}; the best available one is used. Set the system property
 * {@code gt.ioEngine} to {@code nio}, {@code epoll} or {@code io_uring} to force one.
 */
package dev.gt.transport.tcp;
