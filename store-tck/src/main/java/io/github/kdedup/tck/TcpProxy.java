package io.github.kdedup.tck;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on loopback that a test puts between a client and a real server, to cut the
 * connection or make it silent at a chosen moment and then restore it. Thread-safe.
 *
 * <ul>
 *   <li>{@link Mode#FORWARD}: bytes flow both ways (the start state).
 *   <li>{@link Mode#CUT}: every open connection is closed (the client sees a reset or an end of
 *       stream) and each new one is closed as soon as it is accepted, as when the server is down.
 *   <li>{@link Mode#BLACK_HOLE}: connections stay open and new ones are accepted, but nothing is
 *       forwarded in either direction, as when a server or a network hangs: only the client's own
 *       timeouts end a call.
 * </ul>
 *
 * <p>Going back to {@code FORWARD} serves new connections normally; connections opened before a
 * cut are gone, and connections opened before a black hole are closed by {@link #restore()} (the
 * bytes they sent meanwhile were dropped, so they could never be trusted again). Listens on
 * {@code 127.0.0.1} on a free port; {@link #close()} stops it and every connection.
 */
public final class TcpProxy implements AutoCloseable {

    /** What the proxy does with connections. */
    public enum Mode {
        /** Forward bytes both ways. */
        FORWARD,
        /** Close every connection at once. */
        CUT,
        /** Keep connections open and forward nothing. */
        BLACK_HOLE
    }

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.FORWARD;
    private volatile boolean closed;

    private TcpProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "tcp-proxy-" + server.getLocalPort() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a proxy in front of {@code host:port}.
     *
     * @param host the server's host (a loopback address)
     * @param port the server's port
     * @return the running proxy, forwarding
     */
    public static TcpProxy start(String host, int port) {
        try {
            return new TcpProxy(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new UncheckedIOException("could not listen on a loopback port for a test proxy", e);
        }
    }

    /** Returns the loopback port clients should connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /** Returns the current mode. */
    public Mode mode() {
        return mode;
    }

    /** Closes every open connection and refuses service until {@link #restore()}. */
    public void cut() {
        mode = Mode.CUT;
        closeConnections();
    }

    /** Stops forwarding bytes, keeping every connection open, until {@link #restore()}. */
    public void blackHole() {
        mode = Mode.BLACK_HOLE;
    }

    /** Forwards again; connections held in a black hole are closed first. */
    public void restore() {
        if (mode == Mode.BLACK_HOLE) {
            closeConnections();
        }
        mode = Mode.FORWARD;
    }

    /** Returns how many client and server sockets are open now; for tests of the proxy itself. */
    public int openSockets() {
        return sockets.size();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        closeConnections();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (mode == Mode.CUT) {
                quietlyClose(client);
                continue;
            }
            sockets.add(client);
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 5_000);
            } catch (IOException e) {
                quietlyClose(client);
                quietlyClose(upstream);
                continue;
            }
            sockets.add(upstream);
            pump(client, upstream, "up");
            pump(upstream, client, "down");
        }
    }

    private void pump(Socket from, Socket to, String direction) {
        Thread thread = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            if (mode == Mode.FORWARD) {
                                out.write(buffer, 0, n);
                                out.flush();
                            } else if (mode == Mode.CUT) {
                                break;
                            } // BLACK_HOLE: read and drop, so the sender never blocks on a full buffer
                        }
                    } catch (SocketException e) {
                        // the other side or a cut closed it
                    } catch (IOException e) {
                        // same: the connection ends
                    } finally {
                        quietlyClose(from);
                        quietlyClose(to);
                    }
                },
                "tcp-proxy-" + server.getLocalPort() + "-" + direction);
        thread.setDaemon(true);
        thread.start();
    }

    private void closeConnections() {
        for (Socket socket : sockets) {
            quietlyClose(socket);
        }
    }

    private void quietlyClose(Socket socket) {
        sockets.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
